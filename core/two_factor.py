"""TOTP two-factor sign-in (docs/security.md): optional for everyone, required for TAKT_REQUIRE_2FA_ROLES.
Recovery codes (single-use, made at enrolment) stand in for the authenticator app when the phone is lost.

The password is the first step (the login page, or the admin's); a user who has a confirmed TOTP device,
or whose role requires one, is then "pending" until they enter a code on the two-factor page
(core/views/auth.py). The pending mark is decided once, at sign-in, and kept in the session, so an
ordinary request costs no query; TwoFactorMiddleware sends a pending session to the two-factor page
from every other page, the admin included.
"""

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

PENDING_SESSION_KEY = "takt_two_factor_pending"
RECOVERY_CODE_COUNT = 10


def user_roles(user) -> set[str]:
    """The user's roles: their groups' names, and admin for a superuser."""
    roles = set(user.groups.values_list("name", flat=True))
    if user.is_superuser:
        roles.add("admin")
    return roles


def two_factor_required(user) -> bool:
    """One of the user's roles must sign in with a code (TAKT_REQUIRE_2FA_ROLES)."""
    return bool(user_roles(user) & settings.TAKT_REQUIRE_2FA_ROLES)


def totp_device(user, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=confirmed).first()


def recovery_device(user) -> StaticDevice | None:
    """The user's recovery codes (django-otp's static device): single-use codes for a sign-in without the phone."""
    return StaticDevice.objects.devices_for_user(user).first()


@transaction.atomic
def recovery_codes_replace(*, user) -> list[str]:
    """A new set of RECOVERY_CODE_COUNT recovery codes for the user; the old set no longer works. The codes are
    returned to be shown once: the database keeps them, but no page shows them again."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=_("Recovery codes"), confirmed=True)
    codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_turn_off(*, user) -> None:
    """Remove the user's authenticator app and their recovery codes."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def mark_pending_at_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in: a session needs its code when the user enrolled or their role requires it."""
    if request is None or getattr(user, "otp_device", None) is not None:
        return
    if totp_device(user) is not None or two_factor_required(user):
        request.session[PENDING_SESSION_KEY] = True


def two_factor_pending(request) -> bool:
    return bool(request.session.get(PENDING_SESSION_KEY))


def two_factor_passed(request, device: TOTPDevice | StaticDevice) -> None:
    """The session's code was right: it is verified (django-otp) and no longer pending."""
    from django_otp import login as otp_login

    otp_login(request, device)
    request.session.pop(PENDING_SESSION_KEY, None)


class TwoFactorMiddleware:
    """A pending session reaches only the two-factor page and signing out (the API's answer is a 403)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if hasattr(request, "session") and two_factor_pending(request):
            page = reverse("two_factor")
            if request.path not in {page, reverse("logout")}:
                if request.path.startswith("/api/"):
                    message = _("Enter your two-factor code on %(page)s first.") % {"page": page}
                    error = {"field": None, "code": "two_factor_required", "message": message}
                    return JsonResponse({"errors": [error]}, status=403)  # the API's error body
                return redirect(f"{page}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        return self.get_response(request)
