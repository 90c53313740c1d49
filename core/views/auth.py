"""Signing in (docs/security.md): the login page, the locked-out answer, and the two-factor page."""

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.auth_forms import RecoveryCodeForm, TotpCodeForm
from core.roles import Role
from core.two_factor import (
    recovery_codes_replace,
    recovery_device,
    totp_device,
    two_factor_passed,
    two_factor_pending,
    two_factor_required,
    two_factor_turn_off,
    user_roles,
)

# New recovery codes wait here for the one page that shows them (after the redirect of the POST that made them).
NEW_RECOVERY_CODES_SESSION_KEY = "takt_new_recovery_codes"


class SignInView(LoginView):
    """Django's login; a shared tablet's session (operator role only) outlives the browser and the shift."""

    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if user_roles(self.request.user) == {Role.OPERATOR.value}:
            self.request.session.set_expiry(settings.TAKT_TABLET_SESSION_HOURS * 3600)
        return response


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in: JSON for the API's token endpoint, else a page."""
    message = _(
        "Too many failed sign-ins: this account is locked on this device for %(minutes)d minutes. "
        "An administrator can unlock it sooner."
    ) % {"minutes": lockout_minutes()}
    if request.path.startswith("/api/"):
        # The API's error body (core/api/errors.py).
        response = JsonResponse({"errors": [{"field": None, "code": "locked_out", "message": message}]}, status=429)
        response["Retry-After"] = str(lockout_minutes() * 60)
        return response
    return render(request, "registration/locked_out.html", {"message": message}, status=429)


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind TAKT_PROXY_COUNT proxies, the one the outermost proxy appended to
    X-Forwarded-For (what the client itself put there is not trusted); else the connection's."""
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    count = settings.TAKT_PROXY_COUNT
    if count and len(forwarded) >= count:
        return forwarded[-count]
    return request.META.get("REMOTE_ADDR", "")


class TwoFactorView(LoginRequiredMixin, View):
    """One page for the steps of TOTP: enrol (QR code, then a first code; recovery codes are made then and
    shown once), enter the code after the password (or a recovery code), make new recovery codes, and turn
    it off (with a code, where the role does not require it)."""

    template_name = "registration/two_factor.html"

    def get(self, request):
        return self._render(request, TotpCodeForm(device=self._device(request)))

    def post(self, request):
        device = self._device(request)
        if request.POST.get("action") == "recovery" and device.confirmed and two_factor_pending(request):
            return self._recover(request, device)
        form = TotpCodeForm(request.POST, device=device)
        if not form.is_valid():
            return self._render(request, form, status=400)
        action = request.POST.get("action")
        if action == "turn_off" and device.confirmed and not two_factor_pending(request):
            if two_factor_required(request.user):
                messages.error(request, _("Your role signs in with a code: two-factor cannot be turned off."))
                return redirect("two_factor")
            two_factor_turn_off(user=request.user)
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor")
        if action == "new_recovery_codes" and device.confirmed and not two_factor_pending(request):
            return self._show_new_recovery_codes(request)
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            two_factor_passed(request, device)
            messages.success(request, _("Two-factor sign-in is on: you will be asked for a code after your password."))
            return self._show_new_recovery_codes(request)
        two_factor_passed(request, device)
        return redirect(self._next(request) or "two_factor")

    def _recover(self, request, device: TOTPDevice) -> HttpResponse:
        """Signing in with a recovery code instead of the app's: the code is used up."""
        recovery_form = RecoveryCodeForm(request.POST, device=recovery_device(request.user))
        if not recovery_form.is_valid():
            return self._render(request, TotpCodeForm(device=device), status=400, recovery_form=recovery_form)
        two_factor_passed(request, recovery_form.device)
        left = recovery_form.device.token_set.count()
        messages.warning(
            request,
            ngettext(
                "You signed in with a recovery code: %(left)d is left. Make new ones on the two-factor page.",
                "You signed in with a recovery code: %(left)d are left. Make new ones on the two-factor page.",
                left,
            )
            % {"left": left},
        )
        return redirect(self._next(request) or "two_factor")

    def _show_new_recovery_codes(self, request) -> HttpResponse:
        """Replace the recovery codes and show the new ones on the page the redirect opens, once."""
        request.session[NEW_RECOVERY_CODES_SESSION_KEY] = recovery_codes_replace(user=request.user)
        next_url = self._next(request)
        return redirect(reverse("two_factor") + (f"?{urlencode({REDIRECT_FIELD_NAME: next_url})}" if next_url else ""))

    @staticmethod
    def _device(request) -> TOTPDevice:
        """The user's confirmed device, else the one being enrolled (made on the first visit)."""
        device = totp_device(request.user)
        if device is None:
            device = totp_device(request.user, confirmed=False) or TOTPDevice.objects.create(
                user=request.user, name=_("Authenticator app"), confirmed=False
            )
        return device

    @staticmethod
    def _next(request) -> str | None:
        url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME)
        allowed = url and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return url if allowed else None

    def _render(
        self, request, form: TotpCodeForm, status: int = 200, recovery_form: RecoveryCodeForm | None = None
    ) -> HttpResponse:
        device = form.device
        recovery = recovery_device(request.user) if device.confirmed else None
        context = {
            "form": form,
            "device": device,
            "pending": two_factor_pending(request),
            "required": two_factor_required(request.user),
            "next": self._next(request) or "",
            "recovery_form": recovery_form or RecoveryCodeForm(device=recovery),
            "recovery_codes_left": recovery.token_set.count() if recovery else 0,
            "new_recovery_codes": request.session.pop(NEW_RECOVERY_CODES_SESSION_KEY, None),
        }
        if not device.confirmed:
            context["qr_code"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
            context["secret"] = b32encode(device.bin_key).decode()
        return render(request, self.template_name, context, status=status)
