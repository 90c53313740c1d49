import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import DomainEvent
from core.roles import Role
from plm import events
from plm.choices import EcoState, RevisionState
from plm.models import BomLine, BomRevision
from plm.selectors.revisions import effective_bom
from plm.services import changes
from plm.services.revisions import (
    bom_line_add,
    bom_line_remove,
    bom_line_update,
    bom_revision_create,
    next_revision_label,
    routing_operation_add,
)
from plm.tasks import obsolete_expired_revisions

pytestmark = pytest.mark.django_db


def test_revision_labels_run_a_to_z_then_aa():
    assert next_revision_label([]) == "A"
    assert next_revision_label(["A", "B"]) == "C"
    assert next_revision_label(["Z"]) == "AA"
    assert next_revision_label(["AZ", "C"]) == "BA"


@pytest.fixture
def kettle(make_item, released_bom):
    kettle, body, element, cable = make_item("KT-200"), make_item("KT-BODY"), make_item("HE-2000"), make_item("CB-EU")
    released_bom(kettle, {body: 1, element: 1, cable: 1})
    return kettle


def test_a_released_revision_is_read_only(kettle):
    bom = BomRevision.objects.get(item=kettle)
    line = bom.lines.first()
    for attempt in (
        lambda: bom_line_add(bom=bom, component=line.component, qty_per=Decimal(1)),
        lambda: bom_line_update(line=line, qty_per=Decimal(2)),
        lambda: bom_line_remove(line=line),
    ):
        with pytest.raises(ValidationError) as error:
            attempt()
        assert error.value.code == "revision_not_draft"
    assert BomLine.objects.get(pk=line.pk).qty_per == 1


def test_a_line_that_makes_an_item_its_own_component_is_refused_naming_the_cycle(kettle, make_item):
    body = kettle.bom_revisions.get().lines.get(component__code="KT-BODY").component
    draft = bom_revision_create(item=body)
    with pytest.raises(ValidationError, match="its own component: KT-200 > KT-BODY > KT-200"):
        bom_line_add(bom=draft, component=kettle, qty_per=Decimal(1))
    with pytest.raises(ValidationError, match="KT-BODY > KT-BODY"):
        bom_line_add(bom=draft, component=body, qty_per=Decimal(1))
    assert not draft.lines.exists()


def test_a_line_in_a_unit_of_another_category_is_refused(kettle, make_item):
    from core.models import Unit

    draft = bom_revision_create(item=make_item("NEW"))
    with pytest.raises(ValidationError) as error:
        bom_line_add(bom=draft, component=kettle, qty_per=Decimal(1), uom=Unit.objects.get(code="kg"))
    assert "uom" in error.value.message_dict


@pytest.fixture
def reviewers(make_user):
    return {role: make_user(role) for role in (Role.ENGINEER, Role.QUALITY, Role.PLANNER)}


def approve_all(eco, reviewers):
    for role, user in reviewers.items():
        eco = changes.eco_decide(eco=eco, user=user, role=role.value, decision="approved")
    return eco


def test_the_change_workflow_from_draft_to_release(kettle, make_item, reviewers, django_capture_on_commit_callbacks):
    engineer = reviewers[Role.ENGINEER]
    today = timezone.localdate()
    eco = changes.eco_create(
        title="Stronger element", reason="Boil time complaints", effective_date=today, user=engineer
    )
    assert eco.number.startswith(f"ECO-{today.year}-")

    proposal = changes.eco_propose_bom(eco=eco, item=kettle)
    assert proposal.revision == "B" and proposal.state == RevisionState.DRAFT
    assert sorted(proposal.lines.values_list("component__code", flat=True)) == ["CB-EU", "HE-2000", "KT-BODY"]
    element_3kw = make_item("HE-3000")
    bom_line_update(line=proposal.lines.get(component__code="HE-2000"), component=element_3kw)

    eco = changes.eco_submit(eco=eco, user=engineer)
    proposal.refresh_from_db()
    assert eco.state == EcoState.REVIEW and proposal.state == RevisionState.IN_REVIEW
    assert eco.impact["obsoleted_components"] == ["HE-2000"]
    assert eco.impact["changes"][0]["diff"] == {"added": ["HE-3000"], "removed": ["HE-2000"], "changed": []}
    with pytest.raises(ValidationError):  # frozen in review
        bom_line_update(line=proposal.lines.first(), qty_per=Decimal(2))

    with pytest.raises(ValidationError) as error:
        changes.eco_release(eco=eco, user=engineer)
    assert error.value.code == "eco_wrong_state"
    with pytest.raises(ValidationError) as error:  # an engineer cannot approve for quality
        changes.eco_decide(eco=eco, user=engineer, role="quality", decision="approved")
    assert error.value.code == "not_in_role"

    eco = approve_all(eco, reviewers)
    assert eco.state == EcoState.APPROVED
    with django_capture_on_commit_callbacks(execute=True):
        eco = changes.eco_release(eco=eco, user=engineer)

    old = BomRevision.objects.get(item=kettle, revision="A")
    assert eco.state == EcoState.RELEASED and eco.released_by == engineer
    assert old.effective_to == today and old.state == RevisionState.OBSOLETE
    assert effective_bom(item=kettle, on=today).revision == "B"
    assert effective_bom(item=kettle, on=today - datetime.timedelta(days=1)).revision == "A"
    event = DomainEvent.objects.get(name=events.ECO_RELEASED)
    assert event.payload["bom_revisions"] == [
        {"id": str(proposal.pk), "item": "KT-200", "revision": "B", "replaces": "A"}
    ]


