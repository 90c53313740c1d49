"""Every URL of the project, from the URL conf, with the roles that may open it (see test_role_matrix.py).

`routes()` walks the URL conf: the pages, every route of the API's routers under /api/v1/, and the admin.
`rule_of(route)` finds the rule of a route: the explicit `RULES` below first (keyed by route name, `*` and
`?` as in fnmatch), else the convention of the generic model screens (`<app>:<model>_list|detail` for who
views the model, `_add|edit|delete` for who manages it) and of the API's model endpoints (who views the
model), both read from the apps' MODEL_ACCESS. A route without a rule fails the test, which lists it.
`write_rule_of(route, method)` does the same for each write method of an API route (`writes_of`): `WRITE_RULES`
first, else who adds, changes or deletes the viewset's model.

The rules state intent: the roles come from the declared access (MODEL_ACCESS, EXTRA_PERMISSIONS) of the
model a page is about, or from an explicit set, never from the view's own code.
"""

import fnmatch
import re
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import ViewSetMixin

from core.api.errors import not_found
from core.api.portal import PartnerScopedMixin
from core.discovery import app_modules
from core.roles import STAFF, Role
from core.services.roles import MANAGE_ACTIONS, model_access

API = "/api/v1/"
ADMIN = "/admin/"

# --- Who holds what, from the declarations ----------------------------------------------------------------


@cache
def _granted() -> dict[str, frozenset[Role]]:
    """{"<app>.<codename>": roles} as the apps declare them; the admin role holds every permission."""
    granted: dict[str, set[Role]] = {}
    for label, rule in model_access().items():
        app_label, model_name = label.split(".")
        for role in rule.view:
            granted.setdefault(f"{app_label}.view_{model_name}", set()).add(role)
        for role in rule.manage:
            for action in MANAGE_ACTIONS:
                granted.setdefault(f"{app_label}.{action}_{model_name}", set()).add(role)
    for _label, module in app_modules("roles"):
        for role, names in getattr(module, "EXTRA_PERMISSIONS", {}).items():
            for name in names:
                granted.setdefault(name, set()).add(role)
    return {name: frozenset(roles | {Role.ADMIN}) for name, roles in granted.items()}


@cache
def _known_permissions() -> frozenset[str]:
    known = set()
    for model in apps.get_models():
        meta = model._meta
        known.update(f"{meta.app_label}.{action}_{meta.model_name}" for action in meta.default_permissions)
        known.update(f"{meta.app_label}.{codename}" for codename, _name in meta.permissions)
    return frozenset(known)


def holders(*permissions: str) -> frozenset[Role]:
    """The roles holding every one of these permissions ("erp.change_purchaseorder")."""
    roles = frozenset(Role)
    for permission in permissions:
        assert permission in _known_permissions(), f"no such permission: {permission}"
        roles &= _granted().get(permission, frozenset({Role.ADMIN}))
    return roles


def viewers(label: str) -> frozenset[Role]:
    """Who views the model "<app>.<model>"."""
    app_label, model_name = label.split(".")
    return holders(f"{app_label}.view_{model_name}")


def managers(label: str) -> frozenset[Role]:
    """Who manages (adds, changes, deletes) the model "<app>.<model>"."""
    app_label, model_name = label.split(".")
    return holders(f"{app_label}.change_{model_name}")


