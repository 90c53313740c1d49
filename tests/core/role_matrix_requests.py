"""The requests of the role matrix (test_role_matrix*.py): the records each URL names, the logins, how a URL
is asked (a GET; the POST of an empty form for a POST-only page; the API's writes with an empty JSON body),
and the checks each role's test runs. Every request runs in a savepoint rolled back at once.
"""

import fnmatch
import logging
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.db import connection, models, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import DomainEvent, Item, Partner, PartnerUser, TaskRun, WebhookDelivery, WebhookEndpoint
from core.roles import Role
from core.services.tokens import api_token_create
from erp.models import SalesForecast
from mes.choices import EventKind, MaintenanceKind
from mes.models import (
    CorrectiveAction,
    Downtime,
    MaintenanceOrder,
    MaintenancePlan,
    MaintenanceTask,
    OperationRun,
    ProductionEvent,
)
from mes.selectors.quality import plans_for_operation
from plm.models import Attachment
from shopfloor.models import TagCounter
from tests.conftest import user_with_role
from tests.core.role_matrix import Route, Rule, model_label_of, routes, rule_of, write_rule_of, writes_of
from tests.query_shapes import repeated_shapes
from wms.models import CycleCount, PickList, Quant, ReplenishmentRule, StockTask, Wave
from wms.views import quality_quants

REFUSED_MESSAGE = "Your role cannot do this."
SIGN_IN_PAGES = ("/accounts/login/", "/admin/login/")
PORTAL_CUSTOMER = "C-MEDIA"  # the demo's customer with a portal login


# --- Records for the URLs' parameters ----------------------------------------------------------------------


def first_of(label: str) -> models.Model:
    record = apps.get_model(label)._default_manager.order_by("pk").first()
    assert record is not None, f"no {label} in the demo company nor in extra_records()"
    return record


def child(label: str, parent_field: str, **filters) -> Callable[[Route], dict]:
    """A URL of a record's child ("<parent pk>/lines/<line pk>/"), or of its parent only ("<pk>/lines/add/"):
    the first child, and its parent."""

    def values(route: Route) -> dict:
        record = apps.get_model(label)._default_manager.filter(**filters).order_by("pk").first()
        assert record is not None, f"{route}: no {label} in the demo company nor in extra_records()"
        keys = route.parameters
        return dict(zip(keys, (getattr(record, f"{parent_field}_id"), record.pk)[: len(keys)], strict=True))

    return values


def invited() -> models.Model:
    return first_of("srm.rfqinvitation")


def by_code(label: str, field: str = "code") -> Callable[[Route], dict]:
    return lambda route: {"code": getattr(first_of(label), field)}


def pk_of(label: str, **filters) -> Callable[[Route], dict]:
    def values(route: Route) -> dict:
        record = apps.get_model(label)._default_manager.filter(**filters).order_by("pk").first()
        assert record is not None, f"{route}: no {label} with {filters} in the demo company nor in extra_records()"
        return {"pk": record.pk}

    return values


# The model of the `pk` of routes whose name does not start with their model's name.
PK_MODELS = {
    "aps:forecast_period_adjust": "aps.demandforecastperiod",
    "api:crm:servicecase-*": "crm.servicecase",
    "crm:account_*": "core.partner",
    "crm:order_tracking_detail": "erp.salesorder",
    "crm:rma_authorize": "crm.servicecase",
    "erp:pricelistitem_set": "erp.pricelist",
    "mes:correctiveaction_create": "mes.nonconformance",
    "mes:dispatch_machine": "core.machine",
    "mes:dispatch_work_center": "core.workcenter",
    "mes:lot_*": "wms.lot",
    "mes:tablet_*": "core.machine",
    "plm:eco_command": "plm.engineeringchangeorder",
    "plm:item_engineering": "core.item",
    "srm:certificate_*": "srm.certificate",
    "srm:item_sources": "core.item",
    "srm:purchaseorder_supplier": "erp.purchaseorder",
    "wms:item_stock": "core.item",
    "wms:tablet_count*": "wms.cyclecount",
    "wms:tablet_pick": "wms.picklist",
    "wms:tablet_pick_wave": "wms.wave",
    "wms:tablet_putaway": "wms.stocktask",
    "wms:tablet_receipt*": "wms.receipt",
}

CUSTOMER = {"partner__kind__in": ("customer", "both")}

