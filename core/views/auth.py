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
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.auth_forms import TotpCodeForm
from core.roles import Role
from core.two_factor import totp_device, two_factor_passed, two_factor_pending, two_factor_required, user_roles


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
    """One page for the three steps of TOTP: enrol (QR code, then a first code), enter the code after the
    password, and turn it off (with a code, where the role does not require it)."""

    template_name = "registration/two_factor.html"

    def get(self, request):
        return self._render(request, TotpCodeForm(device=self._device(request)))

    def post(self, request):
        device = self._device(request)
        form = TotpCodeForm(request.POST, device=device)
        if not form.is_valid():
            return self._render(request, form, status=400)
        if request.POST.get("action") == "turn_off" and device.confirmed and not two_factor_pending(request):
            if two_factor_required(request.user):
                messages.error(request, _("Your role signs in with a code: two-factor cannot be turned off."))
                return redirect("two_factor")
            device.delete()
            messages.success(request, _("Two-factor sign-in is off."))
            return redirect("two_factor")
        if not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            messages.success(request, _("Two-factor sign-in is on: you will be asked for a code after your password."))
        two_factor_passed(request, device)
        return redirect(self._next(request) or "two_factor")

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

    def _render(self, request, form: TotpCodeForm, status: int = 200) -> HttpResponse:
        device = form.device
        context = {
            "form": form,
            "device": device,
            "pending": two_factor_pending(request),
            "required": two_factor_required(request.user),
            "next": self._next(request) or "",
        }
        if not device.confirmed:
            context["qr_code"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5)
            context["secret"] = b32encode(device.bin_key).decode()
        return render(request, self.template_name, context, status=status)