# --- Rules --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """Who may open a URL: `roles`, or anyone signed in or not when `public`. `hides`: the URL answers 404,
    not 403, to who may not (another login's record, a download that does not reveal that the file exists)."""

    roles: frozenset[Role] = frozenset()
    public: bool = False
    hides: bool = False

    def allows(self, role: Role | None) -> bool:
        return self.public or role in self.roles


PUBLIC = Rule(public=True)
SIGNED_IN = Rule(frozenset(Role))
STAFF_ONLY = Rule(frozenset(STAFF))
NOBODY = Rule()


def view(label: str) -> Rule:
    return Rule(viewers(label))


def manage(label: str) -> Rule:
    return Rule(managers(label))


def perms(*permissions: str) -> Rule:
    return Rule(holders(*permissions))


# --- The walk -----------------------------------------------------------------------------------------------

GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")
CONVERTER = re.compile(r"<(?:\w+:)?(?P<name>\w+)>")
PLACEHOLDER = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Route:
    name: str  # "erp:purchaseorder_detail"; the API's "api:erp:salesorder-list"; "admin:core_item_change"
    template: str  # "/erp/purchase-orders/{pk}/"
    callback: object

    @property
    def view(self) -> type | None:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def parameters(self) -> list[str]:
        return PLACEHOLDER.findall(self.template)

    @property
    def is_api(self) -> bool:
        return self.template.startswith(API)

    @property
    def is_admin(self) -> bool:
        return self.template.startswith(ADMIN)

    @property
    def is_portal(self) -> bool:
        return self.view is not None and issubclass(self.view, PartnerScopedMixin)

    @property
    def api_model(self) -> str | None:
        """The model label of an API viewset's queryset."""
        queryset = getattr(self.view, "queryset", None) if self.is_api else None
        return queryset.model._meta.label_lower if queryset is not None else None

    def url(self, **values) -> str:
        return PLACEHOLDER.sub(lambda m: str(values[m[1]]), self.template)

    def __str__(self) -> str:
        return self.name


def _template(pattern) -> str | None:
    """A route with {name} placeholders, or None for the format-suffix variants (they repeat a route)."""
    route = getattr(pattern, "_route", None)
    if route is not None:
        route = CONVERTER.sub(lambda m: "{" + m["name"] + "}", route)
    else:
        regex = pattern.regex.pattern.removeprefix("^").removesuffix("$").removesuffix("\\Z")
        route = GROUP.sub(lambda m: "{" + m["name"] + "}", regex).replace("\\.", ".")
    if "{format}" in route:
        return None
    assert not re.search(r"[()\[\]?*+^$\\]", route), f"cannot read the route {pattern}"
    return route


def _walk(patterns, prefix: str, namespace: str):
    for entry in patterns:
        route = _template(entry.pattern)
        if route is None:
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + route, inner)
        elif isinstance(entry, URLPattern) and entry.callback is not not_found:
            template = prefix + route
            name = entry.name or template
            if template.startswith(API):
                # The routers' names are not namespaced: the app's segment of the path is.
                app = template.removeprefix(API).split("/")[0]
                name = f"api:{app}:{name}" if apps.is_installed(app) else f"api:{name}"
            yield Route(name=f"{namespace}{name}", template=template, callback=entry.callback)


@cache
def routes() -> tuple[Route, ...]:
    """Every route of the URL conf, each once (the first of two patterns with one name and path)."""
    found: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "/", ""):
        found.setdefault(route.template, route)
    names: dict[str, int] = {}
    for route in found.values():
        names[route.name] = names.get(route.name, 0) + 1
    duplicated = sorted(name for name, count in names.items() if count > 1)
    assert not duplicated, f"two routes share a name, so a rule could not tell them apart: {duplicated}"
    return tuple(sorted(found.values(), key=lambda r: r.name))


# --- The convention of the generic screens and of the API's model endpoints ------------------------------------

SCREEN = re.compile(r"^(?P<app>\w+):(?P<model>[a-z0-9]+)_(?P<action>list|detail|add|edit|delete|command)$")


def model_label_of(route: Route) -> str | None:
    """ "erp.purchaseorder" of "erp:purchaseorder_detail" when that model exists."""
    match = re.match(r"^(?P<app>\w+):(?P<model>[a-z0-9]+)_", route.name)
    if match is None:
        return None
    try:
        return apps.get_model(match["app"], match["model"])._meta.label_lower
    except LookupError:
        return None


def _convention(route: Route) -> Rule | None:
    if route.is_api:
        if route.is_portal:
            # A partner's own login (tests/core/test_partner_scoping.py); every role here is refused.
            return NOBODY
        label = route.api_model
        if label and issubclass(route.view, ViewSetMixin) and label in model_access():
            return view(label)
        return None
    match = SCREEN.match(route.name)
    label = model_label_of(route)
    if match is None or label is None or label not in model_access():
        return None
    # A record's buttons (`_command`, the first of them is pressed) are its managers' work.
    return view(label) if match["action"] in ("list", "detail") else manage(label)


# --- The API's writes ------------------------------------------------------------------------------------------

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# What a model viewset's own actions need (RoleModelPermissions, by the HTTP method); its other actions
# (`@action` commands) change the record, so they need its change permission unless RULES say otherwise.
ACTION_PERMISSION = {"create": "add", "update": "change", "partial_update": "change", "destroy": "delete"}