# URL parameters that are not (only) the pk of the route's model, nor a command of a command_view.
PARAMETERS: dict[str, Callable[[Route], dict]] = {
    "plm:bomline_*": child("plm.bomline", "bom"),
    "plm:routingoperation_*": child("plm.routingoperation", "routing"),
    "erp:salesorderline_*": child("erp.salesorderline", "order"),
    "erp:pricelistitem_remove": child("erp.pricelistitem", "price_list"),
    "erp:purchaseorderline_*": child("erp.purchaseorderline", "order"),
    "erp:productionoperation_finish": child("erp.productionoperation", "order"),
    "erp:invoice_pdf": pk_of("erp.invoice", kind="customer", state__in=("posted", "paid")),
    "erp:attendance_command": lambda route: {"pk": first_of("erp.attendance").pk, "command": "clock-out"},
    "srm:supplierprice_*": child("srm.supplierprice", "supplier_item"),
    "srm:rfqline_*": child("srm.rfqline", "rfq"),
    "srm:rfqinvitation_remove": child("srm.rfqinvitation", "rfq"),
    "srm:rfq_quote": lambda route: {"pk": invited().rfq_id, "supplier_pk": invited().supplier_id},
    "srm:supplierquote_withdraw": child("srm.supplierquote", "rfq"),
    "srm:contractline_*": child("srm.contractline", "contract"),
    "mes:correctiveaction_complete": child("mes.correctiveaction", "nonconformance"),
    "mes:maintenancetask_tick": child("mes.maintenancetask", "order"),
    "crm:quoteline_*": child("crm.quoteline", "quote"),
    "crm:account_contact_edit": child("core.contact", "partner", **CUSTOMER),
    "crm:account_address_edit": child("core.partneraddress", "partner", **CUSTOMER),
    "wms:tablet_receipt_line": child("wms.receiptline", "receipt"),
    "wms:tablet_pick_short": child("wms.pickline", "pick_list"),
    "wms:tablet_pick_wave_short": lambda route: {
        "pk": (line := first_of("wms.pickline")).pick_list.wave_id,
        "line_pk": line.pk,
    },
    "wms:quality_decide": lambda route: {"pk": quality_quants().first().pk, "decision": "release"},
    "srm:supplier_*": pk_of("core.partner", kind__in=("supplier", "both")),
    "mes:inspection_record": lambda route: {"?": inspection_query()},
    "mes:spc": pk_of("mes.characteristic", kind="variable"),
    "plm:eco_command": lambda route: {"pk": first_of("plm.engineeringchangeorder").pk, "command": "propose"},
    "api:erp:salesorder-line": child("erp.salesorderline", "order"),
    "api:crm:quote-line": child("crm.quoteline", "quote"),
    "api:crm:contact-detail": pk_of("core.contact", **CUSTOMER),
    # The tasks' list and detail show open tasks unless asked otherwise.
    "api:wms:stocktask-*": pk_of("wms.stocktask", state="open"),
    "aps:item_plan": by_code("core.item"),
    "api:plm:item-engineering-*": by_code("core.item"),
    "api:wms:item-stock-stock": by_code("core.item"),
    "api:aps:item-plan-detail": by_code("core.item"),
    "api:mes:machine-status-detail": by_code("core.machine"),
    "api:mes:lot-genealogy-*": by_code("wms.lot"),
    "api:shopfloor:device*-detail": by_code("shopfloor.device"),
    "aps:changeover_matrix": lambda route: {"work_center": first_of("core.workcenter").pk},
    "mes:tablet_start": lambda route: {
        "pk": first_of("core.machine").pk,
        "operation_pk": first_of("erp.productionoperation").pk,
    },
    "plm:attachment_upload": lambda route: {
        "content_type_id": ContentType.objects.get_for_model(Item).pk,
        "object_id": first_of("core.item").pk,
    },
}


def matching(table: dict, name: str):
    """The value of the key that is the name, or else of the first pattern that matches it."""
    if name in table:
        return table[name]
    return next((value for pattern, value in table.items() if fnmatch.fnmatchcase(name, pattern)), None)


def _record_of(route: Route) -> models.Model:
    label = matching(PK_MODELS, route.name)
    # The generic screens get theirs from as_view(screens=...): a record their own queryset shows.
    screens = getattr(route.callback, "view_initkwargs", {}).get("screens")
    if label is None and screens is not None:
        record = screens.get_queryset().order_by("pk").first()
        assert record is not None, f"{route}: no {screens.meta.label} in the demo company nor in extra_records()"
        return record
    label = label or route.api_model or model_label_of(route)
    if label is None and getattr(route.view, "model", None) is not None:
        label = route.view.model._meta.label_lower
    assert label is not None, f"{route}: which record its parameters name is not known: add it to PK_MODELS"
    return first_of(label)


