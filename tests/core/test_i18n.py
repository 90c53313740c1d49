"""The Simplified Chinese catalog and the language a user picks (docs/i18n.md)."""

import datetime
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation

from core.models import Item
from core.roles import Role

CATALOG = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
# %(name)s and %s (Python), %% (a literal percent in a formatted string), {name} (str.format).
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdfr]|%%|\{\w*\}")
ZH = "zh-hans"


@pytest.fixture(scope="module")
def catalog() -> polib.POFile:
    return polib.pofile(str(CATALOG / "django.po"))


def test_every_message_is_translated_and_none_is_fuzzy(catalog):
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == [], f"{len(untranslated)} untranslated, e.g. {untranslated[:5]}: see docs/i18n.md"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1;")


def test_a_translation_keeps_the_placeholders_of_its_message(catalog):
    broken = []
    for entry in catalog.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        # A plural's one Chinese form may follow the singular or the plural English message.
        wanted = [Counter(PLACEHOLDER.findall(entry.msgid)), Counter(PLACEHOLDER.findall(entry.msgid_plural))]
        broken += [(entry.msgid, text) for text in translations if Counter(PLACEHOLDER.findall(text)) not in wanted]
    assert broken == []


def test_the_shipped_compiled_catalog_is_the_source_catalog(catalog):
    """The .mo ships (a machine without gettext still shows Chinese): it must be compiled from this .po."""

    def texts(entries):
        return {(e.msgctxt, e.msgid): e.msgstr_plural[0] if e.msgid_plural else e.msgstr for e in entries}

    compiled = texts(polib.mofile(str(CATALOG / "django.mo")))
    stale = [key for key, text in texts(catalog.translated_entries()).items() if compiled.get(key) != text]
    assert stale == [], f"{len(stale)} messages differ from the .mo, e.g. {stale[:3]}: run `make messages`"


def test_model_and_field_names_are_translated_without_touching_migrations():
    field = Item._meta.get_field("lead_time_days")  # its name comes from the attribute: no verbose_name in code
    with translation.override(ZH):
        assert str(Item._meta.verbose_name_plural) == "物料"
        assert str(field.verbose_name) == "提前期天数"
    with translation.override("en"):
        assert str(field.verbose_name) == "lead time days"
    assert "verbose_name" not in field.deconstruct()[3]  # what makemigrations compares: unchanged


def test_date_inputs_keep_the_iso_form_in_chinese():
    """A browser's date input reads 2026-09-05 only; Chinese dates as text stay Chinese."""

    class DayForm(forms.Form):
        day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    day = datetime.date(2026, 9, 5)
    with translation.override(ZH):
        assert 'value="2026-09-05"' in str(DayForm(initial={"day": day})["day"])
        assert DayForm({"day": "2026-09-05"}).is_valid()
        assert formats.date_format(day) == "2026年9月5日"


class _Text(HTMLParser):
    """The text a person reads on a page: no scripts, styles or attributes."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def visible_text(response) -> list[str]:
    parser = _Text()
    parser.feed(response.content.decode())
    return parser.parts


def in_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    return client


def test_the_home_page_speaks_chinese(client_as):
    response = in_chinese(client_as(Role.ADMIN)).get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<html lang="{ZH}">' in html
    assert "主数据" in html  # the Master data menu
    assert "退出登录" in html  # Sign out


def test_a_list_page_speaks_chinese(client_as):
    response = in_chinese(client_as(Role.ADMIN)).get(reverse("core:item_list"))
    text = visible_text(response)
    assert response.status_code == 200
    assert "物料" in text  # the heading: the model's plural name
    assert "筛选" in text  # the filter button
    assert "提前期天数" in " ".join(text)  # a column named after its field, translated


def test_the_operator_tablet_speaks_chinese_and_offers_english(client_as):
    tablet = in_chinese(client_as(Role.OPERATOR))
    response = tablet.get(reverse("mes:tablet_home"))
    html = response.content.decode()
    text = visible_text(response)
    assert f'<html lang="{ZH}">' in html
    assert "请扫描工牌" in " ".join(text)
    assert 'name="language" value="en"' in html  # the switch back, as a button the operator can tap
    assert "English" in text  # named in English, for whoever cannot read Chinese
    # Every word an operator reads is Chinese: only the product's name, the language's own name and
    # the operator's login name may be in Latin letters.
    latin = [part for part in text if re.search(r"[A-Za-z]{2,}", re.sub(r"Takt|English|operator-\d+", "", part))]
    assert latin == []

    switch = re.search(r'<form class="language-buttons" action="([^"]+)"', html)[1].replace("&amp;", "&")
    back = tablet.post(switch, {"language": "en"})
    assert back.url == reverse("mes:tablet_home")  # the tap switches and stays on the screen
    assert '<html lang="en">' in tablet.get(back.url).content.decode()


def test_a_picked_language_sticks_for_a_year(client_as):
    client = client_as(Role.ADMIN)
    response = client.post(reverse("set_language"), {"language": ZH, "next": reverse("home")})
    assert response.status_code == 302
    assert response.url == reverse("home")
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == ZH
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE >= 365 * 24 * 3600
    assert f'<html lang="{ZH}">' in client.get(reverse("home")).content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    html = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in html
    assert "Sign out" in html


def test_the_sign_in_page_offers_the_other_language(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").content.decode()
    assert f'<html lang="{ZH}">' in html  # the browser's language, before anyone picks one
    assert "登录" in html
    assert 'name="language" value="en"' in html
    # In English, the other way round: Chinese named in Chinese.
    assert "简体中文" in visible_text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))


# --- Templates: no English outside {% translate %} ------------------------------------------------------------

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates"]
# Names and abbreviations that read the same in both languages.
SAME_IN_EVERY_LANGUAGE = {"Takt", "CSV", "Excel", "PDF", "ECO", "BOM", "Cp", "Cpk", "UCL", "LCL", "MR"}
# Removed in this order: translated blocks and comments, then the other template tags and variables (whose
# "a > b" would end an HTML tag early), then scripts, styles, HTML tags and entities.
NOT_TEXT = [
    re.compile(
        r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}",
        re.S,
    ),
    re.compile(r"{%.*?%}|{{.*?}}", re.S),
    re.compile(r"<script\b.*?</script>|<style\b.*?</style>|<[^>]*>|&\w+;", re.S),
]


READ_ATTRIBUTE = re.compile(r'\b(?:title|placeholder|alt|data-confirm)="([^"]*)"')


def bare_english(template: Path) -> list[str]:
    text = template.read_text()
    for pattern in NOT_TEXT[:2]:
        text = pattern.sub(" ", text)
    shown_attributes = " ".join(READ_ATTRIBUTE.findall(text))  # a tooltip or a question is read too
    words = re.findall(r"[A-Za-z]{2,}", NOT_TEXT[2].sub(" ", text) + " " + shown_attributes)
    return [word for word in words if word not in SAME_IN_EVERY_LANGUAGE]


def test_templates_have_no_text_outside_translate_tags():
    """Text a person reads goes through {% translate %}/{% blocktranslate %}, or Chinese readers see English."""
    found = {
        str(path.relative_to(settings.BASE_DIR)): words
        for directory in TEMPLATE_DIRS
        for path in sorted(directory.rglob("*.html"))
        if (words := bare_english(path))
    }
    assert found == {}, "wrap these in {% translate %} (docs/i18n.md)"
