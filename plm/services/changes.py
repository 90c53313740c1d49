"""The engineering change workflow: draft > review (with impact) > approved by role > released."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Item
from core.services.events import event_publish
from core.services.numbering import next_document_number
from plm import events
from plm.choices import ApprovalDecision, ApprovalRole, EcoState, RevisionState
from plm.models import BomRevision, EcoApproval, EngineeringChangeOrder, RoutingRevision
from plm.models.revisions import Revision
from plm.selectors.impact import eco_impact
from plm.services.cycles import check_no_cycle, live_bom_edges
from plm.services.revisions import bom_revision_create, revision_to_copy, routing_revision_create


def _require_state(eco: EngineeringChangeOrder, *states: str) -> None:
    if eco.state not in states:
        raise ValidationError(
            _("%(eco)s is %(state)s; this needs it to be %(needed)s."),
            code="eco_wrong_state",
            params={
                "eco": eco.number,
                "state": eco.get_state_display().lower(),
                "needed": _(" or ").join(str(EcoState(s).label).lower() for s in states),
            },
        )


def _locked(eco: EngineeringChangeOrder) -> EngineeringChangeOrder:
    return EngineeringChangeOrder.objects.select_for_update().get(pk=eco.pk)


def eco_create(*, title: str, reason: str, effective_date: datetime.date, user: Any) -> EngineeringChangeOrder:
    with transaction.atomic():
        eco = EngineeringChangeOrder(
            number=next_document_number(doc_type="ECO"),
            title=title,
            reason=reason,
            effective_date=effective_date,
            requested_by=user,
        )
        eco.full_clean()
        eco.save()
        return eco


ECO_EDITABLE_FIELDS = {"title", "reason", "effective_date"}


def eco_update(*, eco: EngineeringChangeOrder, **fields) -> EngineeringChangeOrder:
    """Title, reason and date of a draft change order."""
    unknown = set(fields) - ECO_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not an editable change order field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.DRAFT)
        for name, value in fields.items():
            setattr(eco, name, value)
        eco.full_clean()
        eco.save(update_fields=[*fields, "updated_at"])
        return eco


def _propose(eco: EngineeringChangeOrder, item: Item, model: type[Revision], create) -> Revision:
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.DRAFT)
        if model.objects.filter(eco=eco, item=item).exists():
            raise ValidationError(
                _("%(eco)s already proposes a new %(kind)s for %(item)s."),
                code="already_proposed",
                params={"eco": eco.number, "kind": model._meta.verbose_name, "item": item.code},
            )
        # A draft an engineer started outside any change is taken into this one rather than copied again.
        loose_draft = (
            model.objects.select_for_update().filter(item=item, eco__isnull=True, state=RevisionState.DRAFT).first()
        )
        if loose_draft is not None:
            loose_draft.eco = eco
            loose_draft.save(update_fields=["eco", "updated_at"])
            return loose_draft
        return create(item=item, eco=eco, copy_from=revision_to_copy(model, item=item, on=eco.effective_date))


def eco_propose_bom(*, eco: EngineeringChangeOrder, item: Item) -> BomRevision:
    """A draft BOM revision in the change: the item's loose draft if it has one, else a copy of the
    revision effective on the change's date."""
    return _propose(eco, item, BomRevision, bom_revision_create)


def eco_propose_routing(*, eco: EngineeringChangeOrder, item: Item) -> RoutingRevision:
    """A draft routing revision in the change, starting from the one effective on the change's date."""
    return _propose(eco, item, RoutingRevision, routing_revision_create)


def _proposals(eco: EngineeringChangeOrder) -> list[Revision]:
    return [
        *BomRevision.objects.filter(eco=eco).select_related("item"),
        *RoutingRevision.objects.filter(eco=eco).select_related("item"),
    ]


def _set_proposal_state(eco: EngineeringChangeOrder, state: str) -> None:
    BomRevision.objects.filter(eco=eco).update(state=state)
    RoutingRevision.objects.filter(eco=eco).update(state=state)


def eco_submit(*, eco: EngineeringChangeOrder, user: Any) -> EngineeringChangeOrder:
    """Send a draft change to review: its revisions freeze and its impact is recorded."""
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.DRAFT)
        proposals = _proposals(eco)
        if not proposals:
            raise ValidationError(_("Propose at least one new BOM or routing revision first."), code="eco_empty")
        empty = [str(p) for p in proposals if not (p.lines if isinstance(p, BomRevision) else p.operations).exists()]
        if empty:
            raise ValidationError(
                _("These revisions have no lines or operations: %(revisions)s."),
                code="revision_empty",
                params={"revisions": ", ".join(empty)},
            )
        check_no_cycle(edges=live_bom_edges())  # proposals are live drafts, so this covers them
        eco.approvals.all().delete()  # a resubmitted change is reviewed afresh
        _set_proposal_state(eco, RevisionState.IN_REVIEW)
        eco.state = EcoState.REVIEW
        eco.impact = eco_impact(eco=eco)
        eco.save(update_fields=["state", "impact", "updated_at"])
        return eco