def parameters_of(route: Route) -> dict:
    values_of = matching(PARAMETERS, route.name)
    if values_of is not None:
        return values_of(route)
    values = {}
    for parameter in route.parameters:
        if parameter == "command":
            values[parameter] = next(iter(route.callback.commands))
        elif parameter in ("pk", "code"):
            record = _record_of(route)
            values[parameter] = getattr(record, getattr(route.view, "lookup_field", "pk") if route.is_api else "pk")
        else:
            raise AssertionError(f"{route}: the parameter {parameter!r} is not known: add it to PARAMETERS")
    return values


def url_of(route: Route) -> str:
    values = parameters_of(route)
    query = values.pop("?", "")
    return route.url(**values) + (f"?{query}" if query else "")


def inspection_query() -> str:
    """A run of the demo and an inspection plan of its operation."""
    for run in OperationRun.objects.select_related("operation").order_by("pk"):
        plan = plans_for_operation(run.operation).first()
        if plan is not None:
            return f"run={run.pk}&plan={plan.pk}"
    raise AssertionError("no run of the demo company has an inspection plan")


def missing_url_of(route: Route) -> str:
    """The URL with its record parameters naming records that do not exist (its command kept)."""
    values = parameters_of(route)
    values.pop("?", None)
    for name, value in values.items():
        if name not in ("command", "decision"):
            values[name] = uuid.UUID(int=0) if isinstance(value, uuid.UUID) else 999999999
    return route.url(**values)


def extra_records() -> None:
    """One record of each model the demo company has none of."""
    today = timezone.localdate()
    admin = user_with_role(Role.ADMIN, "matrix-records")
    machine, item = first_of("core.machine"), first_of("core.item")
    warehouse = first_of("wms.warehouse")
    TaskRun.objects.create(task_name="tests.matrix", title="MRP", status="running", percent=42, created_by=admin)
    endpoint = WebhookEndpoint.objects.create(url="https://example.com/hook", secret="s" * 32, events=["*"])
    WebhookDelivery.objects.create(
        endpoint=endpoint, event=DomainEvent.objects.create(name="core.matrix", payload={}, actor=admin)
    )
    api_token_create(user=admin, name="matrix", scopes=["read"])
    SalesForecast.objects.create(reference="F-MATRIX", item=item, due_date=today, quantity=Decimal(10))
    nonconformance = first_of("mes.nonconformance")
    CorrectiveAction.objects.create(nonconformance=nonconformance, description="Check the die")
    plan = MaintenancePlan.objects.create(machine=machine, name="Oil", interval=Decimal(100))
    order = MaintenanceOrder.objects.create(
        number="MO-MATRIX", machine=machine, kind=MaintenanceKind.PREVENTIVE, description="Oil", plan=plan
    )
    MaintenanceTask.objects.create(order=order, position=10, description="Drain")
    Attachment.objects.create(
        content_type=ContentType.objects.get_for_model(Item),
        object_id=item.pk,
        file=ContentFile(b"drawing", name="drawing.txt"),
        name="drawing.txt",
        size=7,
    )
    TagCounter.objects.create(tag=first_of("shopfloor.tag"))
    certificate = first_of("srm.certificate")
    certificate.document = ContentFile(b"%PDF-1.4 certificate", name="certificate.pdf")
    certificate.save(update_fields=["document"])
    start = ProductionEvent.objects.create(kind=EventKind.DOWNTIME_START, at=timezone.now(), machine=machine)
    Downtime.objects.create(machine=machine, reason=first_of("mes.downtimereason"), start=start.at, start_event=start)
    if not quality_quants().exists():
        Quant.objects.create(item=item, location=warehouse.quality_location, quantity=Decimal(3))
    CycleCount.objects.create(number="CC-MATRIX", warehouse=warehouse, tolerance_pct=Decimal(1))
    ReplenishmentRule.objects.create(
        location=first_of("wms.location"), item=item, min_qty=Decimal(1), max_qty=Decimal(5)
    )
    StockTask.objects.create(
        warehouse=warehouse, item=item, quantity=Decimal(1), from_location=warehouse.receiving_location
    )
    wave = Wave.objects.create(number="WV-MATRIX", warehouse=warehouse)
    PickList.objects.filter(pk=first_of("wms.pickline").pick_list_id).update(wave=wave)


# --- Asking ------------------------------------------------------------------------------------------------


def ask(client: Client, route: Route, rule: Rule, url: str):
    """GET, and for a POST-only page the POST of an empty form: the answer, with whatever it wrote undone.
    The public URLs are only read (a POST would sign the client out or switch its language)."""
    client.cookies.pop("messages", None)  # what an earlier answer said, never read since
    with transaction.atomic():
        response = client.get(url)
        if response.status_code == 405 and not route.is_api and not rule.public:
            response = client.post(url, {})
        transaction.set_rollback(True)
    return response


