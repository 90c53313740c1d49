import contextlib

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import models


class BootstrapWidgetsMixin:
    """Bootstrap classes on every widget, so the generic form templates stay plain."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class TaktModelForm(BootstrapWidgetsMixin, forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A field declared on the form (a CodeField for a foreign key...) has no label of its own: it takes the
        # model field's name, translated, as a generated field does.
        for name in self.declared_fields:
            field = self.fields.get(name)
            if field is not None and field.label is None:
                with contextlib.suppress(FieldDoesNotExist):
                    field.label = capfirst(self._meta.model._meta.get_field(name).verbose_name)


class FilterForm(BootstrapWidgetsMixin, forms.Form):
    pass


def _no_such_text(what) -> str:
    return gettext("There is no %(what)s %%(value)s.") % {"what": what}


# Lazy: the field is made at import, the message is read in the language of the request that fails.
_no_such = lazy(_no_such_text, str)


class CodeField(forms.ModelChoiceField):
    """A record by its code in a text box (typed, or scanned: a scanner types like a keyboard), not a select
    of thousands; an unknown code is named in the error."""

    def __init__(self, queryset, *, what: str, **kwargs):
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
        kwargs.setdefault("error_messages", {"invalid_choice": _no_such(what)})
        super().__init__(queryset, to_field_name="code", **kwargs)

    def to_python(self, value):
        return super().to_python(value.strip() if isinstance(value, str) else value)


class CodesShownMixin:
    """On edit, code fields show the related record's code rather than its id."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        for name, field in self.fields.items():
            if isinstance(field, CodeField) and instance is not None and getattr(instance, f"{name}_id", None):
                self.initial[name] = getattr(instance, name).code


def add_service_errors(form: forms.Form, error: ValidationError, fields: dict[str, str | None] | None = None) -> None:
    """A service's refusal onto the form, so it shows where the user can fix it: each field the service names
    onto the form's field of that name (or the one `fields` maps it to, where they differ), the rest on top."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(fields.get(name, name if name in form.fields else None), errors)


def form_errors_message(form: forms.Form) -> str:
    """A bound form's errors as one line ("Quantity: Enter a number."), for a form posted from a page that
    shows it no more than a message."""
    return " ".join(
        f"{form.fields[name].label or name}: {' '.join(errors)}" if name != "__all__" else " ".join(errors)
        for name, errors in form.errors.items()
    )


def _form(model, fields: tuple[str, ...], **widgets) -> type[TaktModelForm]:
    meta = type("Meta", (), {"model": model, "fields": fields, "widgets": widgets})
    return type(f"{model.__name__}Form", (TaktModelForm,), {"Meta": meta})


DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"})

CompanyForm = _form(models.Company, ("code", "name", "currency", "vat_number", "address"))
SiteForm = _form(models.Site, ("company", "code", "name", "timezone", "address"))
UnitCategoryForm = _form(models.UnitCategory, ("code", "name"))
UnitForm = _form(models.Unit, ("code", "name", "category", "factor", "decimals"))
CurrencyForm = _form(models.Currency, ("code", "name", "symbol", "decimals"))
ExchangeRateForm = _form(models.ExchangeRate, ("currency", "valid_from", "rate"), valid_from=DATE)
PartnerForm = _form(
    models.Partner,
    (
        "code",
        "name",
        "kind",
        "parent",
        "currency",
        "lead_time_days",
        "payment_terms_days",
        "credit_limit",
        "vat_number",
        "email",
        "phone",
        "street",
        "city",
        "postal_code",
        "country",
        "active",
    ),
)
ItemCategoryForm = _form(models.ItemCategory, ("code", "name", "parent"))
ItemForm = _form(
    models.Item,
    (
        "code",
        "name",
        "description",
        "uom",
        "category",
        "procurement",
        "tracking",
        "lead_time_days",
        "safety_stock",
        "lot_policy",
        "lot_qty",
        "min_qty",
        "multiple_qty",
        "standard_cost",
        "default_supplier",
        "active",
    ),
    description=forms.Textarea(attrs={"rows": 3}),
)
AreaForm = _form(models.Area, ("site", "code", "name"))
WorkCenterForm = _form(models.WorkCenter, ("area", "code", "name", "calendar", "hours_per_day", "cost_per_hour"))
MachineForm = _form(models.Machine, ("work_center", "code", "name", "calendar", "active"))
WorkCalendarForm = _form(models.WorkCalendar, ("code", "name", "timezone"))
ShiftForm = _form(
    models.Shift, ("calendar", "name", "weekday", "start_time", "end_time"), start_time=TIME, end_time=TIME
)
CalendarExceptionForm = _form(
    models.CalendarException,
    ("calendar", "date", "is_working", "start_time", "end_time", "reason"),
    date=DATE,
    start_time=TIME,
    end_time=TIME,
)


class _MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class _MultipleFileField(forms.FileField):
    """Several files from one input, cleaned one by one into a list."""

    widget = _MultipleFileInput

    def clean(self, data, initial=None):
        clean_one = super().clean
        return [clean_one(file, initial) for file in (data if isinstance(data, list | tuple) else [data])]


class DataImportForm(BootstrapWidgetsMixin, forms.Form):
    files = _MultipleFileField(
        label=_("Files"),
        widget=_MultipleFileInput(attrs={"accept": ".csv,.zip"}),
        help_text=_("Several CSV files (partners.csv, items.csv, ...) or one zip of them."),
    )

    def clean_files(self):
        files = self.cleaned_data["files"]
        suffixes = {file.name.lower().rpartition(".")[2] for file in files}
        if suffixes - {"csv", "zip"}:
            raise forms.ValidationError(_("Upload .csv files, or one .zip of them."))
        if "zip" in suffixes and len(files) > 1:
            raise forms.ValidationError(_("Upload either CSV files or one zip of them, not both or several zips."))
        return files