def test_a_future_change_keeps_the_old_revision_released_until_its_date(kettle, reviewers):
    engineer = reviewers[Role.ENGINEER]
    switch = timezone.localdate() + datetime.timedelta(days=30)
    eco = changes.eco_create(title="Next year", reason="Cost down", effective_date=switch, user=engineer)
    proposal = changes.eco_propose_bom(eco=eco, item=kettle)
    bom_line_update(line=proposal.lines.get(component__code="CB-EU"), qty_per=Decimal(2))
    eco = approve_all(changes.eco_submit(eco=eco, user=engineer), reviewers)
    changes.eco_release(eco=eco, user=engineer)

    old = BomRevision.objects.get(item=kettle, revision="A")
    assert old.state == RevisionState.RELEASED and old.effective_to == switch
    assert obsolete_expired_revisions.run(today=switch.isoformat()) == 1
    old.refresh_from_db()
    assert old.state == RevisionState.OBSOLETE


def test_a_rejection_sends_the_change_back_for_rework_and_resubmission_starts_a_new_review(kettle, reviewers):
    engineer, quality = reviewers[Role.ENGINEER], reviewers[Role.QUALITY]
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=engineer)
    changes.eco_propose_bom(eco=eco, item=kettle)
    eco = changes.eco_submit(eco=eco, user=engineer)
    eco = changes.eco_decide(eco=eco, user=engineer, role="engineer", decision="approved")
    with pytest.raises(ValidationError) as error:
        changes.eco_decide(eco=eco, user=quality, role="quality", decision="rejected")
    assert "comment" in error.value.message_dict
    eco = changes.eco_decide(eco=eco, user=quality, role="quality", decision="rejected", comment="No drop test")
    assert eco.state == EcoState.REJECTED
    assert BomRevision.objects.get(eco=eco).state == RevisionState.DRAFT

    eco = changes.eco_submit(eco=changes.eco_reopen(eco=eco, user=engineer), user=engineer)
    assert eco.state == EcoState.REVIEW and not eco.approvals.exists()


def test_routings_change_the_same_way(make_item, released_routing, work_center, reviewers):
    engineer = reviewers[Role.ENGINEER]
    kettle = make_item("KT-200")
    released_routing(kettle, [(10, "1.5"), (20, "0.8")])
    eco = changes.eco_create(title="Add test", reason="Safety", effective_date=timezone.localdate(), user=engineer)
    proposal = changes.eco_propose_routing(eco=eco, item=kettle)
    routing_operation_add(
        routing=proposal, work_center=work_center, run_minutes_per_unit=Decimal("0.5"), name="Hi-pot test"
    )
    eco = approve_all(changes.eco_submit(eco=eco, user=engineer), reviewers)
    assert eco.impact["changes"][0]["diff"]["added"] == ["0030"]
    changes.eco_release(eco=eco, user=engineer)
    from plm.selectors.revisions import effective_routing

    assert list(effective_routing(item=kettle, on=timezone.localdate()).operations.values_list("seq", flat=True)) == [
        10,
        20,
        30,
    ]


def test_an_empty_change_cannot_be_submitted_and_a_cancelled_one_leaves_nothing(kettle, reviewers):
    engineer = reviewers[Role.ENGINEER]
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=engineer)
    with pytest.raises(ValidationError) as error:
        changes.eco_submit(eco=eco, user=engineer)
    assert error.value.code == "eco_empty"
    changes.eco_propose_bom(eco=eco, item=kettle)
    changes.eco_cancel(eco=eco, user=engineer)
    assert not BomRevision.objects.filter(eco=eco).exists()


def test_a_change_cannot_take_effect_in_the_past(kettle, reviewers):
    engineer = reviewers[Role.ENGINEER]
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=engineer)
    changes.eco_propose_bom(eco=eco, item=kettle)
    eco = approve_all(changes.eco_submit(eco=eco, user=engineer), reviewers)
    eco.effective_date = timezone.localdate() - datetime.timedelta(days=1)
    eco.save()
    with pytest.raises(ValidationError) as error:
        changes.eco_release(eco=eco, user=engineer)
    assert "effective_date" in error.value.message_dict
    assert BomRevision.objects.get(item=kettle, revision="A").effective_to is None


def test_a_copy_must_come_from_the_same_item(kettle, make_item):
    with pytest.raises(ValidationError) as error:
        bom_revision_create(item=make_item("OTHER"), copy_from=kettle.bom_revisions.get())
    assert error.value.error_dict["copy_from"][0].code == "copy_from_other_item"


def test_a_loose_draft_is_taken_into_the_change_that_proposes_its_item(kettle, reviewers):
    draft = bom_revision_create(item=kettle, copy_from=kettle.bom_revisions.get())
    eco = changes.eco_create(title="T", reason="R", effective_date=timezone.localdate(), user=reviewers[Role.ENGINEER])
    assert changes.eco_propose_bom(eco=eco, item=kettle) == draft
    draft.refresh_from_db()
    assert draft.eco == eco and BomRevision.objects.filter(item=kettle).count() == 2
