"""The demo company's CRM records: each area loads its own module, in the order of AREAS."""

from importlib import import_module

# Area modules of this package, each with load() -> dict[str, int] (what it made, by kind).
AREAS: list[str] = ["accounts", "pipeline", "quotes", "service"]


def load() -> dict[str, int]:
    counts: dict[str, int] = {}
    for area in AREAS:
        counts.update(import_module(f"crm.demo.{area}").load())
    return counts
