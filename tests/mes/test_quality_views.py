"""The quality screens: plans and characteristics as configuration, inspections, a nonconformance's page with
its disposition, corrective actions and Close (each a service call; a refusal is a message and changes
nothing), the SPC page, roles kept out, and the tablet's inspection entry of a running operation."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core.roles import Role
from mes.choices import CharacteristicKind, Disposition, NonconformanceState
from mes.models import Characteristic, Inspection, InspectionPlan, Nonconformance
from mes.services import execution as x
from mes.services import quality as q
from mes.views.tablet import OPERATOR_SESSION_KEY
from tests.mes.conftest import T0, messages_of, page
from wms.choices import MoveKind
from wms.models import Lot, StockMove

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shift_clock")]


@pytest.fixture
def cup(cup):
    """The cup, with a plan measuring its height (95 to 105) and its glaze."""
    plan = InspectionPlan.objects.create(code="CUP-IN", name="Incoming cup", item=cup)
    Characteristic.objects.create(plan=plan, position=1, name="Height", lower_limit=95, upper_limit=105)
    Characteristic.objects.create(plan=plan, position=2, name="Glaze", kind=CharacteristicKind.ATTRIBUTE)
    return cup


def inspect(cup, height, glaze=True, minute=0):
    plan = InspectionPlan.objects.get(code="CUP-IN")
    height_, glaze_ = plan.characteristics.order_by("position")
    return q.inspection_record(
        plan=plan,
        measurements={height_: height, glaze_: glaze},
        lot=Lot.objects.get(code="C-1"),
        at=T0 + datetime.timedelta(minutes=minute),
    )


def test_the_quality_pages_render_for_the_quality_role(client_as, cup, django_assert_max_num_queries):
    for minute, height in enumerate(("100", "101", "99", "102", "98", "110", "111", "112")):
        inspect(cup, height, minute=minute)
    nc = Nonconformance.objects.first()
    height = Characteristic.objects.get(name="Height")
    client = client_as(Role.QUALITY)
    plan = InspectionPlan.objects.get()
    assert "CUP-IN" in page(client.get(reverse("mes:inspectionplan_list")))
    detail = page(client.get(plan.get_absolute_url()))
    assert "Height" in detail and 'id="add-characteristic"' in detail
    assert page(client.get(reverse("mes:inspectionplan_edit", args=[plan.pk])))
    add = page(client.get(reverse("mes:characteristic_add"), {"plan": plan.pk}))
    assert f'<option value="{plan.pk}" selected>' in add
    with django_assert_max_num_queries(12):
        assert page(client.get(reverse("mes:inspection_list"))).count('">QI-2026-') == 8
    with django_assert_max_num_queries(12):
        assert page(client.get(reverse("mes:nonconformance_list"))).count('">NC-2026-') == 3
    assert 'id="spc-link"' in page(client.get(height.get_absolute_url()))
    inspections = page(client.get(reverse("mes:inspection_list"), {"result": "failed", "q": "QI-2026-00006"}))
    assert inspections.count('">QI-2026-') == 1
    assert "110" in page(client.get(Inspection.objects.get(number="QI-2026-00006").get_absolute_url()))
    assert nc.number in page(client.get(reverse("mes:nonconformance_list"), {"state": "open"}))
    nc_page = page(client.get(nc.get_absolute_url()))
    assert 'id="lot-held"' in nc_page and 'id="form-disposition"' in nc_page and 'id="form-action"' in nc_page
    assert "CUP-IN" in page(client.get(reverse("mes:spc_index")))
    spc = page(client.get(reverse("mes:spc", args=[height.pk]), {"subgroup_size": "2", "last": "50"}))
    # 100 101 99 102 98 110: X-bar/R of pairs; capability from R-bar / d2.
    assert 'id="spc-xbar"' in spc and "R̄/d2" in spc and 'id="spc-chart-data"' in spc
    assert "vendor/chart.umd.min.js" in spc
    menus = page(client.get("/"))
    assert "Nonconformances" in menus and "SPC charts" in menus


def test_roles_outside_quality_see_but_do_not_decide(client_as, cup):
    inspect(cup, "110")
    nc = Nonconformance.objects.get()
    operator = client_as(Role.OPERATOR)
    nc_page = page(operator.get(nc.get_absolute_url()))
    assert 'id="form-disposition"' not in nc_page and 'id="commands"' not in nc_page
    response = operator.post(
        reverse("mes:nonconformance_disposition", args=[nc.pk]),
        {"disposition-disposition": Disposition.USE_AS_IS, "disposition-note": "fine"},
        follow=True,
    )
    assert messages_of(response) == ["Your role cannot do this."]
    assert Nonconformance.objects.get().state == NonconformanceState.OPEN
    assert operator.get(reverse("mes:inspectionplan_add")).status_code == 403
    assert client_as(Role.FINANCE).get(reverse("mes:inspection_list")).status_code == 403
    assert client_as(Role.HR).get(reverse("mes:spc_index")).status_code == 403


def test_a_nonconformance_is_decided_acted_on_and_closed_from_its_page(client_as, make_user, cup):
    inspect(cup, "110")
    nc = Nonconformance.objects.get()
    client = client_as(Role.QUALITY)
    response = client.post(
        reverse("mes:nonconformance_disposition", args=[nc.pk]),
        {"disposition-disposition": Disposition.SCRAP, "disposition-quantity": "3"},
        follow=True,
    )
    assert messages_of(response) == [f"{nc.number}: Scrap."]
    assert StockMove.objects.get(kind=MoveKind.SCRAP, reference=nc.number).quantity == 3
    # Decided once: a second disposition is refused and changes nothing.
    response = client.post(
        reverse("mes:nonconformance_disposition", args=[nc.pk]),
        {"disposition-disposition": Disposition.SCRAP},
        follow=True,
    )
    assert messages_of(response) == [f"{nc.number} is dispositioned already."]
    owner = make_user(Role.QUALITY, username="qe")
    response = client.post(
        reverse("mes:correctiveaction_create", args=[nc.pk]),
        {"action-description": "Check the kiln profile", "action-owner": owner.pk, "action-due_date": "2026-12-01"},
        follow=True,
    )
    assert messages_of(response) == ["Added the corrective action."]
    response = client.post(reverse("mes:nonconformance_command", args=[nc.pk, "close"]), follow=True)
    assert "corrective actions" in messages_of(response)[0]
    action = nc.actions.get()
    assert "Check the kiln profile" in page(client.get(reverse("mes:correctiveaction_list"), {"open": "true"}))
    response = client.post(reverse("mes:correctiveaction_complete", args=[nc.pk, action.pk]), follow=True)
    assert messages_of(response) == ["Completed the corrective action."]
    response = client.post(reverse("mes:nonconformance_command", args=[nc.pk, "close"]), follow=True)
    assert messages_of(response) == [f"Closed {nc.number}."]
    nc.refresh_from_db()
    assert nc.state == NonconformanceState.CLOSED and not nc.lot.on_hold


def test_a_nonconformance_is_raised_by_hand_on_a_lot_by_its_code(client_as, cup):
    client = client_as(Role.QUALITY)
    url = reverse("mes:nonconformance_add")
    response = client.post(url, {"lot": "NOPE", "description": "Chipped"})
    assert "Unknown lot NOPE." in page(response)
    response = client.post(url, {"lot": "C-1", "quantity": "2", "description": "Chipped rims"})
    nc = Nonconformance.objects.get()
    assert response.status_code == 302 and response["Location"] == nc.get_absolute_url()
    assert (nc.item, nc.quantity) == (cup, 2) and Lot.objects.get(code="C-1").on_hold


def test_plans_and_characteristics_are_kept_on_their_forms_with_the_models_rules(client_as, item):
    item("BOWL")
    client = client_as(Role.QUALITY)
    response = client.post(
        reverse("mes:inspectionplan_add"),
        {"code": "BOWL-1", "name": "Bowl", "item": "BOWL", "trigger": "operation", "frequency": "every_nth"},
    )
    assert page(response) and list(response.context["form"].errors) == ["every_n"]
    response = client.post(
        reverse("mes:inspectionplan_add"),
        {
            "code": "BOWL-1",
            "name": "Bowl",
            "item": "BOWL",
            "trigger": "operation",
            "frequency": "every_nth",
            "every_n": "10",
            "active": "on",
        },
    )
    plan = InspectionPlan.objects.get()
    assert response.status_code == 302 and plan.every_n == 10
    response = client.post(
        reverse("mes:characteristic_add"),
        {"plan": plan.pk, "position": "1", "name": "Rim", "kind": "variable", "lower_limit": "5", "upper_limit": "4"},
    )
    assert "The lower limit is above the upper limit." in page(response)
    assert not Characteristic.objects.exists()


# --- The tablet --------------------------------------------------------------------------------------------------


def test_the_tablet_records_the_inspection_a_running_operation_owes(client_as, floor):
    kettle = floor["kettle"]
    plan = InspectionPlan.objects.create(code="KT-FINAL", name="Final test", item=kettle)
    leak = Characteristic.objects.create(plan=plan, position=1, name="Leak rate", lower_limit=0, upper_limit="0.5")
    label = Characteristic.objects.create(plan=plan, position=2, name="Label", kind=CharacteristicKind.ATTRIBUTE)
    order = floor.order("10")
    run10 = x.operation_start(operation=order.operations.get(seq=10), machine=floor["assy1"], at=T0)
    x.operation_complete(run=run10, at=T0 + datetime.timedelta(minutes=5))
    run = x.operation_start(operation=order.operations.get(seq=20), machine=floor["test1"], at=T0)
    client = client_as(Role.OPERATOR)
    session = client.session
    session[OPERATOR_SESSION_KEY] = floor["B-1001"].pk
    session.save()
    url = f"{reverse('mes:inspection_record')}?run={run.pk}&plan={plan.pk}"

    screen = page(client.get(url))
    assert "Leak rate" in screen and "First piece" in screen and 'name="badge"' not in screen
    assert 'inputmode="decimal"' in screen and 'value="pass"' in screen

    # A value left out: nothing recorded, the form says which.
    response = client.post(url, {f"c{label.pk}": "pass", "unit_number": "1"})
    assert "This field is required." in page(response) and not Inspection.objects.exists()

    response = client.post(url, {f"c{leak.pk}": "0.7", f"c{label.pk}": "pass", "unit_number": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("mes:tablet_machine", args=[floor["test1"].pk])
    inspection = Inspection.objects.get()
    assert (inspection.result, inspection.inspector, inspection.unit_number, inspection.machine) == (
        "failed",
        floor["B-1001"],
        1,
        floor["test1"],
    )
    nc = Nonconformance.objects.get()
    assert nc.operation == run.operation and nc.quantity == Decimal(1)
    follow = client.get(url)
    assert f"QI-2026-00001 failed: {nc.number} is raised." in messages_of(follow)
    assert "Not due by the plan's frequency" in page(follow)

    assert client.get(f"{reverse('mes:inspection_record')}?run={run.pk}").status_code == 404
    other = InspectionPlan.objects.create(code="BODY", name="Body", item=floor["body"])
    assert client.get(f"{reverse('mes:inspection_record')}?run={run.pk}&plan={other.pk}").status_code == 404
    assert client_as(Role.FINANCE).get(url).status_code == 403
