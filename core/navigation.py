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
    # The navbar's top-level entry the menu is a section of (Quality under "Shop floor"), so the bar keeps
    # one entry per system and fits one row at 1280 px; empty: an entry of its own label.
    system: str = ""

    @property
    def entry(self) -> str:
        return self.system or self.label


@dataclass(frozen=True)
class NavEntry:
    """A top-level entry of the navbar: its menus, each a section of its dropdown."""

    label: str
    menus: tuple[Menu, ...]

    @property
    def sectioned(self) -> bool:
        """Whether the dropdown shows its menus' labels as headings (not for a lone menu of its own name)."""
        return len(self.menus) > 1 or self.menus[0].label != self.label


_menus: list[Menu] = []


def register_menu(menu: Menu) -> None:
    """Add a menu; an upper app registering a menu of the same label (CRM's "Sales") extends that one."""
    for index, existing in enumerate(_menus):
        if existing.label == menu.label:
            known = set(existing.items)
            items = existing.items + tuple(i for i in menu.items if i not in known)
            _menus[index] = Menu(existing.label, items, existing.system or menu.system)
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
            visible.append(Menu(menu.label, items, menu.system))
    return visible


def navigation_for(user) -> list[NavEntry]:
    """The navbar's top-level entries for this user: their visible menus grouped by system, in the order
    the first menu of each was registered."""
    grouped: dict[str, list[Menu]] = {}
    for menu in menus_for(user):
        grouped.setdefault(str(menu.entry), []).append(menu)
    return [NavEntry(menus[0].entry, tuple(menus)) for menus in grouped.values()]


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
