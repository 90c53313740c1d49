"""Every URL of the project, generated from the URL conf, with sample values for its parameters."""

import re
import uuid

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "uuid": str(uuid.UUID(int=1)),
    "str": "x",
    "slug": "x",
    "path": "x",
    "drf_format_suffix": ".json",
}
CONVERTER = re.compile(r"<(?:(?P<type>\w+):)?(?P<name>\w+)>")


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = getattr(entry.pattern, "_route", None)
        if route is None:  # regex patterns (the admin's own) are covered by the admin's login check
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern):
            url = "/" + CONVERTER.sub(lambda m: SAMPLE_VALUES[m["type"] or "str"], prefix + route)
            yield f"{namespace}{entry.name}", url


def all_urls() -> list[tuple[str, str]]:
    """(name, url) of every named route outside the admin, each once."""
    seen = {}
    for name, url in _walk(get_resolver().url_patterns):
        if not url.startswith("/admin/") and "(?P" not in url:
            seen.setdefault(url, name)
    return sorted((name, url) for url, name in seen.items())
