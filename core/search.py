"""Global search: each app registers the kinds of records people look up by number or name, in its
AppConfig.ready(); the top bar searches those the user may view.

A kind names its model, the fields holding its codes or numbers (`codes`) and other fields worth matching
(`texts`). Each word of the query must be found in one of those fields (case-insensitive); hits are ranked
exact code first, then codes that start with the query, then the rest, in the model's own order. Each kind
is one bounded query.

Only staff logins search: a partner's login (core.PartnerUser) holds no model permission, and the search
spans every partner's records, so it is refused them outright (core/views/search.py).
"""

from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When

MAX_QUERY_LENGTH = 100
MIN_QUERY_LENGTH = 2


@dataclass(frozen=True)
class SearchKind:
    key: str  # unique: "sales_orders"
    label: Any  # "Sales orders" (lazily translated)
    model: str  # "erp.salesorder"
    codes: tuple[str, ...]  # numbers and codes people type: exact, then prefix matches rank first
    texts: tuple[str, ...] = ()  # names, references: matched anywhere
    details: tuple[str, ...] = ()  # shown under each hit: attribute paths ("customer.name", "get_state_display")
    select_related: tuple[str, ...] = ()  # what str(record) and `details` read
    where: Q = field(default_factory=Q)  # which records of the model are this kind (serials: serial-tracked lots)
    permission: str = ""  # default: view permission of the model

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def required_permission(self) -> str:
        if self.permission:
            return self.permission
        app_label, model_name = self.model.split(".")
        return f"{app_label}.view_{model_name}"


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    details: list[str]
    rank: int  # 0 exact code, 1 code prefix, 2 found elsewhere


_kinds: dict[str, SearchKind] = {}


def register_search(kind: SearchKind) -> None:
    """Add a searchable kind; registering a key again replaces it (ready() may run twice in tests)."""
    _kinds[kind.key] = kind


def search_kinds() -> list[SearchKind]:
    return list(_kinds.values())


def kinds_for(user) -> list[SearchKind]:
    """The kinds this user may view, in the order they were registered (lower apps first)."""
    if not user.is_authenticated:
        return []
    return [kind for kind in _kinds.values() if user.has_perm(kind.required_permission)]


def clean_query(text: str) -> str:
    """The query as searched: collapsed whitespace, at most MAX_QUERY_LENGTH characters."""
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def _any_field(fields: tuple[str, ...], lookup: str, value: str) -> Q:
    return reduce(or_, (Q(**{f"{name}__{lookup}": value}) for name in fields))


def kind_matches(kind: SearchKind, query: str, limit: int) -> list[models.Model]:
    """Up to `limit` records of a kind matching the query, best first, in one query; each has `search_rank`."""
    fields = kind.codes + kind.texts
    words = query.split()
    found = reduce(lambda q, word: q & _any_field(fields, "icontains", word), words, Q())
    rank = Case(
        When(_any_field(kind.codes, "iexact", query), then=Value(0)),
        When(_any_field(kind.codes, "istartswith", query), then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    model = kind.model_class
    ordering = model._meta.ordering or ["pk"]
    records = (
        model._default_manager.filter(kind.where)
        .filter(found)
        .select_related(*kind.select_related)
        .annotate(search_rank=rank)
        .order_by("search_rank", *ordering)
    )
    return list(records[:limit])


def _detail(record: models.Model, path: str) -> str:
    value: Any = record
    for name in path.split("."):
        value = getattr(value, name, None) if value is not None else None
        if callable(value):
            value = value()
    return "" if value is None else str(value)


def search(user, query: str, limit: int = 10) -> list[tuple[SearchKind, list[SearchHit]]]:
    """(kind, hits) of every kind the user may view that has hits, one query per kind. A query shorter than
    MIN_QUERY_LENGTH finds nothing (it would match nearly everything)."""
    query = clean_query(query)
    if len(query) < MIN_QUERY_LENGTH:
        return []
    results = []
    for kind in kinds_for(user):
        records = kind_matches(kind, query, limit)
        if records:
            hits = [
                SearchHit(
                    title=str(record),
                    url=record.get_absolute_url(),
                    details=[text for path in kind.details if (text := _detail(record, path))],
                    rank=record.search_rank,
                )
                for record in records
            ]
            results.append((kind, hits))
    return results
