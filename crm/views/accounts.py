"""The accounts screens: the customer accounts list and an account's page (its data and terms, parent and
child accounts, contacts, addresses, price lists, open sales orders, credit exposure, opportunities and the
activity timeline), the forms that add and change its contacts and addresses, activities logged and tasks
planned (on an account, a lead or an opportunity), each salesperson's open tasks, and the activity list.

Every write is a call to a service of crm.services: a refusal is shown on the page and nothing is written.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import generic
from django.views.decorators.http import require_POST

from core.forms import add_service_errors, form_errors_message
from core.models import Contact, Partner, PartnerAddress
from core.views.generic import ObjectDetailView, ObjectListView, ObjectScreens, ServiceFormView, ServiceScreens
from crm.filtersets import accounts as filtersets
from crm.forms import accounts as forms
from crm.models import Activity, Lead, Opportunity, OpportunityState
from crm.selectors.accounts import (
    CUSTOMER_KINDS,
    OVERDUE,
    WHEN,
    account_addresses,
    account_contacts,
    account_credit,
    account_open_orders,
    account_price_lists,
    account_timeline,
    accounts_listed,
    my_open_tasks,
)
from crm.services import accounts as services
from crm.services import activities as activity_services
from crm.tables import accounts as tables

# The accounts area is CRM's view of the customers: CRM's roles open it (the office reads, sales works it).
ACCOUNT_VIEWERS = ("crm.view_activity",)
CONTACT_ADDERS = ("core.add_contact",)
CONTACT_CHANGERS = ("core.change_contact",)
ADDRESS_ADDERS = ("core.add_partneraddress",)
ADDRESS_CHANGERS = ("core.change_partneraddress",)
ACTIVITY_WRITERS = ("crm.add_activity",)
ACTIVITY_CHANGERS = ("crm.change_activity",)
TIMELINE_LENGTH = 50


def _back(request: HttpRequest, default: str) -> str:
    """Where a form posted from a page returns to: that page (`next`, this site's only), else `default`."""
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return back
    return default


def posted_form(
    request: HttpRequest, form, back: str, save: Callable[[dict[str, Any]], object], success: str
) -> HttpResponse:
    """A form posted from a page that shows it: its errors or the service's refusal as a message there."""
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    try:
        with transaction.atomic():
            save(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(back)


def _customers() -> QuerySet[Partner]:
    return Partner.objects.filter(kind__in=CUSTOMER_KINDS)


def account_url(account: Partner) -> str:
    return reverse("crm:account_detail", args=[account.pk])


# --- The accounts list and an account's page -------------------------------------------------------------------


@dataclass
class AccountScreens(ObjectScreens):
    """The list screen of the customer partners, as CRM's accounts: a new one is made in the partners' master
    data (as a customer), the rest of an account on its page here."""

    def url_name(self, action: str) -> str:
        return f"crm:account_{action}"

    def get_queryset(self) -> QuerySet:
        return accounts_listed()

    def context(self, user) -> dict[str, Any]:
        return {
            "screens": self,
            "verbose_name": _("account"),
            "verbose_name_plural": _("accounts"),
            "list_url": reverse("crm:account_list"),
            "add_url": reverse("core:partner_add") + "?kind=customer",
            "can_add": user.has_perm("core.add_partner"),
            "can_change": False,
            "can_delete": False,
        }


ACCOUNTS = AccountScreens(
    model=Partner, table=tables.AccountTable, filterset=filtersets.AccountFilterSet, editable=False
)


class AccountListView(ObjectListView):
    def get_permission_required(self):
        return ACCOUNT_VIEWERS


class AccountDetailView(LoginRequiredMixin, PermissionRequiredMixin, generic.DetailView):
    """An account with everything sales needs on one page; the forms of what the user may add."""

    template_name = "crm/accounts/account_detail.html"
    context_object_name = "account"
    permission_required = ACCOUNT_VIEWERS

    def get_queryset(self) -> QuerySet[Partner]:
        return _customers().select_related("parent", "currency")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        account, user = self.object, self.request.user
        sees_orders = user.has_perm("erp.view_salesorder")
        context.update(
            children=account.children.select_related("currency").order_by("code"),
            contacts=account_contacts(account=account),
            addresses=account_addresses(account=account),
            price_lists=account_price_lists(account=account) if user.has_perm("erp.view_pricelist") else None,
            open_orders=account_open_orders(account=account) if sees_orders else None,
            credit=account_credit(account=account) if sees_orders else None,
            opportunities=(
                account.opportunities.filter(state=OpportunityState.OPEN).select_related("stage", "currency", "owner")
                if user.has_perm("crm.view_opportunity")
                else None
            ),
            leads=account.converted_leads.order_by("-converted_at") if user.has_perm("crm.view_lead") else None,
            timeline=account_timeline(account=account, limit=TIMELINE_LENGTH),
            timeline_length=TIMELINE_LENGTH,
            can_edit_account=user.has_perm("core.change_partner"),
            contact_form=forms.ContactForm(prefix="contact") if user.has_perms(CONTACT_ADDERS) else None,
            can_change_contacts=user.has_perms(CONTACT_CHANGERS),
            address_form=forms.AddressForm(prefix="address") if user.has_perms(ADDRESS_ADDERS) else None,
            can_change_addresses=user.has_perms(ADDRESS_CHANGERS),
            **activity_forms_context(user, account=account),
        )
        return context


def activity_forms_context(user, *, account: Partner | None = None, **subject: Any) -> dict[str, Any]:
    """The log and task forms of a page that shows a timeline, with the hidden fields naming what they are for
    (`account`, `lead` or `opportunity`): for the pages of accounts, leads and opportunities alike."""
    if not user.has_perms(ACTIVITY_WRITERS):
        return {"log_form": None, "task_form": None}
    subject = {name: record for name, record in {"account": account, **subject}.items() if record is not None}
    return {
        "log_form": forms.ActivityLogForm(prefix="log", account=account),
        "task_form": forms.TaskForm(prefix="task", account=account, user=user),
        "activity_subject": [(name, record.pk) for name, record in subject.items()],
    }


# --- Contacts and addresses ---------------------------------------------------------------------------------


def _account(pk: int) -> Partner:
    return get_object_or_404(_customers(), pk=pk)


@login_required
@permission_required(CONTACT_ADDERS, raise_exception=True)
@require_POST
def contact_add(request, pk):
    account = _account(pk)
    return posted_form(
        request,
        forms.ContactForm(request.POST, prefix="contact"),
        account_url(account),
        lambda data: services.contact_create(account=account, user=request.user, **data),
        _("Contact added."),
    )


@login_required
@permission_required(ADDRESS_ADDERS, raise_exception=True)
@require_POST
def address_add(request, pk):
    account = _account(pk)
    return posted_form(
        request,
        forms.AddressForm(request.POST, prefix="address"),
        account_url(account),
        lambda data: services.address_create(account=account, user=request.user, **data),
        _("Address added."),
    )


class _AccountPartEditView(LoginRequiredMixin, PermissionRequiredMixin, generic.FormView):
    """The page that changes one contact or address of an account; the service's refusal lands on the form."""

    template_name = "crm/accounts/part_form.html"
    model: type[models.Model]
    lookup: str

    @cached_property
    def object(self) -> Any:  # looked up after the sign-in and permission checks
        return get_object_or_404(
            self.model.objects.select_related("partner").filter(partner__in=_customers()),
            pk=self.kwargs[self.lookup],
            partner_id=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(object=self.object, account=self.object.partner, what=self.model._meta.verbose_name)
        return context

    def update(self, data: dict[str, Any]) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.update(form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Saved %(object)s.") % {"object": self.object})
        return redirect(account_url(self.object.partner))


class ContactEditView(_AccountPartEditView):
    model = Contact
    lookup = "contact_pk"
    form_class = forms.ContactForm
    permission_required = CONTACT_CHANGERS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "contact": self.object}

    def update(self, data):
        services.contact_update(contact=self.object, **data)


class AddressEditView(_AccountPartEditView):
    model = PartnerAddress
    lookup = "address_pk"
    form_class = forms.AddressForm
    permission_required = ADDRESS_CHANGERS

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "address": self.object}

    def update(self, data):
        services.address_update(address=self.object, **data)


# --- Activities ---------------------------------------------------------------------------------------------


def _subject(request: HttpRequest) -> dict[str, Any]:
    """What a posted activity is for, from the form's hidden fields: account, lead and/or opportunity."""
    subject: dict[str, Any] = {}
    for name, queryset in (("account", _customers()), ("lead", Lead.objects), ("opportunity", Opportunity.objects)):
        pk = request.POST.get(name, "")
        if pk and not pk.isdigit():
            raise Http404
        if pk:
            subject[name] = get_object_or_404(queryset, pk=pk)
    return subject


def _subject_url(subject: dict[str, Any]) -> str:
    """The page of what an activity is for: the lead's or opportunity's it was logged on, else the account's."""
    if subject.get("lead") is not None:
        return subject["lead"].get_absolute_url()
    if subject.get("opportunity") is not None:
        return subject["opportunity"].get_absolute_url()
    if subject.get("account") is not None:
        return account_url(subject["account"])
    return reverse("crm:activity_list")


def _subject_account(subject: dict[str, Any]) -> Partner | None:
    """The account whose contacts the form offers."""
    if subject.get("account") is not None:
        return subject["account"]
    if subject.get("opportunity") is not None:
        return subject["opportunity"].account
    lead = subject.get("lead")
    return lead.converted_account if lead is not None else None


def _post_for_subject(request, form_class: type, prefix: str, service: Callable[..., Any], success: str):
    """A posted form about the activity's subject (account, opportunity or lead), handed to `service`."""
    subject = _subject(request)
    form = form_class(request.POST, prefix=prefix, account=_subject_account(subject))
    return posted_form(
        request,
        form,
        _back(request, _subject_url(subject)),
        lambda data: service(**subject, **data, user=request.user),
        success,
    )


@login_required
@permission_required(ACTIVITY_WRITERS, raise_exception=True)
@require_POST
def activity_log(request):
    return _post_for_subject(request, forms.ActivityLogForm, "log", activity_services.activity_log, _("Logged."))


@login_required
@permission_required(ACTIVITY_WRITERS, raise_exception=True)
@require_POST
def task_add(request):
    return _post_for_subject(request, forms.TaskForm, "task", activity_services.task_create, _("Task planned."))


@login_required
@permission_required(ACTIVITY_CHANGERS, raise_exception=True)
@require_POST
def task_complete(request, pk):
    task = get_object_or_404(Activity, pk=pk)
    back = _back(request, task.get_absolute_url())
    try:
        activity_services.task_complete(task=task, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Done: %(task)s.") % {"task": task.subject})
    return redirect(back)


class MyTasksView(LoginRequiredMixin, PermissionRequiredMixin, generic.TemplateView):
    """The signed-in user's open tasks, the most urgent first, the overdue ones marked."""

    template_name = "crm/accounts/my_tasks.html"
    permission_required = ("crm.view_activity",)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        tasks = list(my_open_tasks(user=self.request.user))
        context.update(
            tasks=tasks,
            overdue=sum(task.overdue for task in tasks),
            can_complete=self.request.user.has_perms(ACTIVITY_CHANGERS),
        )
        return context


class ActivityDetailView(ObjectDetailView):
    template_name = "crm/accounts/activity_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_complete"] = self.object.is_open_task and self.request.user.has_perms(ACTIVITY_CHANGERS)
        context["account_page"] = account_url(self.object.account) if self.object.account_id else ""
        context["overdue"] = self.object.is_open_task and self.object.due_at < timezone.now()
        return context


class ActivityUpdateView(ServiceFormView):
    action = "change"
    form_class = forms.ActivityEditForm

    @cached_property
    def object(self) -> Activity:  # looked up after the sign-in and permission checks
        return get_object_or_404(Activity.objects.select_related("account", "owner", "contact"), pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "activity": self.object}

    def save(self, form) -> Activity:
        return activity_services.activity_update(activity=self.object, **form.cleaned_data)


ACTIVITIES = ServiceScreens(
    model=Activity,
    table=tables.ActivityTable,
    filterset=filtersets.ActivityFilterSet,
    editable=False,
    select_related=("account", "lead", "opportunity", "owner", "contact"),
    annotate={"when_at": WHEN, "overdue": OVERDUE},
    detail_view=ActivityDetailView,
    edit_view=ActivityUpdateView,
)

urlpatterns = [
    path(
        "accounts/",
        AccountListView.as_view(
            model=Partner,
            screens=ACCOUNTS,
            table_class=tables.AccountTable,
            filterset_class=filtersets.AccountFilterSet,
        ),
        name="account_list",
    ),
    path("accounts/<int:pk>/", AccountDetailView.as_view(), name="account_detail"),
    path("accounts/<int:pk>/contacts/add/", contact_add, name="account_contact_add"),
    path("accounts/<int:pk>/contacts/<int:contact_pk>/edit/", ContactEditView.as_view(), name="account_contact_edit"),
    path("accounts/<int:pk>/addresses/add/", address_add, name="account_address_add"),
    path("accounts/<int:pk>/addresses/<int:address_pk>/edit/", AddressEditView.as_view(), name="account_address_edit"),
    path("tasks/", MyTasksView.as_view(), name="my_tasks"),
    path("activities/log/", activity_log, name="activity_log"),
    path("activities/tasks/add/", task_add, name="task_add"),
    path("activities/<int:pk>/complete/", task_complete, name="activity_complete"),
    *ACTIVITIES.urls(),
]
