"""The lead screens: the list (status, source, owner), a lead's page (its data, qualification, possible
duplicates, activities, and the buttons of its life), its new and edit pages (a new lead that looks like a
known company is made once the user confirms it), and the conversion page, which offers to merge the lead
into the matching existing account.

Every change of a lead is a call to crm.services.leads: a refusal is shown on the page and nothing is written.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from core.views.generic import ObjectDetailView, ServiceFormView, ServiceScreens
from crm.filtersets import leads as filtersets
from crm.forms import leads as forms
from crm.models import QUALIFICATION, Lead, LeadStatus
from crm.selectors.accounts import lead_timeline
from crm.selectors.duplicates import DuplicateQuery, duplicate_candidates, lead_duplicates, matching_accounts
from crm.services import leads as services
from crm.tables import leads as tables
from crm.views.accounts import TIMELINE_LENGTH, account_url, activity_forms_context, posted_form

LEAD_CHANGERS = ("crm.change_lead",)
# Conversion writes the contact (and, for a new account, the partner) as well as the lead.
CONVERTERS = ("crm.change_lead", "core.add_contact")


class LeadDetailView(ObjectDetailView):
    template_name = "crm/leads/lead_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lead, user = self.object, self.request.user
        works_it = lead.is_open and user.has_perms(LEAD_CHANGERS)
        context.update(
            qualification=[(label, getattr(lead, name)) for name, label in QUALIFICATION],
            duplicates=lead_duplicates(lead=lead) if lead.is_open else [],
            qualify_form=forms.QualifyForm(lead=lead) if works_it else None,
            disqualify_form=forms.DisqualifyForm() if works_it else None,
            can_convert=lead.is_open and user.has_perms(CONVERTERS),
            can_reopen=lead.status == LeadStatus.DISQUALIFIED and user.has_perms(LEAD_CHANGERS),
            can_change=context["can_change"] and lead.status != LeadStatus.CONVERTED,
            converted_account_url=account_url(lead.converted_account) if lead.converted_account_id else "",
            timeline=lead_timeline(lead=lead, limit=TIMELINE_LENGTH),
            **activity_forms_context(user, account=lead.converted_account, lead=lead),
        )
        return context


def _lead_values(form) -> dict[str, Any]:
    return {name: value for name, value in form.cleaned_data.items() if name != "duplicates_seen"}


class LeadCreateView(ServiceFormView):
    """A new lead. One that looks like a known partner, contact or lead is shown with them first, and made
    when the user ticks that it is a new one all the same."""

    form_class = forms.LeadForm
    template_name = "crm/leads/lead_form.html"
    duplicates: list = []

    def form_valid(self, form):
        data = form.cleaned_data
        if not data["duplicates_seen"]:
            query = DuplicateQuery(
                company_name=data["company_name"],
                email=data["email"],
                vat_number=data["vat_number"],
                contact_name=data["contact_name"],
            )
            self.duplicates = duplicate_candidates(query=query)
            if self.duplicates:
                form.show_duplicates_seen()
                return self.render_to_response(self.get_context_data(form=form, duplicates=self.duplicates))
        return super().form_valid(form)

    def save(self, form) -> Lead:
        return services.lead_create(**_lead_values(form), user=self.request.user)


class LeadUpdateView(ServiceFormView):
    action = "change"
    form_class = forms.LeadForm

    @cached_property
    def object(self) -> Lead:  # looked up after the sign-in and permission checks
        return get_object_or_404(Lead.objects.select_related("owner", "converted_account"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.object}

    def save(self, form) -> Lead:
        return services.lead_update(lead=self.object, **_lead_values(form), user=self.request.user)


def _lead(pk: int) -> Lead:
    return get_object_or_404(Lead, pk=pk)


@login_required
@permission_required(LEAD_CHANGERS, raise_exception=True)
@require_POST
def lead_qualify(request, pk):
    lead = _lead(pk)
    return posted_form(
        request,
        forms.QualifyForm(request.POST),
        lead.get_absolute_url(),
        lambda data: services.lead_qualify(lead=lead, **data, user=request.user),
        _("Qualified."),
    )


@login_required
@permission_required(LEAD_CHANGERS, raise_exception=True)
@require_POST
def lead_disqualify(request, pk):
    lead = _lead(pk)
    return posted_form(
        request,
        forms.DisqualifyForm(request.POST),
        lead.get_absolute_url(),
        lambda data: services.lead_disqualify(lead=lead, reason=data["reason"], user=request.user),
        _("Disqualified."),
    )


@login_required
@permission_required(LEAD_CHANGERS, raise_exception=True)
@require_POST
def lead_reopen(request, pk):
    lead = _lead(pk)
    try:
        services.lead_reopen(lead=lead, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Reopened: the lead is worked again."))
    return redirect(lead)


class LeadConvertView(LoginRequiredMixin, PermissionRequiredMixin, generic.FormView):
    """Convert a lead: into the matching account it turned out to be (offered first), another existing one, or
    a new one; with a contact for its person and, when ticked, an opportunity."""

    template_name = "crm/leads/lead_convert.html"
    form_class = forms.ConvertForm
    permission_required = CONVERTERS

    @cached_property
    def lead(self) -> Lead:  # looked up after the sign-in and permission checks
        return get_object_or_404(Lead.objects.select_related("owner"), pk=self.kwargs["pk"])

    @cached_property
    def duplicates(self) -> list:
        return lead_duplicates(lead=self.lead)

    def get(self, request, *args, **kwargs):
        if not self.lead.is_open:
            messages.error(
                request,
                _("%(lead)s is %(status)s.")
                % {"lead": self.lead.number, "status": self.lead.get_status_display().lower()},
            )
            return redirect(self.lead)
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "lead": self.lead, "matches": matching_accounts(self.duplicates)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            lead=self.lead,
            duplicates=self.duplicates,
            new_account_fields=list(forms.NEW_ACCOUNT_FIELDS),
            opportunity_fields=["create_opportunity", *forms.OPPORTUNITY_FIELDS],
        )
        return context

    def form_valid(self, form):
        account = form.existing_account()
        if account is None and not self.request.user.has_perm("core.add_partner"):
            form.add_error("target", _("Your role cannot make a new account: choose an existing one."))
            return self.form_invalid(form)
        data = form.cleaned_data
        try:
            with transaction.atomic():
                conversion = services.lead_convert(
                    lead=self.lead,
                    account=account,
                    new_account=None if account is not None else form.new_account(),
                    create_opportunity=data["create_opportunity"],
                    opportunity=form.opportunity() if data["create_opportunity"] else None,
                    user=self.request.user,
                )
        except ValidationError as exc:
            add_service_errors(form, exc, form.error_fields())
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(lead)s is converted into %(account)s.") % {"lead": self.lead.number, "account": conversion.account},
        )
        return redirect(reverse("crm:account_detail", args=[conversion.account.pk]))


SCREENS = ServiceScreens(
    model=Lead,
    table=tables.LeadTable,
    filterset=filtersets.LeadFilterSet,
    editable=False,
    select_related=("owner", "converted_account"),
    detail_view=LeadDetailView,
    add_view=LeadCreateView,
    edit_view=LeadUpdateView,
)

urlpatterns = [
    *SCREENS.urls(),
    path("leads/<int:pk>/qualify/", lead_qualify, name="lead_qualify"),
    path("leads/<int:pk>/disqualify/", lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/reopen/", lead_reopen, name="lead_reopen"),
    path("leads/<int:pk>/convert/", LeadConvertView.as_view(), name="lead_convert"),
]
