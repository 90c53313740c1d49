"""User-entered text is escaped everywhere it is shown (#13 "Input safety").

Two halves. The code holds none of the ways around Django's autoescaping (`mark_safe`, `|safe`,
`{% autoescape off %}`, `SafeString`), and the front-end scripts none of the DOM sinks that would parse text
as HTML (`innerHTML` and its kin), so escaping cannot be switched off by one template. And over the demo
company, the free text of one record of every model (names, descriptions, notes...) is set to markup that
would break out of an attribute and open a tag; then every page of every menu, every such record's own page
and the search are opened as the administrator: the markup never comes back as markup.
"""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, models, transaction
from django.test import Client
from django.urls import NoReverseMatch

from core.navigation import menus_for

ROOT = Path(settings.BASE_DIR)
PAYLOAD = "\"'><b id=xss>"
RAW = "<b id=xss>"
ESCAPED = "&lt;b id=xss&gt;"

# Fields that hold codes, numbers and machine values, not free text: they have their own validators and
# formats, which an update() around them would only make fail elsewhere.
NOT_FREE_TEXT = re.compile(
    r"code|number|sku|barcode|email|url|host|phone|currency|uom|key|token|hash|path|node|address_line|"
    r"language|zone|username|password|serial|lot|prefix|format|pattern|secret|event|permission"
)


def _sources(*suffixes: str):
    for app in settings.TAKT_APPS:
        for path in (ROOT / app).rglob("*"):
            if path.suffix in suffixes and "migrations" not in path.parts:
                yield path
    yield from (path for path in (ROOT / "templates").rglob("*") if path.suffix in suffixes)


def test_the_code_never_switches_autoescaping_off():
    unsafe = re.compile(r"mark_safe|SafeString|\|\s*safe\b|autoescape\s+off")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _sources(".py", ".html", ".txt")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(line)
    ]
    assert found == []


def test_the_scripts_never_parse_text_as_html():
    sinks = re.compile(r"\.(innerHTML|outerHTML|insertAdjacentHTML)\b|document\.write")
    scripts = sorted((ROOT / "static" / "js").glob("*.js"))
    assert scripts, "the project's own scripts live in static/js/"
    found = [
        f"{path.name}:{number}"
        for path in scripts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if sinks.search(line)
    ]
    assert found == []


def _free_text_fields(model: type[models.Model]) -> list[str]:
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.unique
        and (field.max_length is None or field.max_length >= len(PAYLOAD))
        and not NOT_FREE_TEXT.search(field.name)
    ]


@pytest.fixture
def marked_records(demo_loaded, db) -> list[models.Model]:
    """One record of each project model with markup in every free-text field; the records changed."""
    changed = []
    for model in apps.get_models():
        if model._meta.app_label not in settings.TAKT_APPS or model._meta.proxy:
            continue
        fields = _free_text_fields(model)
        record = model._default_manager.order_by("pk").first() if fields else None
        if record is None:
            continue
        try:
            with transaction.atomic():
                model._default_manager.filter(pk=record.pk).update(**dict.fromkeys(fields, PAYLOAD))
        except DatabaseError:
            continue  # a ledger the database keeps immutable (production events): nobody edits its text
        changed.append(record)
    return changed


def test_markup_typed_into_any_record_is_shown_as_text(marked_records):
    admin = get_user_model().objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    urls = {"/", "/core/search/?q=xss"}
    urls |= {item.url for menu in menus_for(admin) for item in menu.items}
    for record in marked_records:
        try:
            urls.add(record.get_absolute_url())
        except (AttributeError, NoReverseMatch):
            continue  # a record without a page of its own is shown on its document's or list's page
    shown, broken = [], []
    for url in sorted(urls):
        response = client.get(url)
        assert response.status_code in (200, 302), (url, response.status_code)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        content = response.content.decode()
        if RAW in content:
            broken.append(url)
        if ESCAPED in content:
            shown.append(url)
    assert broken == []
    # The check means something only where the text was shown: on most record pages and lists (on the
    # demo, 147 of the 187 pages).
    assert len(shown) >= 100, shown
