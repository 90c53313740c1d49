"""The two-factor page's form: a code from the user's authenticator app, checked against their TOTP device."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice


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
            raise forms.ValidationError(_("Too many wrong codes: wait a minute, then try again."), code="throttled")
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                _("This code is not right (or was used already): enter the one your app shows now."),
                code="invalid_code",
            )
        return code
