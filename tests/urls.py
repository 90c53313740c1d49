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


GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<regex>[^)]*)\)")


def _route_of(pattern) -> str | None:
    """A path() route as it is; a regex (DRF's routers) as a route with sample values, or None for the
    format-suffix variants and the catch-all, which repeat or answer every other URL."""
    route = getattr(pattern, "_route", None)
    if route is not None:
        return route
    regex = pattern.regex.pattern.removeprefix("^").removesuffix("$")
    if not regex or "(?P<format>" in regex:
        return None
    samples = ("1", "x", SAMPLE_VALUES["uuid"])
    route = GROUP.sub(lambda m: next((v for v in samples if re.fullmatch(m["regex"], v)), m[0]), regex)
    route = route.replace("\\.", ".")
    return None if re.search(r"[()\[\]?*+^$\\]", route) else route


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        route = _route_of(entry.pattern)
        if route is None:
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
