"""The sales pipeline: opportunities created, changed, moved between stages, won, lost and reopened.

An open opportunity sits in an open stage (neither won nor lost). Moving it into the won or the lost
stage wins or loses it, so the two ways (drag to a column, the Won/Lost buttons) keep the same rules: a
loss needs a reason. Winning or losing sets the close date to the day it happened, so the forecast
counts won business in the month it was won. Moving resets the probability to the new stage's; a
probability set by hand stays until the next move.

Each write locks the opportunity, so a drag on the board and a quote's acceptance cannot interleave.
"""

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import Contact, Currency, Partner
from core.services.numbering import next_document_number
from crm.models import LostReason, Opportunity, OpportunityState, Stage
from crm.selectors.pipeline import open_stages

OPEN, WON, LOST = OpportunityState.OPEN, OpportunityState.WON, OpportunityState.LOST

# The pipeline every database starts with: name, sequence, probability %, won, lost.
DEFAULT_STAGES = (
    ("Prospecting", 10, Decimal(10), False, False),
    ("Qualification", 20, Decimal(20), False, False),
    ("Proposal", 30, Decimal(50), False, False),
    ("Negotiation", 40, Decimal(75), False, False),
    ("Won", 90, Decimal(100), True, False),
    ("Lost", 100, Decimal(0), False, True),
)
DEFAULT_LOST_REASONS = (
    ("PRICE", "Price too high"),
    ("COMPETITOR", "Went with a competitor"),
    ("LEAD_TIME", "Delivery time too long"),
    ("SPEC", "Product does not meet the specification"),
    ("NO_BUDGET", "No budget or project cancelled"),
    ("NO_DECISION", "No decision / went silent"),
)
UPDATE_FIELDS = {
    "name",
    "account",
    "contact",
    "owner",
    "expected_revenue",
    "currency",
    "close_date",
    "probability_pct",
    "description",
    "lead",
}
# What may still change on a won or lost opportunity: nothing that changes the numbers it reported.
AFTER_CLOSING = {"description", "contact"}


def pipeline_defaults_ensure() -> None:
    """Create the default stages and lost reasons that are missing (by name, by code); never changes existing
    ones. Run after every migrate and test-database flush (crm.apps), so the board always has its columns."""
    for name, sequence, probability, is_won, is_lost in DEFAULT_STAGES:
        Stage.objects.get_or_create(
            name=name,
            defaults={"sequence": sequence, "probability_pct": probability, "is_won": is_won, "is_lost": is_lost},
        )
    for code, name in DEFAULT_LOST_REASONS:
        LostReason.objects.get_or_create(code=code, defaults={"name": name})


def _closing_stage(*, won: bool) -> Stage:
    stage = Stage.objects.filter(active=True, **({"is_won": True} if won else {"is_lost": True}))
    stage = stage.order_by("sequence").first()
    if stage is None:
        message = _("There is no active won stage.") if won else _("There is no active lost stage.")
        raise ValidationError({"stage": ValidationError(message, code="no_closing_stage")})
    return stage


def _lock(opportunity: Opportunity) -> Opportunity:
    return (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("stage", "account", "currency")
        .get(pk=opportunity.pk)
    )


def _refuse_closed(opportunity: Opportunity, what: str) -> ValidationError:
    message = _("%(opportunity)s is %(state)s: %(what)s") % {
        "opportunity": opportunity.number,
        "state": opportunity.get_state_display().lower(),
        "what": what,
    }
    return ValidationError(message, code="closed")


def _account_errors(account: Partner) -> dict[str, ValidationError]:
    if not account.is_customer:
        message = _("%(partner)s is not a customer.") % {"partner": account.code}
        return {"account": ValidationError(message, code="not_a_customer")}
    if not account.active:
        message = _("%(partner)s is inactive.") % {"partner": account.code}
        return {"account": ValidationError(message, code="inactive")}
    return {}


def _open_stage_errors(stage: Stage) -> dict[str, ValidationError]:
    if not stage.active:
        message = _("The stage %(stage)s is no longer used.") % {"stage": stage.name}
        return {"stage": ValidationError(message, code="inactive_stage")}
    if stage.is_closing:
        message = _("An opportunity is won or lost with its own command, not created in %(stage)s.") % {
            "stage": stage.name
        }
        return {"stage": ValidationError(message, code="closing_stage")}
    return {}


def opportunity_create(
    *,
    account: Partner,
    name: str,
    owner: Any,
    expected_revenue: Decimal,
    currency: Currency,
    close_date: datetime.date,
    stage: Stage | None = None,
    contact: Contact | None = None,
    lead: Any = None,
    user: Any = None,
    probability_pct: Decimal | None = None,
    description: str = "",
) -> Opportunity:
    """An open opportunity in `stage` (default: the first open stage), with the stage's probability unless
    `probability_pct` is given. `user` is who records it (the audit trail's actor); `owner` works it."""
    if stage is None:
        stage = open_stages().first()
        if stage is None:
            raise ValidationError({"stage": ValidationError(_("There is no open stage."), code="no_open_stage")})
    errors = {**_account_errors(account), **_open_stage_errors(stage)}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = Opportunity(
            number=next_document_number(doc_type="OPP"),
            name=name,
            account=account,
            contact=contact,
            owner=owner,
            stage=stage,
            expected_revenue=Decimal(expected_revenue),
            currency=currency,
            close_date=close_date,
            probability_pct=stage.probability_pct if probability_pct is None else Decimal(probability_pct),
            lead=lead,
            description=description,
        )
        opportunity.full_clean()
        opportunity.save()
        return opportunity