def writes_of(route: Route) -> tuple[str, ...]:
    """The write methods an API route answers: its viewset's actions, or the handlers of an APIView (less
    those its `http_method_names` leave out)."""
    if not route.is_api or route.view is None:
        return ()
    actions = getattr(route.callback, "actions", None)
    handlers = actions if actions is not None else {m: m for m in dir(route.view)}
    return tuple(m for m in WRITE_METHODS if m.lower() in handlers and m.lower() in route.view.http_method_names)


def action_of(route: Route, method: str) -> str:
    """The viewset action (or APIView handler) a method of the route runs."""
    actions = getattr(route.callback, "actions", None) or {}
    return actions.get(method.lower(), method.lower())


def _write_convention(route: Route, method: str) -> Rule | None:
    if route.is_portal:
        return NOBODY
    label = route.api_model
    if not (label and issubclass(route.view, ViewSetMixin) and label in model_access()):
        return None
    app_label, model_name = label.split(".")
    return perms(f"{app_label}.{ACTION_PERMISSION.get(action_of(route, method), 'change')}_{model_name}")


def write_rule_of(route: Route, method: str) -> Rule | None:
    """Who may send `method` (POST, PUT, PATCH, DELETE) to an API route: its entry in WRITE_RULES (by
    "<METHOD> <name>", then by name, `*` and `?` as in fnmatch), else the convention of a model viewset:
    who adds the model creates, who changes it updates and runs its commands, who deletes it destroys."""
    for key in (f"{method} {route.name}", route.name):
        if key in WRITE_RULES:
            return WRITE_RULES[key]
    for pattern, rule in WRITE_RULES.items():
        if fnmatch.fnmatchcase(f"{method} {route.name}", pattern) or fnmatch.fnmatchcase(route.name, pattern):
            return rule
    return _write_convention(route, method)


def rule_of(route: Route) -> Rule | None:
    """The route's own entry in RULES; else the convention of a generic model screen; else the first pattern
    of RULES that matches; else the convention of the API's model endpoints and of a record's buttons."""
    if route.name in RULES:
        return RULES[route.name]
    match = SCREEN.match(route.name)
    if match is not None and match["action"] != "command":
        screen = _convention(route)
        if screen is not None:
            return screen
    for pattern, rule in RULES.items():
        if fnmatch.fnmatchcase(route.name, pattern):
            return rule
    return _convention(route)


# --- The table ---------------------------------------------------------------------------------------------

