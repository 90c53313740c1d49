"""Roles are groups of permissions. Each app states, per model, which roles see it and which manage it.

An app's `roles.py` holds `MODEL_ACCESS = {"<app>.<model>": Access(view=..., manage=...)}`;
`roles_sync` turns all of them into groups. `manage` means add, change and delete. The admin role
gets every permission. A model without an entry is visible to the admin role only (and a test fails).
"""

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PLANNER = "planner", _("Planner")
    SALES = "sales", _("Sales")
    BUYER = "buyer", _("Buyer")
    ENGINEER = "engineer", _("Engineer")
    WAREHOUSE = "warehouse", _("Warehouse")
    OPERATOR = "operator", _("Operator")
    QUALITY = "quality", _("Quality")
    FINANCE = "finance", _("Finance")
    HR = "hr", _("Human resources")
    PARTNER = "partner", _("Partner")


# The partner role (a customer's or supplier's own login) is granted no model permission anywhere: a model
# permission is not scoped, so it would open every partner's records. Partner logins read and write their
# own records through the portal endpoints only (core/api/portal.py, scoped by the PartnerUser link).
STAFF = frozenset(Role) - {Role.PARTNER}
OFFICE = frozenset({Role.ADMIN, Role.PLANNER, Role.SALES, Role.BUYER, Role.ENGINEER, Role.FINANCE, Role.QUALITY})


@dataclass(frozen=True)
class Access:
    view: frozenset = field(default_factory=frozenset)
    manage: frozenset = field(default_factory=frozenset)

    def __init__(self, view=(), manage=()):
        # Who manages a model also sees it.
        object.__setattr__(self, "manage", frozenset(manage))
        object.__setattr__(self, "view", frozenset(view) | frozenset(manage))


MODEL_ACCESS = {
    "core.company": Access(view=STAFF, manage={Role.ADMIN}),
    "core.site": Access(view=STAFF, manage={Role.ADMIN}),
    "core.unitcategory": Access(view=STAFF, manage={Role.ADMIN}),
    "core.unit": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "core.currency": Access(view=OFFICE, manage={Role.ADMIN, Role.FINANCE}),
    "core.exchangerate": Access(view=OFFICE, manage={Role.ADMIN, Role.FINANCE}),
    "core.partner": Access(
        view={Role.PLANNER, Role.QUALITY, Role.WAREHOUSE},
        manage={Role.ADMIN, Role.SALES, Role.BUYER, Role.FINANCE},
    ),
    "core.contact": Access(
        view={Role.PLANNER, Role.QUALITY, Role.WAREHOUSE},
        manage={Role.ADMIN, Role.SALES, Role.BUYER, Role.FINANCE},
    ),
    "core.partneraddress": Access(
        view={Role.PLANNER, Role.QUALITY, Role.WAREHOUSE},
        manage={Role.ADMIN, Role.SALES, Role.BUYER, Role.FINANCE},
    ),
    "core.partneruser": Access(view={Role.SALES, Role.BUYER}, manage={Role.ADMIN}),
    "core.partnerblock": Access(view=OFFICE | {Role.WAREHOUSE}, manage={Role.ADMIN, Role.BUYER, Role.FINANCE}),
    "core.itemcategory": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "core.item": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER, Role.PLANNER}),
    "core.area": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "core.workcenter": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "core.machine": Access(view=STAFF, manage={Role.ADMIN, Role.ENGINEER}),
    "core.workcalendar": Access(view=STAFF, manage={Role.ADMIN, Role.PLANNER}),
    "core.shift": Access(view=STAFF, manage={Role.ADMIN, Role.PLANNER}),
    "core.calendarexception": Access(view=STAFF, manage={Role.ADMIN, Role.PLANNER}),
    "core.numbersequence": Access(manage={Role.ADMIN}),
    "core.domainevent": Access(view={Role.ADMIN}),
    "core.taskrun": Access(view=STAFF),
    "core.webhookendpoint": Access(manage={Role.ADMIN}),
    "core.webhookdelivery": Access(view={Role.ADMIN}),
    "core.idempotencyrecord": Access(view={Role.ADMIN}),
    # Every login manages its own tokens at /api/v1/core/tokens/ (no permission needed): these see all of them.
    "core.apitoken": Access(manage={Role.ADMIN}),
}
