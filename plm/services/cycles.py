"""BOM cycle detection: no item may be its own component, at any depth."""

from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.models import Item
from plm.choices import RevisionState
from plm.models import BomLine

Edge = tuple[int, int]  # (parent item id, component item id)


def find_cycle(edges: Iterable[Edge]) -> list[int] | None:
    """A cycle in the parent -> component graph as [a, b, ..., a], or None. Iterative, so deep BOMs are fine."""
    children: dict[int, list[int]] = defaultdict(list)
    for parent, component in edges:
        children[parent].append(component)
    white, grey, black = 0, 1, 2
    colour: dict[int, int] = defaultdict(int)
    # Sorted, so the same graph always reports the same cycle from the same item.
    for nodes in children.values():
        nodes.sort()
    for root in sorted(children):
        if colour[root] != white:
            continue
        path = [root]
        stack = [iter(children[root])]
        colour[root] = grey
        while stack:
            node = next(stack[-1], None)
            if node is None:
                colour[path.pop()] = black
                stack.pop()
            elif colour[node] == grey:
                return [*path[path.index(node) :], node]
            elif colour[node] == white:
                colour[node] = grey
                path.append(node)
                stack.append(iter(children.get(node, ())))
    return None


def live_bom_edges(*, exclude_bom_ids: Iterable[int] = ()) -> set[Edge]:
    """Parent -> component pairs of every BOM revision that is or may become effective."""
    return set(
        BomLine.objects.exclude(bom__state=RevisionState.OBSOLETE)
        .exclude(bom_id__in=list(exclude_bom_ids))
        .values_list("bom__item_id", "component_id")
    )


def describe_cycle(cycle: list[int], codes: dict[int, str]) -> str:
    return " > ".join(codes[item_id] for item_id in cycle)


def check_no_cycle(*, edges: set[Edge], codes: dict[int, str] | None = None) -> None:
    """Raise a ValidationError naming the cycle if these edges contain one."""
    cycle = find_cycle(edges)
    if cycle is None:
        return
    if codes is None:
        codes = dict(Item.objects.filter(pk__in=set(cycle)).values_list("pk", "code"))
    raise ValidationError(
        _("This makes an item its own component: %(cycle)s."),
        code="bom_cycle",
        params={"cycle": describe_cycle(cycle, codes)},
    )
