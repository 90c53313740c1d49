from typing import Any

from core.models import Item
from plm.impact import impact_providers
from plm.models import BomRevision, EngineeringChangeOrder, RoutingRevision
from plm.selectors.boms import bom_diff, routing_diff, where_used
from plm.selectors.revisions import effective_revision


def eco_impact(*, eco: EngineeringChangeOrder) -> dict[str, Any]:
    """What a change touches on its date: the revisions it replaces, where the items are used, the
    components it drops (obsoleted parts), and what upper apps report (stock, open orders)."""
    day = eco.effective_date
    changes, obsoleted_codes = [], set()
    proposals = [
        *BomRevision.objects.filter(eco=eco).select_related("item"),
        *RoutingRevision.objects.filter(eco=eco).select_related("item"),
    ]
    for proposal in proposals:
        old = effective_revision(type(proposal), item=proposal.item, on=day)
        diff = (
            bom_diff(old=old, new=proposal)
            if isinstance(proposal, BomRevision)
            else routing_diff(old=old, new=proposal)
        )
        if isinstance(proposal, BomRevision):
            obsoleted_codes |= {row.old["component"] for row in diff if row.change == "removed"}
        changes.append(
            {
                "item": proposal.item.code,
                "kind": proposal._meta.model_name,
                "new_revision": proposal.revision,
                "old_revision": old.revision if old else None,
                "diff": {
                    change: [row.key for row in diff if row.change == change]
                    for change in ("added", "removed", "changed")
                },
            }
        )
    changed_items = sorted({p.item for p in proposals}, key=lambda item: item.code)
    obsoleted_items = list(Item.objects.filter(code__in=obsoleted_codes).order_by("code"))
    impact: dict[str, Any] = {
        "effective_date": day.isoformat(),
        "changes": changes,
        "where_used": [
            {
                "item": item.code,
                "parents": [
                    {"item": row.parent.code, "revision": row.line.bom.revision, "level": row.level}
                    for row in where_used(item=item, on=day, indented=True)
                ],
            }
            for item in changed_items
        ],
        "obsoleted_components": [item.code for item in obsoleted_items],
    }
    # Sections from upper apps, in registration order: a title and rows of {column: value}.
    impact["sections"] = [
        {"title": str(title), "rows": provider(eco=eco, changed_items=changed_items, obsoleted_items=obsoleted_items)}
        for title, provider in impact_providers().items()
    ]
    return impact