def eco_decide(
    *, eco: EngineeringChangeOrder, user: Any, role: str, decision: str, comment: str = ""
) -> EngineeringChangeOrder:
    """One role's approval or rejection. All roles approving makes it approved; one rejection rejects it."""
    if role not in ApprovalRole.values:
        message = _("%(role)s does not approve engineering changes.") % {"role": role}
        raise ValidationError({"role": ValidationError(message, code="invalid_choice")})
    if not user.groups.filter(name=role).exists():
        raise ValidationError(
            _("Only a member of the %(role)s role can decide for it."), code="not_in_role", params={"role": role}
        )
    if decision not in ApprovalDecision.values:
        message = _("Decide %(choices)s.") % {"choices": " or ".join(ApprovalDecision.values)}
        raise ValidationError({"decision": ValidationError(message, code="invalid_choice")})
    if decision == ApprovalDecision.REJECTED and not comment.strip():
        message = _("Say why the change is rejected.")
        raise ValidationError({"comment": ValidationError(message, code="required")})
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.REVIEW)
        EcoApproval.objects.update_or_create(
            eco=eco, role=role, defaults={"decision": decision, "decided_by": user, "comment": comment}
        )
        decisions = dict(eco.approvals.values_list("role", "decision"))
        if decision == ApprovalDecision.REJECTED:
            eco.state = EcoState.REJECTED
            _set_proposal_state(eco, RevisionState.DRAFT)
        elif all(decisions.get(r) == ApprovalDecision.APPROVED for r in ApprovalRole.values):
            eco.state = EcoState.APPROVED
        eco.save(update_fields=["state", "updated_at"])
        return eco


def eco_reopen(*, eco: EngineeringChangeOrder, user: Any) -> EngineeringChangeOrder:
    """Back to draft after a rejection, to rework the proposal."""
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.REJECTED)
        eco.state = EcoState.DRAFT
        eco.save(update_fields=["state", "updated_at"])
        return eco


def eco_cancel(*, eco: EngineeringChangeOrder, user: Any) -> EngineeringChangeOrder:
    """Abandon a change that was not released; its proposed revisions, never used, are removed."""
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.DRAFT, EcoState.REVIEW, EcoState.APPROVED, EcoState.REJECTED)
        BomRevision.objects.filter(eco=eco).delete()
        RoutingRevision.objects.filter(eco=eco).delete()
        eco.state = EcoState.CANCELLED
        eco.save(update_fields=["state", "updated_at"])
        return eco


def _release_revision(new: Revision, day: datetime.date, today: datetime.date) -> Revision | None:
    """Make `new` effective from `day`; the revision effective then closes that day. Returns it."""
    released = list(type(new).objects.filter(item=new.item, state=RevisionState.RELEASED).exclude(pk=new.pk))
    if any(r.effective_from == day for r in released):
        raise ValidationError(
            _("%(item)s already has a released %(kind)s starting on %(day)s."),
            code="effectivity_conflict",
            params={"item": new.item.code, "kind": new._meta.verbose_name, "day": day.isoformat()},
        )
    replaced = None
    for revision in released:
        starts_before = revision.effective_from is None or revision.effective_from < day
        ends_after = revision.effective_to is None or revision.effective_to > day
        if starts_before and ends_after:
            revision.effective_to = day
            if day <= today:
                revision.state = RevisionState.OBSOLETE
            revision.save(update_fields=["effective_to", "state", "updated_at"])
            replaced = revision
    later_starts = [r.effective_from for r in released if r.effective_from and r.effective_from > day]
    new.state = RevisionState.RELEASED
    new.effective_from = day
    new.effective_to = min(later_starts, default=None)
    new.save(update_fields=["state", "effective_from", "effective_to", "updated_at"])
    return replaced


def eco_release(*, eco: EngineeringChangeOrder, user: Any) -> EngineeringChangeOrder:
    """Release an approved change: its revisions take effect on its date, the old ones close then. One transaction."""
    today = timezone.localdate()
    with transaction.atomic():
        eco = _locked(eco)
        _require_state(eco, EcoState.APPROVED)
        if eco.effective_date < today:
            raise ValidationError(
                {"effective_date": _("The change cannot take effect in the past; set a date from today on.")}
            )
        proposals = _proposals(eco)
        # Lock the affected items in one order, so concurrent releases of overlapping changes serialise.
        list(Item.objects.select_for_update().filter(pk__in={p.item_id for p in proposals}).order_by("pk"))
        released = {"bom_revisions": [], "routing_revisions": []}
        for proposal in proposals:
            replaced = _release_revision(proposal, eco.effective_date, today)
            key = "bom_revisions" if isinstance(proposal, BomRevision) else "routing_revisions"
            released[key].append(
                {
                    "id": str(proposal.pk),
                    "item": proposal.item.code,
                    "revision": proposal.revision,
                    "replaces": replaced.revision if replaced else None,
                }
            )
        check_no_cycle(edges=live_bom_edges())
        eco.state = EcoState.RELEASED
        eco.released_at = timezone.now()
        eco.released_by = user
        eco.save(update_fields=["state", "released_at", "released_by", "updated_at"])
        event_publish(
            name=events.ECO_RELEASED,
            payload={"eco_id": str(eco.pk), "number": eco.number, "effective_date": eco.effective_date, **released},
            aggregate=eco,
            actor=user,
        )
        return eco


def revisions_obsolete_expired(*, today: datetime.date) -> int:
    """Released revisions whose window has ended become obsolete (for changes dated in the future)."""
    count = 0
    for model in (BomRevision, RoutingRevision):
        count += model.objects.filter(state=RevisionState.RELEASED, effective_to__lte=today).update(
            state=RevisionState.OBSOLETE
        )
    return count
