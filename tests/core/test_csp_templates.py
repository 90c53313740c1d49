"""The Content-Security-Policy allows scripts from our own files only (docs/security.md): no template may
hold an inline <script> or an on*= event handler attribute, which the browser would refuse to run."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*?\s(on[a-z]+)\s*=", re.IGNORECASE)


def _templates() -> list[Path]:
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(apps.get_app_config(app).path) / "templates" for app in settings.TAKT_APPS]
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


def test_the_templates_are_found():
    assert any(path.name == "base.html" for path in _templates())


def test_no_template_has_an_inline_script_or_an_event_handler_attribute():
    offences = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        offences += [f"{path}: inline <script{attrs}>" for attrs in SCRIPT_TAG.findall(text) if "src=" not in attrs]
        offences += [f"{path}: {name}= attribute" for name in EVENT_HANDLER.findall(text)]
    assert not offences, "\n".join(offences)