def verdict(response, rule: Rule) -> str:
    """ "allowed", "refused", or what else the answer was."""
    status = response.status_code
    if status in (401, 403) or (status == 404 and rule.hides):
        return "refused"
    if status == 302:
        location = response["Location"]
        if location.startswith(SIGN_IN_PAGES):
            return "refused"
        if REFUSED_MESSAGE in [str(m) for m in get_messages(response.wsgi_request)]:
            return "refused"
        return "allowed"
    if status in (200, 400, 405):
        return "allowed"
    return f"answered {status}"


def write(client: Client, method: str, url: str):
    """An API write with an empty JSON body: the answer, with whatever it wrote undone."""
    with transaction.atomic():
        response = client.generic(method, url, b"{}", content_type="application/json")
        transaction.set_rollback(True)
    return response


def write_verdict(response, rule: Rule, role: Role | None) -> str:
    """ "refused" is a 401 to anonymous, a 403 to a login (a 404 where the rule `hides`); "allowed" is any
    other answer but a 404 or a server error: a 400 naming the fields an empty body lacks passed the
    permission check."""
    status = response.status_code
    if role is None and status == 401:
        return "refused"
    if role is not None and (status == 403 or (status == 404 and rule.hides)):
        return "refused"
    if status in (401, 403, 404) or status >= 500:
        return f"answered {status}"
    return "allowed"


# --- Logins --------------------------------------------------------------------------------------------------


def login(role: Role | None) -> Client:
    client = Client(raise_request_exception=False)
    if role is not None:
        user = user_with_role(role, f"matrix-{role}")
        if role == Role.PARTNER:
            PartnerUser.objects.create(user=user, partner=Partner.objects.get(code=PORTAL_CUSTOMER))
        client.force_login(user)
    return client


def role_id(role: Role | None) -> str:
    return str(role) if role else "anonymous"


def site_routes() -> list[Route]:
    return [route for route in routes() if not route.is_admin and rule_of(route) is not None]


def partner_skips(route: Route, role: Role | None) -> bool:
    """A portal endpoint serves a partner's login its own records only: test_partner_scoping.py asserts it."""
    return role == Role.PARTNER and route.is_portal


def answers_get(route: Route) -> bool:
    """Whether a GET reaches the route's view (a viewset route without a "get" action answers 405 at once)."""
    actions = getattr(route.callback, "actions", None)
    return actions is None or "get" in actions


# --- The checks of one role ----------------------------------------------------------------------------------


def wrong_opens(client: Client, role: Role | None) -> list[str]:
    """Every URL (GET, or a POST-only page's empty POST) whose answer to the role is not what its rule says,
    and every page it may open that repeats one query per row shown (an N+1, tests/query_shapes.py)."""
    wrong = []
    for route in site_routes():
        if partner_skips(route, role):
            continue
        rule = rule_of(route)
        url = url_of(route)
        reset_queries()  # the query log holds 9,000 entries: once full, every capture would come back empty
        with CaptureQueriesContext(connection) as queries:
            response = ask(client, route, rule, url)
        got = verdict(response, rule)
        expected = "allowed" if rule.allows(role) else "refused"
        if got != expected:
            wrong.append(f"{route.name} {url}: {got}, expected {expected}")
        repeated = repeated_shapes(queries.captured_queries)
        if repeated and response.status_code == 200:
            count, shape = repeated[0][1], repeated[0][0]
            wrong.append(f"{route.name} {url}: N+1, {count} x {shape[:150]}")
    return wrong


def wrong_writes(client: Client, role: Role | None) -> list[str]:
    """Every write method of every API route whose answer to the role is not what its write rule says."""
    wrong = []
    for route in site_routes():
        if partner_skips(route, role):
            continue
        for method in writes_of(route):
            rule = write_rule_of(route, method)
            url = url_of(route)
            got = write_verdict(write(client, method, url), rule, role)
            expected = "allowed" if rule.allows(role) else "refused"
            if got != expected:
                wrong.append(f"{method} {route.name} {url}: {got}, expected {expected}")
    return wrong


# What an allowed login may get instead of a 404 for a missing record: an answer given before the record is
# looked up (a 405 from an API route that answers no GET, a 400 for the empty body checked first, a tablet's
# screen sending it to scan its badge first). Never a 403 or a server error.
ANSWERED_BEFORE_THE_LOOKUP = (302, 400, 405)


