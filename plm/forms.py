import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import BootstrapWidgetsMixin, TaktModelForm
from core.models import Item, Unit, WorkCenter
from plm.choices import ApprovalDecision, ApprovalRole
from plm.models import EngineeringChangeOrder
from plm.models.attachments import validate_attachment


class ItemCodeField(forms.CharField):
    """An item typed or scanned by its code: a select of ten thousand items serves nobody."""

    def clean(self, value):
        code = super().clean(value)
        try:
            return Item.objects.get(code=code.strip())
        except Item.DoesNotExist:
            raise forms.ValidationError(_("There is no item %(code)s."), params={"code": code}) from None


class EcoForm(TaktModelForm):
    class Meta:
        model = EngineeringChangeOrder
        fields = ("title", "reason", "effective_date")
        widgets = {
            "reason": forms.Textarea(attrs={"rows": 4}),
            "effective_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_date"].initial = timezone.localdate() + datetime.timedelta(days=7)


class ProposeForm(BootstrapWidgetsMixin, forms.Form):
    item = ItemCodeField(label=_("Item code"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[("bom", _("BOM")), ("routing", _("Routing"))])


class DecisionForm(BootstrapWidgetsMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ApprovalRole.choices)
    decision = forms.ChoiceField(label=_("Decision"), choices=ApprovalDecision.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class BomLineForm(BootstrapWidgetsMixin, forms.Form):
    component = ItemCodeField(label=_("Component code"))
    qty_per = forms.DecimalField(label=_("Qty per"), max_digits=18, decimal_places=6, min_value=0)
    scrap_pct = forms.DecimalField(label=_("Scrap %"), max_digits=5, decimal_places=2, min_value=0, initial=0)
    uom = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.all(), required=False, empty_label=_("(component's unit)")
    )
    position = forms.IntegerField(label=_("Position"), min_value=1, required=False)


class RoutingOperationForm(BootstrapWidgetsMixin, forms.Form):
    seq = forms.IntegerField(min_value=1, required=False, label=_("Sequence"))
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    work_center = forms.ModelChoiceField(label=_("Work center"), queryset=WorkCenter.objects.all())
    setup_minutes = forms.DecimalField(label=_("Setup min"), max_digits=10, decimal_places=2, min_value=0, initial=0)
    run_minutes_per_unit = forms.DecimalField(label=_("Run min / unit"), max_digits=12, decimal_places=4, min_value=0)
    queue_minutes = forms.DecimalField(label=_("Queue min"), max_digits=10, decimal_places=2, min_value=0, initial=0)
    move_minutes = forms.DecimalField(label=_("Move min"), max_digits=10, decimal_places=2, min_value=0, initial=0)
    instructions = forms.CharField(
        label=_("Work instructions"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AttachmentForm(BootstrapWidgetsMixin, forms.Form):
    # Checked here too (the service checks again), so that the page's message names the field.
    file = forms.FileField(label=_("File"), validators=[validate_attachment])
    description = forms.CharField(
        max_length=255, required=False, widget=forms.TextInput(attrs={"placeholder": _("Description")})
    )


class DateForm(BootstrapWidgetsMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), required=False)
