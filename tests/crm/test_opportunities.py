"""The pipeline's services: creating, changing, moving, winning, losing and reopening opportunities."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Contact, Partner
from crm.models import LostReason, Opportunity, OpportunityState, SalesTarget, Stage
from crm.services.opportunities import (
    DEFAULT_STAGES,
    opportunity_lose,
    opportunity_move,
    opportunity_reopen,
    opportunity_update,
    opportunity_win,
    pipeline_defaults_ensure,
)
from tests.crm.pipeline_fixtures import (  # noqa: F401  (fixtures)
    TODAY,
    company,
    customer,
    make_opportunity,
    price_reason,
    seller,
    stages,
    usd,
)

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(datetime.datetime(2026, 11, 22, 10, 0))


def codes(error: ValidationError) -> dict[str, list[str]]:
    return {name: [item.code for item in items] for name, items in error.error_dict.items()}


def test_the_default_pipeline_exists_after_migrate_and_ensuring_it_again_changes_nothing():
    expected = [(name, probability, won, lost) for name, _seq, probability, won, lost in DEFAULT_STAGES]
    read = lambda: [  # noqa: E731
        (stage.name, stage.probability_pct, stage.is_won, stage.is_lost) for stage in Stage.objects.all()
    ]
    assert read() == expected
    assert [name for name, *_rest in expected] == [
        "Prospecting",
        "Qualification",
        "Proposal",
        "Negotiation",
        "Won",
        "Lost",
    ]
    Stage.objects.filter(name="Proposal").update(probability_pct=Decimal("40"))
    pipeline_defaults_ensure()
    assert Stage.objects.get(name="Proposal").probability_pct == Decimal("40")
    assert Stage.objects.count() == 6 and LostReason.objects.filter(code="PRICE").exists()


def test_create_numbers_it_and_takes_the_first_stage_and_its_probability(make_opportunity, stages, seller):  # noqa: F811
    opportunity = make_opportunity()
    assert opportunity.number == f"OPP-{timezone.localdate().year}-00001"
    assert opportunity.stage == stages["Prospecting"]
    assert opportunity.probability_pct == Decimal("10")
    assert (opportunity.state, opportunity.owner, opportunity.closed_at) == (OpportunityState.OPEN, seller, None)
    assert opportunity.weighted_revenue == Decimal("1000.00")


def test_create_in_a_stage_with_a_probability_set_by_hand(make_opportunity):  # noqa: F811
    opportunity = make_opportunity(stage="Proposal", probability_pct=Decimal("65"))
    assert (opportunity.stage.name, opportunity.probability_pct) == ("Proposal", Decimal("65"))


def test_create_refuses_a_supplier_a_closing_stage_and_a_stranger(make_opportunity, company, customer):  # noqa: F811
    supplier = Partner.objects.create(code="HEATCO", name="HeatCo", kind="supplier", currency=company.currency)
    with pytest.raises(ValidationError) as refused:
        make_opportunity(account=supplier, stage="Won")
    assert codes(refused.value) == {"account": ["not_a_customer"], "stage": ["closing_stage"]}

    other = Partner.objects.create(code="OTHER", name="Other", kind="customer", currency=company.currency)
    stranger = Contact.objects.create(partner=other, name="Ann Other")
    with pytest.raises(ValidationError) as refused:
        make_opportunity(contact=stranger)
    assert codes(refused.value) == {"contact": ["contact_other_account"]}

    with pytest.raises(ValidationError) as refused:
        make_opportunity(expected_revenue=Decimal("-1"), probability_pct=Decimal("101"))
    assert set(codes(refused.value)) == {"__all__"}  # the check constraints
    assert not Opportunity.objects.exists()


def test_move_takes_the_new_stage_probability(make_opportunity, stages):  # noqa: F811
    opportunity = make_opportunity(probability_pct=Decimal("33"))
    moved = opportunity_move(opportunity=opportunity, stage=stages["Negotiation"])
    moved.refresh_from_db()
    assert (moved.stage.name, moved.probability_pct, moved.state) == ("Negotiation", Decimal("75"), "open")


def test_move_into_won_wins_and_into_lost_needs_a_reason(make_opportunity, stages, price_reason):  # noqa: F811
    with time_machine.travel(NOW, tick=False):
        won = opportunity_move(
            opportunity=make_opportunity(close_date=TODAY + datetime.timedelta(days=40)), stage=stages["Won"]
        )
    assert (won.state, won.stage.name, won.probability_pct) == ("won", "Won", Decimal("100"))
    assert (won.closed_at, won.won_at, won.close_date) == (NOW, NOW, TODAY)

    opportunity = make_opportunity()
    with pytest.raises(ValidationError) as refused:
        opportunity_move(opportunity=opportunity, stage=stages["Lost"])
    assert codes(refused.value) == {"lost_reason": ["required"]}
    opportunity.refresh_from_db()
    assert (opportunity.state, opportunity.stage.name) == ("open", "Prospecting")

    lost = opportunity_move(opportunity=opportunity, stage=stages["Lost"], lost_reason=price_reason, lost_note="-8 %")
    assert (lost.state, lost.stage.name, lost.probability_pct) == ("lost", "Lost", Decimal("0"))
    assert (lost.lost_reason, lost.lost_note, lost.won_at) == (price_reason, "-8 %", None)


def test_a_closed_opportunity_is_not_moved_and_an_inactive_stage_is_refused(make_opportunity, stages):  # noqa: F811
    opportunity = opportunity_win(opportunity=make_opportunity())
    with pytest.raises(ValidationError) as refused:
        opportunity_move(opportunity=opportunity, stage=stages["Proposal"])
    assert refused.value.code == "closed" and "reopen" in refused.value.messages[0]

    Stage.objects.filter(pk=stages["Qualification"].pk).update(active=False)
    stages["Qualification"].refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        opportunity_move(opportunity=make_opportunity(), stage=stages["Qualification"])
    assert codes(refused.value) == {"stage": ["inactive_stage"]}


def test_win_is_idempotent_but_a_lost_one_must_be_reopened_first(make_opportunity, price_reason):  # noqa: F811
    won = opportunity_win(opportunity=make_opportunity())
    closed_at = won.closed_at
    assert opportunity_win(opportunity=won).closed_at == closed_at  # a quote accepted after the deal was won

    lost = opportunity_lose(opportunity=make_opportunity(), lost_reason=price_reason)
    with pytest.raises(ValidationError) as refused:
        opportunity_win(opportunity=lost)
    assert refused.value.code == "closed"
    with pytest.raises(ValidationError) as refused:
        opportunity_lose(opportunity=lost, lost_reason=price_reason)
    assert refused.value.code == "closed"


def test_lose_refuses_an_inactive_reason(make_opportunity, price_reason):  # noqa: F811
    LostReason.objects.filter(pk=price_reason.pk).update(active=False)
    price_reason.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        opportunity_lose(opportunity=make_opportunity(), lost_reason=price_reason)
    assert codes(refused.value) == {"lost_reason": ["inactive_reason"]}


def test_reopen_clears_the_loss_and_goes_to_the_last_open_stage(make_opportunity, stages, price_reason):  # noqa: F811
    lost = opportunity_lose(opportunity=make_opportunity(), lost_reason=price_reason, lost_note="too dear")
    reopened = opportunity_reopen(opportunity=lost)
    assert (reopened.state, reopened.stage.name, reopened.probability_pct) == ("open", "Negotiation", Decimal("75"))
    assert (reopened.lost_reason, reopened.lost_note, reopened.closed_at) == (None, "", None)

    won = opportunity_win(opportunity=reopened)
    assert opportunity_reopen(opportunity=won, stage=stages["Proposal"]).stage.name == "Proposal"
    with pytest.raises(ValidationError) as refused:
        opportunity_reopen(opportunity=won)
    assert refused.value.code == "closed"  # it is open already


def test_update_changes_an_open_one_but_only_notes_and_contact_of_a_closed_one(make_opportunity, customer, usd):  # noqa: F811
    opportunity = make_opportunity()
    updated = opportunity_update(
        opportunity=opportunity, expected_revenue=Decimal("12500"), currency=usd, probability_pct=Decimal("15")
    )
    updated.refresh_from_db()
    assert (updated.expected_revenue, updated.currency, updated.probability_pct) == (
        Decimal("12500.00"),
        usd,
        Decimal("15.00"),
    )
    with pytest.raises(TypeError):
        opportunity_update(opportunity=opportunity, stage=None)

    won = opportunity_win(opportunity=opportunity)
    with pytest.raises(ValidationError) as refused:
        opportunity_update(opportunity=won, expected_revenue=Decimal("1"), description="Signed in Shanghai")
    assert codes(refused.value) == {"expected_revenue": ["closed"]}
    assert opportunity_update(opportunity=won, description="Signed in Shanghai").description == "Signed in Shanghai"


def test_sales_target_is_one_per_owner_and_month_and_for_a_first_day(seller, company):  # noqa: F811
    SalesTarget.objects.create(
        owner=None, month=datetime.date(2026, 12, 1), amount=Decimal("1"), currency=company.currency
    )
    for owner, month, code in [
        (None, datetime.date(2026, 12, 1), "duplicate_target"),
        (seller, datetime.date(2026, 12, 2), "not_first_day"),
    ]:
        with pytest.raises(ValidationError) as refused:
            SalesTarget(owner=owner, month=month, amount=Decimal("5"), currency=company.currency).full_clean()
        assert codes(refused.value)["month"] == [code]
    SalesTarget(
        owner=seller, month=datetime.date(2026, 12, 1), amount=Decimal("5"), currency=company.currency
    ).full_clean()