RULES: dict[str, Rule] = {
    # --- Everyone, or any login ---
    # Signing in and out, the language switch and the health checks: before anyone signs in.
    "login": PUBLIC,
    "logout": PUBLIC,
    "set_language": PUBLIC,
    "health_live": PUBLIC,
    "health_ready": PUBLIC,
    "api:api-token": PUBLIC,
    # The home page shows each login the menus of what it may open (a partner's login: none); the
    # two-factor page is each login's own.
    "home": SIGNED_IN,
    "two_factor": SIGNED_IN,
    # The API's documentation and the routers' roots list URLs, no record.
    "api:api-schema": SIGNED_IN,
    "api:api-docs": SIGNED_IN,
    "api:*:api-root": SIGNED_IN,
    # Every login manages its own API tokens (tests/core/test_tokens.py); the admin role all of them: another
    # login's token is a 404.
    "api:core:apitoken-list": SIGNED_IN,
    "api:core:apitoken-detail": Rule(frozenset({Role.ADMIN}), hides=True),
    # POST-only: a GET is a 405 to any login (before the token is looked up).
    "api:core:apitoken-revoke": SIGNED_IN,
    # The admin site admits staff accounts (is_staff) only, whatever their role; its sign-in and out are open.
    "admin:login": PUBLIC,
    "admin:logout": PUBLIC,
    "admin:*": NOBODY,
    # --- core ---
    "core:data_import": perms("core.import_data"),
    "core:taskrun_progress": view("core.taskrun"),
    # The search finds what the login may view, in each model it may view: any staff login.
    "core:search": STAFF_ONLY,
    # Each family of figures for who may view its data (core/metrics.py): background runs, device health.
    "metrics": Rule(holders("core.view_taskrun") | holders("shopfloor.view_devicehealth")),
    # --- plm ---
    "plm:attachment_download": view("plm.attachment"),
    "plm:attachment_upload": manage("plm.attachment"),
    "plm:bomline_*": manage("plm.bomline"),
    "plm:routingoperation_*": manage("plm.routingoperation"),
    "plm:bomrevision_diff": view("plm.bomrevision"),
    "plm:routingrevision_diff": view("plm.routingrevision"),
    "plm:eco_command": manage("plm.engineeringchangeorder"),
    "plm:item_engineering": view("core.item"),
    # --- wms ---
    "wms:item_stock": view("core.item"),
    "wms:quality_hold": STAFF_ONLY,
    "wms:quality_decide": perms("wms.add_stockmove"),
    "wms:cyclecount_command": perms("wms.approve_cyclecount"),
    "wms:picklist_pack": manage("wms.picklist"),
    "wms:receipt_command": perms("wms.change_receipt", "wms.add_stockmove"),
    "wms:shipment_command": manage("wms.shipment"),
    "wms:shipment_pdf": view("wms.shipment"),
    "wms:stockrequest_command": manage("wms.stockrequest"),
    # The plan makes the warehouse's tasks (the view asks for wms.add_stocktask): the warehouse runs it when its
    # people can do them, as replenishment is run in a WMS; the planner sets the rules' minimum and maximum.
    "wms:replenishment_plan": manage("wms.stocktask"),
    "wms:stock_count": manage("wms.cyclecount"),
    "wms:stock_transfer": manage("wms.stockmove"),
    # The warehouse tablet: who does the floor's work of each screen.
    "wms:tablet_home": manage("wms.stockmove"),
    "wms:tablet_move": manage("wms.stockmove"),
    "wms:tablet_receive_list": perms("wms.change_receipt", "wms.add_stockmove"),
    "wms:tablet_receipt*": perms("wms.change_receipt", "wms.add_stockmove"),
    "wms:tablet_putaway*": manage("wms.stocktask"),
    "wms:tablet_pick*": manage("wms.picklist"),
    "wms:tablet_count*": manage("wms.cyclecount"),
    # --- erp ---
    "erp:salesorderline_*": manage("erp.salesorder"),
    "erp:salesorder_pdf": view("erp.salesorder"),
    "erp:pricelistitem_*": manage("erp.pricelist"),
    "erp:purchaseorderline_*": manage("erp.purchaseorder"),
    "erp:purchaseorder_confirm": manage("erp.purchaseorder"),
    # Entering a supplier's invoice posts to the books: accounts payable's work.
    "erp:purchaseorder_invoice": perms("erp.view_purchaseorder", "erp.add_invoice"),
    "erp:productionorder_pdf": view("erp.productionorder"),
    "erp:productionorder_backflush": manage("erp.productioncomponent"),
    "erp:productionorder_issue": manage("erp.productioncomponent"),
    "erp:productionorder_receive": manage("erp.productionorder"),
    "erp:productionorder_report": manage("erp.productionoperation"),
    "erp:productionoperation_finish": manage("erp.productionoperation"),
    "erp:invoice_pdf": view("erp.invoice"),
    "erp:trial_balance": perms("erp.view_journalentry", "erp.view_account"),
    "erp:balance_sheet": perms("erp.view_journalentry", "erp.view_account"),
    "erp:profit_and_loss": perms("erp.view_journalentry", "erp.view_account"),
    "erp:aging": perms("erp.view_invoice", "erp.view_payment"),
    "erp:budget_report": perms("erp.view_budget", "erp.view_journalentry"),
    "erp:stock_valuation": view("erp.itemvaluation"),
    "erp:variance_report": view("erp.productionvariance"),
    "erp:costversion_compare": view("erp.costversion"),
    "erp:labor_report": perms("erp.view_laborbooking", "erp.view_attendance"),
    "erp:qualification_expiring": view("erp.qualification"),
    "erp:roster_week": view("erp.rosterentry"),
    "erp:roster_plan": manage("erp.rosterentry"),
    # --- srm ---
    "srm:supplier_list": view("srm.supplieritem"),
    "srm:supplier_detail": view("srm.supplieritem"),
    "srm:item_sources": view("srm.supplieritem"),
    "srm:supplieritem_*": manage("srm.supplieritem"),
    "srm:supplierprice_*": manage("srm.supplieritem"),
    "srm:certificate_document": Rule(viewers("srm.certificate"), hides=True),
    "srm:certificate_*": manage("srm.certificate"),
    "srm:rfqline_*": manage("srm.rfq"),
    "srm:rfqinvitation_*": manage("srm.rfq"),
    "srm:rfq_invite": manage("srm.rfq"),
    "srm:rfq_quote": manage("srm.rfq"),
    "srm:rfq_comparison": view("srm.rfq"),
    # The award makes purchase orders: a buyer's work.
    "srm:rfq_award": perms("srm.change_rfq", "erp.add_purchaseorder"),
    "srm:supplierquote_withdraw": manage("srm.rfq"),
    "srm:contractline_*": manage("srm.contract"),
    "srm:contract_call_off": manage("srm.contract"),
    "srm:supplier_scorecards": view("srm.scorecard"),
    "srm:supplier_scorecard_compute": manage("srm.scorecard"),
    "srm:purchaseorder_supplier": view("srm.asn"),
    # --- aps ---
    "aps:mrp_home": view("aps.mrprun"),
    # Runs are written by the MRP itself; who plans the orders starts one.
    "aps:mrp_run": manage("aps.plannedorder"),
    "aps:item_plan*": perms("aps.view_plannedorder", "aps.view_plandemand", "aps.view_plansupply"),
    "aps:plannedorder_firm_selected": manage("aps.plannedorder"),
    "aps:forecast_generate": manage("aps.demandforecast"),
    "aps:forecast_period_adjust": manage("aps.demandforecastperiod"),
    "aps:schedule_grid": view("aps.masterscheduleentry"),
    "aps:schedule_fill": manage("aps.masterscheduleentry"),
    "aps:rough_cut": view("aps.masterscheduleentry"),
    "aps:promise": view("aps.schedule"),
    "aps:schedule_now": manage("aps.schedule"),
    "aps:schedule_compare": view("aps.schedule"),
    "aps:schedule_gantt*": view("aps.schedule"),
    "aps:schedule_machine_window": manage("aps.machinewindow"),
    "aps:schedule_scenario": manage("aps.schedule"),
    "aps:schedule_whatif_order": manage("aps.schedule"),
    "aps:scheduleoperation_move": manage("aps.scheduleoperation"),
    "aps:changeover_matrix": view("aps.changeover"),
    # --- mes ---
    "mes:dispatch*": STAFF_ONLY,
    "mes:board": STAFF_ONLY,
    "mes:oee": STAFF_ONLY,
    "mes:genealogy": STAFF_ONLY,
    "mes:lot_*": view("wms.lot"),
    "mes:spc*": view("mes.inspection"),
    "mes:inspection_record": manage("mes.inspection"),
    "mes:nonconformance_disposition": manage("mes.nonconformance"),
    "mes:correctiveaction_create": manage("mes.correctiveaction"),
    "mes:correctiveaction_complete": manage("mes.correctiveaction"),
    "mes:maintenance_reliability": view("mes.maintenanceorder"),
    "mes:maintenanceorder_command": perms("mes.change_maintenanceorder", "mes.change_maintenancetask"),
    "mes:maintenanceorder_task": perms("mes.change_maintenanceorder", "mes.change_maintenancetask"),
    "mes:maintenanceorder_plan": perms("mes.change_maintenanceorder", "mes.change_maintenancetask"),
    "mes:maintenanceorder_part": manage("mes.maintenancepart"),
    "mes:maintenanceorder_labor": manage("mes.maintenancelabor"),
    "mes:maintenancetask_tick": perms("mes.change_maintenanceorder", "mes.change_maintenancetask"),
    # The machine tablet: an operator's screens.
    "mes:tablet_*": manage("mes.operationrun"),
    # --- crm ---
    "crm:dashboard": view("crm.opportunity"),
    "crm:pipeline": view("crm.opportunity"),
    "crm:forecast": view("crm.opportunity"),
    "crm:opportunity_*": manage("crm.opportunity"),
    "crm:lead_*": manage("crm.lead"),
    # The CRM's accounts are read by who reads the CRM (crm.view_activity: the office), not by who views
    # partners (core.partner: the warehouse too). The engineer is office: it reads the quotes and
    # opportunities it answers technical questions for (made-to-order work), so the customer's page too.
    "crm:account_list": view("crm.activity"),
    "crm:account_detail": view("crm.activity"),
    "crm:account_contact_*": manage("core.contact"),
    "crm:account_address_*": manage("core.partneraddress"),
    "crm:activity_*": manage("crm.activity"),
    "crm:task_add": manage("crm.activity"),
    "crm:my_tasks": view("crm.activity"),
    "crm:quoteline_*": manage("crm.quote"),
    "crm:quote_pdf": view("crm.quote"),
    "crm:order_tracking*": view("erp.salesorder"),
    "crm:servicecase_*": manage("crm.servicecase"),
    "crm:rma_authorize": manage("crm.rma"),
    "crm:rma_command": perms("crm.receive_rma"),
    # --- the API's views that are no model's list or detail ---
    "api:mes:b2mml-operations-schedule": perms("aps.view_schedule", "erp.view_productionorder"),
    "api:mes:b2mml-material-definitions": view("core.item"),
    "api:mes:b2mml-material-lots": perms("wms.view_lot", "wms.view_quant"),
    "api:mes:b2mml-equipment": perms("core.view_machine", "core.view_workcenter"),
    "api:crm:account-*": view("crm.activity"),
    "api:crm:servicecase-*": view("crm.servicecase"),
    "api:aps:item-plan-detail": perms("aps.view_plannedorder", "aps.view_plandemand", "aps.view_plansupply"),
    "api:erp:finance-report-trial-balance": perms("erp.view_journalentry", "erp.view_account"),
    "api:erp:finance-report-balance-sheet": perms("erp.view_journalentry", "erp.view_account"),
    "api:erp:finance-report-profit-and-loss": perms("erp.view_journalentry", "erp.view_account"),
    "api:erp:finance-report-aging": perms("erp.view_invoice", "erp.view_payment"),
    "api:erp:finance-report-budget": perms("erp.view_budget", "erp.view_journalentry"),
    "api:erp:finance-report-stock-valuation": view("erp.itemvaluation"),
    # POST-only: a GET is a 405 to any login, the document's permissions are asked of the POST.
    "api:mes:b2mml-operations-performance": SIGNED_IN,
}

