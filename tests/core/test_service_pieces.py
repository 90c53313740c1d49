"""The generic pieces for records written by services: ServiceScreens' own "New" and "Edit" pages, the
command buttons, a service's refusal onto a form, and the API's strict input."""

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from core.api.serializers import StrictInputMixin
from core.forms import add_service_errors, form_errors_message
from core.views.generic import Command, ObjectDetailView, ServiceFormView, ServiceScreens, commands_for
from erp.filtersets.people import AttendanceFilterSet
from erp.models import Attendance
from erp.tables.people import AttendanceTable
from plm.api.serializers import StrictInputMixin as PlmStrictInputMixin


class _AddView(ServiceFormView):
    pass


class _EditView(ServiceFormView):
    action = "change"


def _screens(**options) -> ServiceScreens:
    return ServiceScreens(model=Attendance, table=AttendanceTable, filterset=AttendanceFilterSet, **options)


def _views(screens: ServiceScreens) -> dict[str, type]:
    return {pattern.name: pattern.callback.view_class for pattern in screens.urls()}


def test_own_add_and_edit_pages_replace_the_model_form_ones_and_delete_stays():
    views = _views(_screens(add_view=_AddView, edit_view=_EditView))
    assert views["attendance_add"] is _AddView and views["attendance_edit"] is _EditView
    assert views["attendance_detail"] is ObjectDetailView and "attendance_delete" in views


def test_read_only_screens_offer_only_their_own_pages():
    views = _views(_screens(editable=False, add_view=_AddView))
    assert set(views) == {"attendance_list", "attendance_detail", "attendance_add"}


class _Form(forms.Form):
    quantity = forms.DecimalField(label="Quantity")
    counted = forms.DecimalField(label="Counted", required=False)


def test_a_refusal_lands_on_the_fields_it_names_or_above_the_form():
    form = _Form({"quantity": "1"})
    assert form.is_valid()
    add_service_errors(
        form,
        ValidationError({"quantity": "Too many.", "at": "Closed.", "lot": "Unknown."}),
        {"at": "counted"},
    )
    assert form.errors == {"quantity": ["Too many."], "counted": ["Closed."], "__all__": ["Unknown."]}


def test_form_errors_read_as_one_line():
    form = _Form({"quantity": "x"})
    assert not form.is_valid()
    assert form_errors_message(form) == "Quantity: Enter a number."


class _Clerk:
    def has_perms(self, permissions) -> bool:
        return set(permissions) <= {"erp.change_attendance"}


def test_buttons_need_the_permission_and_the_record_and_facts_offering_them():
    user = _Clerk()
    commands = {
        "close": Command("Close", "primary", ("erp.change_attendance",), lambda record, is_open: is_open, print),
        "purge": Command("Purge", "danger", ("erp.delete_attendance",), lambda record, is_open: True, print),
    }
    assert commands_for(None, user, commands, True) == [("close", "Close", "primary")]
    assert commands_for(None, user, commands, False) == []


class _Input(StrictInputMixin, serializers.Serializer):
    quantity = serializers.IntegerField()
    state = serializers.CharField(read_only=True)


def test_strict_input_refuses_what_it_does_not_write_but_the_browsable_apis_token():
    assert _Input(data={"quantity": 1, "csrfmiddlewaretoken": "x"}).is_valid()
    serializer = _Input(data={"quantity": 1, "state": "released", "colour": "red"})
    assert not serializer.is_valid()
    assert {name: error.code for name, error in serializer.errors.items()} == {
        "colour": "read_only",
        "state": "read_only",
    }


def test_an_app_may_say_where_a_read_only_field_changes_instead():
    class _PlmInput(PlmStrictInputMixin, serializers.Serializer):
        note = serializers.CharField()

    serializer = _PlmInput(data={"note": "n", "state": "released"})
    assert not serializer.is_valid()
    assert "change order commands" in serializer.errors["state"]
