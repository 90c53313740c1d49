"""A partner's login is scoped by its PartnerUser link only if it holds no staff permission at all."""

import pytest
from django.core.exceptions import ValidationError

from core import demo
from core.models import Partner, PartnerUser
from core.roles import Role
from tests.core.partner_fixtures import token_client


@pytest.fixture
def customer(db):
    return Partner.objects.create(code="C-ONE", name="One", kind="customer")


def test_a_login_with_only_the_partner_role_can_be_linked(make_user, customer):
    link = PartnerUser(user=make_user(Role.PARTNER), partner=customer)
    link.full_clean()


@pytest.mark.parametrize(
    "fields", [{"role": Role.SALES}, {"role": Role.PARTNER, "is_staff": True}, {"is_superuser": True}]
)
def test_a_login_with_staff_access_is_refused(make_user, customer, fields):
    user = make_user(fields.pop("role", None), **fields)
    with pytest.raises(ValidationError) as refused:
        PartnerUser(user=user, partner=customer).full_clean()
    assert refused.value.error_dict["user"][0].code == "staff_login"


@pytest.mark.django_db
def test_the_demo_partner_login_belongs_to_mediahome_and_uses_the_customer_portal():
    demo.load()
    demo.load()  # again: the link is kept, not doubled
    link = PartnerUser.objects.get(user__username="partner")
    assert link.partner.code == "C-MEDIA"
    assert ("partner", "Partner (C-MEDIA)") in demo.logins()
    # Every partner login of the demo belongs to its partner (one link each): none is left unscoped.
    linked = dict(PartnerUser.objects.values_list("user__username", "partner__code"))
    partner_logins = [username for username, _first, _last, role in demo.USERS if role == Role.PARTNER]
    assert linked == {username: demo.PARTNER_LOGINS[username] for username in partner_logins}
    api = token_client(link.user)
    assert api.get("/api/v1/crm/portal/orders/").status_code == 200
    assert api.get("/api/v1/erp/sales-orders/").status_code == 403