def wrong_missing(client: Client, role: Role) -> list[str]:
    """For every URL naming a record, with a record that does not exist: a 403 if the rule refuses the role
    (checked before any lookup: a 404 would tell it the record does not exist), a 404 if it allows it (or
    ANSWERED_BEFORE_THE_LOOKUP). Pages are asked as `ask` does, API routes for their GET and each write
    method. A record's button refused with a message may answer 404 (`refused_on_its_page`)."""
    wrong = []
    for route in site_routes():
        rule = rule_of(route)
        if not route.parameters or rule.public or rule.hides or partner_skips(route, role):
            continue
        url = missing_url_of(route)
        asked = []
        if not route.is_api or answers_get(route):
            asked.append(("GET", rule, ask(client, route, rule, url)))
        # One write per rule: PUT and PATCH (and a line's PATCH and DELETE) reach the record the same way.
        firsts = {write_rule_of(route, m): m for m in reversed(writes_of(route))}
        asked += [(method, write_rule, write(client, method, url)) for write_rule, method in firsts.items()]
        for method, method_rule, response in asked:
            if method_rule.hides:
                continue
            expected = 404 if method_rule.allows(role) else 403
            status = response.status_code
            if status == expected or (expected == 404 and status in ANSWERED_BEFORE_THE_LOOKUP):
                continue
            if status == 404 and method == "GET" and refused_on_its_page(client, route, rule):
                continue
            wrong.append(f"{method} {route.name} {url}: {status}, expected {expected}")
    return wrong


def refused_on_its_page(client: Client, route: Route, rule: Rule) -> bool:
    """Whether the role, asked for a record that exists, is sent back to the record's page with "Your role
    cannot do this.": it sees the record, only not this button, so a 404 for a missing one tells it nothing."""
    response = ask(client, route, rule, url_of(route))
    return response.status_code == 302 and REFUSED_MESSAGE in [str(m) for m in get_messages(response.wsgi_request)]


# --- The tests of a group of roles ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_world(demo_loaded, django_db_blocker):
    """The demo company and extra_records(), committed for the module (demo_loaded flushes them after it).
    A test module using it imports it (with `quiet_refusals`)."""
    with django_db_blocker.unblock():
        extra_records()


@pytest.fixture
def quiet_refusals():
    """Django logs every 403 and 404 with its traceback: thousands here, asserted one by one instead."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


class RoleMatrix:
    """The tests of each role over the demo company. A test module subclasses it (as `Test...`) and gives
    its share of the roles with `parametrize_roles`, so that the roles spread over the test workers (which
    share out whole test files)."""

    @pytest.fixture
    def client(self, matrix_world, db, quiet_refusals, role):
        """The role's login, made in the test's transaction on top of the module's records."""
        return login(role)

    def test_each_role_opens_what_its_rules_allow_and_nothing_else(self, client, role):
        wrong = wrong_opens(client, role)
        assert wrong == [], f"{len(wrong)} wrong for {role_id(role)}:\n" + "\n".join(wrong)

    def test_each_role_writes_through_the_api_what_its_rules_allow_and_nothing_else(self, client, role):
        wrong = wrong_writes(client, role)
        assert wrong == [], f"{len(wrong)} wrong writes for {role_id(role)}:\n" + "\n".join(wrong)


# The missing records' test costs as much as opening every page; it runs for the administrator (every rule
# allows: each answer must be a 404) and for the staff roles that may do least (most rules refuse: each
# answer must be a 403), which between them meet both answers on every URL.
MISSING_RECORD_ROLES = frozenset({Role.ADMIN, Role.OPERATOR, Role.HR})


class MissingRecordMatrix(RoleMatrix):
    """RoleMatrix with the missing records' test, for a module whose roles include MISSING_RECORD_ROLES."""

    def test_a_missing_record_is_refused_or_not_found_as_the_rule_says(self, client, role):
        wrong = wrong_missing(client, role)
        assert wrong == [], f"{len(wrong)} wrong about missing records for {role_id(role)}:\n" + "\n".join(wrong)


def parametrize_roles(metafunc, roles: tuple[Role | None, ...]) -> None:
    """For a test module's `pytest_generate_tests`: its tests asking for `role` run for each of `roles`; the
    missing records' test for those of MISSING_RECORD_ROLES among them (anonymous is sent to sign in before
    anything is looked up; a partner's login: test_a_missing_record_is_refused_to_a_partner_not_reported)."""
    if "role" not in metafunc.fixturenames:
        return
    if metafunc.function.__name__ == "test_a_missing_record_is_refused_or_not_found_as_the_rule_says":
        roles = tuple(role for role in roles if role in MISSING_RECORD_ROLES)
    metafunc.parametrize("role", roles, ids=role_id)