def opportunity_update(*, opportunity: Opportunity, user: Any = None, **changes: Any) -> Opportunity:
    """Change an open opportunity's fields (not its stage: opportunity_move); a won or lost one keeps its
    numbers and only its description and contact change."""
    unknown = set(changes) - UPDATE_FIELDS
    if unknown:
        raise TypeError(f"Not an opportunity field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        opportunity = _lock(opportunity)
        changed = {name: value for name, value in changes.items() if getattr(opportunity, name) != value}
        if not opportunity.is_open and set(changed) - AFTER_CLOSING:
            raise ValidationError(
                {
                    name: _refuse_closed(opportunity, _("reopen it to change its %(field)s.") % {"field": label})
                    for name in sorted(set(changed) - AFTER_CLOSING)
                    for label in [Opportunity._meta.get_field(name).verbose_name]
                }
            )
        for name, value in changed.items():
            setattr(opportunity, name, value)
        if "account" in changed:
            errors = _account_errors(opportunity.account)
            if errors:
                raise ValidationError(errors)
        opportunity.full_clean()
        opportunity.save()
        return opportunity


def opportunity_move(
    *,
    opportunity: Opportunity,
    stage: Stage,
    user: Any = None,
    lost_reason: LostReason | None = None,
    lost_note: str = "",
) -> Opportunity:
    """Move an open opportunity to `stage`, taking the stage's probability. Into the won stage it is won,
    into the lost stage lost (which needs `lost_reason`)."""
    if stage.is_won and stage.active:
        return opportunity_win(opportunity=opportunity, user=user)
    if stage.is_lost and stage.active:
        return opportunity_lose(opportunity=opportunity, lost_reason=lost_reason, lost_note=lost_note, user=user)
    errors = _open_stage_errors(stage)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = _lock(opportunity)
        if not opportunity.is_open:
            raise _refuse_closed(opportunity, _("reopen it before moving it."))
        if opportunity.stage_id != stage.pk:
            opportunity.stage = stage
            opportunity.probability_pct = stage.probability_pct
            opportunity.save(update_fields=["stage", "probability_pct", "updated_at"])
        return opportunity


def _close(opportunity: Opportunity, *, state: str, stage: Stage) -> None:
    now = timezone.now()
    opportunity.state = state
    opportunity.stage = stage
    opportunity.probability_pct = stage.probability_pct
    opportunity.closed_at = now
    opportunity.close_date = timezone.localdate(now)


def opportunity_win(*, opportunity: Opportunity, user: Any = None) -> Opportunity:
    """Win an open opportunity: the won stage, 100 %, closed today. Winning a won one again changes nothing
    (a quote accepted for it after the deal was marked won); a lost one is reopened first."""
    with transaction.atomic():
        opportunity = _lock(opportunity)
        if opportunity.state == WON:
            return opportunity
        if opportunity.state == LOST:
            raise _refuse_closed(opportunity, _("reopen it before winning it."))
        _close(opportunity, state=WON, stage=_closing_stage(won=True))
        opportunity.full_clean()
        opportunity.save()
        return opportunity


def opportunity_lose(
    *, opportunity: Opportunity, lost_reason: LostReason | None, lost_note: str = "", user: Any = None
) -> Opportunity:
    """Lose an open opportunity, saying why: the lost stage, 0 %, closed today."""
    if lost_reason is None:
        raise ValidationError({"lost_reason": ValidationError(_("Say why the opportunity was lost."), code="required")})
    if not lost_reason.active:
        message = _("The reason %(reason)s is no longer used.") % {"reason": lost_reason.name}
        raise ValidationError({"lost_reason": ValidationError(message, code="inactive_reason")})
    with transaction.atomic():
        opportunity = _lock(opportunity)
        if not opportunity.is_open:
            raise _refuse_closed(opportunity, _("only an open opportunity can be lost."))
        _close(opportunity, state=LOST, stage=_closing_stage(won=False))
        opportunity.lost_reason = lost_reason
        opportunity.lost_note = lost_note
        opportunity.full_clean()
        opportunity.save()
        return opportunity


def opportunity_reopen(*, opportunity: Opportunity, stage: Stage | None = None, user: Any = None) -> Opportunity:
    """Open a won or lost opportunity again, in `stage` (default: the last open stage, where deals are
    negotiated) with its probability; the lost reason is cleared. The close date is kept: set it anew."""
    if stage is None:
        stage = open_stages().last()
        if stage is None:
            raise ValidationError({"stage": ValidationError(_("There is no open stage."), code="no_open_stage")})
    errors = _open_stage_errors(stage)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        opportunity = _lock(opportunity)
        if opportunity.is_open:
            raise _refuse_closed(opportunity, _("it is not won or lost."))
        opportunity.state = OPEN
        opportunity.stage = stage
        opportunity.probability_pct = stage.probability_pct
        opportunity.closed_at = None
        opportunity.lost_reason = None
        opportunity.lost_note = ""
        opportunity.full_clean()
        opportunity.save()
        return opportunity