# The API's writes that are not a model viewset's add/change/delete of its own model (see write_rule_of).
WRITE_RULES: dict[str, Rule] = {
    # Exchanging a password for a token: before anyone signs in. Every login makes its own tokens; revoking
    # another login's token is a 404 (the matrix revokes the admin role's token).
    "api:api-token": PUBLIC,
    "api:core:apitoken-list": SIGNED_IN,
    "api:core:apitoken-revoke": Rule(frozenset({Role.ADMIN}), hides=True),
    # A promise is a question put to the schedule (POSTed for its body): who views the schedule asks it.
    "api:aps:capable-to-promise-list": view("aps.schedule"),
    # As the pages of the same commands (RULES above).
    "api:aps:mrprun-start": manage("aps.plannedorder"),
    "api:crm:rma-receive": perms("crm.receive_rma"),
    "POST api:crm:servicecase-list": perms("crm.add_servicecase"),
    "api:crm:servicecase-*": manage("crm.servicecase"),
    "api:erp:purchaseorder-invoice": perms("erp.view_purchaseorder", "erp.add_invoice"),
    "api:erp:salesorder-invoice": perms("erp.view_salesorder", "erp.add_invoice"),
    "api:mes:maintenanceorder-book-labor": manage("mes.maintenancelabor"),
    "api:mes:maintenanceorder-issue-part": manage("mes.maintenancepart"),
    **{
        f"api:mes:maintenanceorder-{command}": perms("mes.change_maintenanceorder", "mes.change_maintenancetask")
        for command in ("add-task", "cancel", "finish", "plan", "start", "tick-task")
    },
    "api:wms:cyclecount-approve": perms("wms.approve_cyclecount"),
    "api:wms:quality-*": perms("wms.add_stockmove"),
    "api:wms:receipt-close": perms("wms.change_receipt", "wms.add_stockmove"),
    "api:wms:receipt-receive": perms("wms.change_receipt", "wms.add_stockmove"),
    "api:wms:stockrequest-deliver": perms("wms.change_stockrequest", "wms.add_stockmove"),
    # What the floor reports (events, downtimes, sign-on, machine states, B2MML performance) is the runs'
    # work: who changes operation runs.
    "api:mes:b2mml-operations-performance": perms("mes.change_operationrun"),
    "api:mes:downtime-*": perms("mes.change_operationrun"),
    "api:mes:operatorassignment-*": perms("mes.change_operationrun"),
    "api:mes:productionevent-correct": perms("mes.change_operationrun"),
    "api:mes:machine-status-report": perms("mes.change_operationrun"),
    # An approver records a decision on a change they may view; the service checks they are its approver.
    "api:plm:engineeringchangeorder-decide": view("plm.engineeringchangeorder"),
}
