"""A partner's login is scoped by its PartnerUser link only if it holds no staff permission at all."""

import pytest
from django.core.exceptions import ValidationError

from core.models import Partner, PartnerUser
from core.roles import Role


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
