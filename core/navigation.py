"""The navigation menus. Each app registers its menus in AppConfig.ready(); users see what they may view."""

from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuItem:
    label: str
    url_name: str
    permission: str = ""  # empty: any signed-in user

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class Menu:
    label: str
    items: tuple[MenuItem, ...]


_menus: list[Menu] = []


def register_menu(menu: Menu) -> None:
    """Add a menu; an upper app registering a menu of the same label (CRM's "Sales") extends that one."""
    for index, existing in enumerate(_menus):
        if existing.label == menu.label:
            known = set(existing.items)
            _menus[index] = Menu(existing.label, existing.items + tuple(i for i in menu.items if i not in known))
            return
    _menus.append(menu)


def menus_for(user) -> list[Menu]:
    """The menus with only the entries this user may open; empty menus are left out."""
    if not user.is_authenticated:
        return []
    visible = []
    for menu in _menus:
        items = tuple(item for item in menu.items if not item.permission or user.has_perm(item.permission))
        if items:
            visible.append(Menu(menu.label, items))
    return visible


def model_item(label: str, model_label: str) -> MenuItem:
    """An entry for a model's list page, shown to who may view the model ("core.item")."""
    app_label, model_name = model_label.split(".")
    return MenuItem(label, f"{app_label}:{model_name}_list", f"{app_label}.view_{model_name}")


@dataclass(frozen=True)
class ObjectLink:
    """A page an upper app offers for a lower app's record, e.g. PLM's engineering view of an item."""

    label: str
    url_name: str  # takes the record's pk
    permission: str = ""


_object_links: dict[str, list[ObjectLink]] = defaultdict(list)


def register_object_link(model_label: str, link: ObjectLink) -> None:
    if link not in _object_links[model_label]:
        _object_links[model_label].append(link)


def object_links_for(obj, user) -> list[tuple[str, str]]:
    """(label, url) of the pages upper apps offer for this record that the user may open."""
    return [
        (link.label, reverse(link.url_name, args=[obj.pk]))
        for link in _object_links[obj._meta.label_lower]
        if not link.permission or user.has_perm(link.permission)
    ]
