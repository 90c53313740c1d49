"""The two-factor page's forms: a code from the user's authenticator app, checked against their TOTP device, or
one of their recovery codes (each works once)."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

THROTTLED = _("Too many wrong codes: wait a minute, then try again.")


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg text-center",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]{6}",
                "autofocus": True,
            }
        ),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        # Wrong codes slow the device down (django-otp doubles the wait after each one).
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(THROTTLED, code="throttled")
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                _("This code is not right (or was used already): enter the one your app shows now."),
                code="invalid_code",
            )
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"class": "form-control text-center font-monospace", "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, device: StaticDevice | None, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_recovery_code(self) -> str:
        # As printed or typed: any case, with spaces or dashes.
        code = "".join(self.cleaned_data["recovery_code"].split()).replace("-", "").lower()
        if self.device is not None:
            # Wrong codes slow the device down as the app's do; a right one is deleted as it is accepted.
            allowed, _details = self.device.verify_is_allowed()
            if not allowed:
                raise forms.ValidationError(THROTTLED, code="throttled")
            if self.device.verify_token(code):
                return code
        raise forms.ValidationError(
            _("This recovery code is not right, or was used already."), code="invalid_recovery_code"
        )
