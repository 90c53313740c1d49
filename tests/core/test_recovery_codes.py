"""Recovery codes of two-factor sign-in (docs/security.md): ten made at enrolment and shown once, each
signing in once instead of the app's code, wrong ones slowed down like the app's, and a new set replacing
the old."""

import time

import pytest
import time_machine
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.roles import Role
from tests.core.test_login_security import code_for, sign_in

pytestmark = pytest.mark.django_db

PAGE = reverse("two_factor")


def enrol(client, user) -> tuple[TOTPDevice, list[str]]:
    """Enrol as a person does (the QR code page, then a first code); the codes the next page shows."""
    client.force_login(user)
    client.get(PAGE)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(PAGE, {"code": code_for(device), "next": "/core/currencies/"})
    assert response.status_code == 302 and response.url == f"{PAGE}?next=%2Fcore%2Fcurrencies%2F"
    shown = client.get(response.url)
    codes = shown.context["new_recovery_codes"]
    assert 'href="/core/currencies/"' in shown.content.decode()  # "I have saved them: continue"
    device.refresh_from_db()
    return device, codes


def test_enrolment_makes_ten_codes_shown_once(client, make_user):
    user = make_user(Role.FINANCE)
    _device, codes = enrol(client, user)
    assert len(set(codes)) == 10
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    again = client.get(PAGE).content.decode()
    assert not any(code in again for code in codes)
    assert "You have 10 unused recovery codes." in again


def test_a_recovery_code_signs_in_once_instead_of_the_apps(client, make_user):
    user = make_user(Role.FINANCE, username="fin")
    _device, codes = enrol(client, user)
    client.logout()

    sign_in(client, "fin")
    page = client.get(PAGE).content.decode()
    assert "Lost your phone? Use a recovery code" in page
    # As printed, with a dash and upper case: still the code.
    typed = f"{codes[0][:4].upper()}-{codes[0][4:]}"
    response = client.post(PAGE, {"action": "recovery", "recovery_code": typed, "next": "/core/currencies/"})
    assert response.status_code == 302 and response.url == "/core/currencies/"
    assert client.get("/core/currencies/").status_code == 200
    assert client.session[DEVICE_ID_SESSION_KEY] == StaticDevice.objects.get(user=user).persistent_id
    assert not StaticToken.objects.filter(token=codes[0]).exists()  # used up
    assert StaticToken.objects.filter(device__user=user).count() == 9
    client.logout()

    sign_in(client, "fin")
    used = client.post(PAGE, {"action": "recovery", "recovery_code": codes[0]})
    assert used.status_code == 400
    assert "not right, or was used already" in used.content.decode()
    assert client.get("/core/currencies/").status_code == 302  # still pending


def test_wrong_recovery_codes_are_slowed_down_like_the_apps(client, make_user):
    user = make_user(Role.FINANCE, username="fin")
    _device, codes = enrol(client, user)
    client.logout()
    sign_in(client, "fin")
    assert client.post(PAGE, {"action": "recovery", "recovery_code": "aaaaaaaa"}).status_code == 400
    # The right code straight after a wrong one waits (django-otp's throttle: 1 s, then doubling) ...
    throttled = client.post(PAGE, {"action": "recovery", "recovery_code": codes[1]})
    assert "Too many wrong codes" in throttled.content.decode()
    assert StaticToken.objects.filter(token=codes[1]).exists()
    with time_machine.travel(time.time() + 2):  # ... and goes through once the wait is over.
        response = client.post(PAGE, {"action": "recovery", "recovery_code": codes[1]})
    assert response.status_code == 302


def test_new_codes_replace_the_old_set_and_turning_off_removes_them(client, make_user):
    user = make_user(Role.ADMIN)
    device, old = enrol(client, user)
    response = client.post(PAGE, {"code": code_for(device, steps_ahead=1), "action": "new_recovery_codes"})
    assert response.status_code == 302 and response.url == PAGE
    new = client.get(PAGE).context["new_recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(new)

    client.post(PAGE, {"code": code_for(device, steps_ahead=2), "action": "turn_off"})
    assert not StaticDevice.objects.filter(user=user).exists()
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_new_codes_need_a_current_code_from_the_app(client, make_user):
    user = make_user(Role.ADMIN)
    _device, old = enrol(client, user)
    response = client.post(PAGE, {"code": "000000", "action": "new_recovery_codes"})
    assert response.status_code == 400
    assert sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True)) == sorted(old)
