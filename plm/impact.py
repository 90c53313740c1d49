"""Impact of an engineering change, with sections contributed by upper apps.

PLM cannot ask WMS (same layer) or ERP (above) about stock or open production orders. Those apps
register a provider here from their AppConfig.ready(); the ECO records what the providers answer
when it is submitted for review.
"""

from collections.abc import Callable
from typing import Any

ImpactProvider = Callable[..., list[dict[str, Any]]]
_providers: dict[str, ImpactProvider] = {}


def register_impact_provider(section: str, provider: ImpactProvider) -> None:
    """`provider(eco=, changed_items=[Item], obsoleted_items=[Item])` returns the section's rows, each
    a dict of column title to a JSON value (the ECO stores them as they were on submission)."""
    _providers[section] = provider


def impact_providers() -> dict[str, ImpactProvider]:
    return dict(_providers)
