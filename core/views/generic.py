"""Generic list / detail / create / edit / delete screens (lists export to CSV and Excel) that every app reuses.

One `ObjectScreens(...)` per model gives its five URLs and their permission checks: the list and
detail need `view_<model>`, create `add_`, edit `change_`, delete `delete_`. Anonymous users are
sent to the login page; signed-in users without the permission get 403.

Records whose writes have rules are created and changed by services, not model forms: their screens
are `ServiceScreens` with "New" and "Edit" pages that are `ServiceFormView`s, and the buttons of their
detail pages are `Command`s posted to a `command_view`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST
from django_filters.views import FilterView
from django_tables2 import RequestConfig, SingleTableMixin, Table

from core.exports import EXPORTERS, table_rows
from core.formatting import trim_decimal
from core.forms import add_service_errors
from core.navigation import object_links_for


def run_service(request, action: Callable[[], object], success: str, back: str) -> HttpResponseRedirect:
    """Call a service from a button; its refusal becomes a message on the page, never an error page."""
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect(back)


class ModelPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    action = "view"
    model: type[models.Model]

    def get_permission_required(self):
        meta = self.model._meta
        return [f"{meta.app_label}.{self.action}_{meta.model_name}"]


def filtered_rows(view: FilterView) -> QuerySet:
    """A FilterView's rows as its page shows them: invalid filters show nothing rather than everything."""
    filterset = view.get_filterset(view.get_filterset_class())
    if not filterset.is_bound or filterset.is_valid() or not view.get_strict():
        return filterset.qs
    return filterset.queryset.none()


class TableExportMixin:
    """`?export=csv` or `?export=xlsx` on a django-tables2 list page: every row of the page's queryset (all
    pages, in the page's sort order) in the table's columns (less those `exclude_from_export`), as a file. A
    FilterView's filters apply: see ObjectListView."""

    export_title: Any = ""  # the file's name and the sheet's title; default: the model's plural name

    def get(self, request, *args, **kwargs):
        export = request.GET.get("export", "")
        if export not in EXPORTERS:
            return super().get(request, *args, **kwargs)
        title = str(self.export_title or self.model._meta.verbose_name_plural)
        rows = table_rows(self.get_export_table(), typed=export == "xlsx")
        return EXPORTERS[export](rows, slugify(title), capfirst(title))

    def get_export_table(self) -> Table:
        table = self.get_table_class()(self.get_export_queryset(), **self.get_table_kwargs())
        RequestConfig(self.request, paginate=False).configure(table)
        return table

    def get_export_queryset(self) -> QuerySet:
        return self.get_queryset()


class PageTableExportMixin(TableExportMixin):
    """TableExportMixin for a page (a report) that makes its one table in get_context_data, as `table`."""

    def get_export_table(self) -> Table:
        return self.get_context_data(**self.kwargs)["table"]


class ObjectListView(TableExportMixin, ModelPermissionMixin, SingleTableMixin, FilterView):
    template_name = "generic/object_list.html"
    screens: "ObjectScreens | None" = None

    def get_queryset(self) -> QuerySet:
        return self.screens.get_queryset()

    def get_template_names(self):
        # htmx filter/sort/page requests swap only the results.
        if self.request.htmx and not self.request.htmx.boosted:
            return ["generic/_object_list_results.html"]
        return [self.template_name]

    def get_export_queryset(self) -> QuerySet:
        return filtered_rows(self)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user))
        return context


class ObjectDetailView(ModelPermissionMixin, generic.DetailView):
    template_name = "generic/object_detail.html"
    screens: "ObjectScreens | None" = None

    def get_queryset(self) -> QuerySet:
        # The page shows every field: the records its foreign keys name come in the same query.
        return self.screens.get_queryset().select_related(*_foreign_keys(self.screens.model))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update(self.screens.context(self.request.user))
        context["fields"] = list(_display_fields(obj))
        context["related_tables"] = [
            (title, table_class(queryset_of(obj), orderable=False))
            for title, table_class, queryset_of in self.screens.related
        ]
        context["history"] = _history(obj)
        context["object_links"] = object_links_for(obj, self.request.user)
        return context


def _history(obj: models.Model, limit: int = 20) -> list[tuple[LogEntry, list[tuple[str, str, str]]]]:
    """The audit entries of a record with their changes to its own fields, as (label, old, new). The records a
    changed foreign key named are read in one query per model (auditlog's display reads one per change)."""
    labels = {str(f.verbose_name) for f in obj._meta.concrete_fields if not f.primary_key}
    keys = {f.name: f for f in obj._meta.concrete_fields if f.many_to_one or f.one_to_one}
    entries = list(LogEntry.objects.get_for_object(obj).select_related("actor", "content_type")[:limit])
    named = _records_named(entries, keys)
    history = []
    for entry in entries:
        changed_keys = {name: values for name, values in entry.changes_dict.items() if name in keys}
        entry.changes = {name: values for name, values in entry.changes_dict.items() if name not in keys}
        changes = [(label, old, new) for label, (old, new) in entry.changes_display_dict.items() if label in labels]
        for name, (old, new) in changed_keys.items():
            related = keys[name].related_model
            changes.append(
                (str(keys[name].verbose_name), named.get((related, old), old), named.get((related, new), new))
            )
        history.append((entry, changes))
    return history


def _records_named(entries: list[LogEntry], keys: dict[str, models.Field]) -> dict[tuple[type, str], str]:
    """{(model, pk as logged): str(record)} of the records the entries' changed foreign keys name."""
    wanted: dict[type, set] = {}
    for entry in entries:
        for name, values in entry.changes_dict.items():
            if name in keys:
                related = keys[name].related_model
                for value in values:
                    if value not in (None, "None"):
                        try:
                            wanted.setdefault(related, set()).add(related._meta.pk.to_python(value))
                        except ValidationError:  # a value logged as text, not a key: shown as it is
                            continue
    named = {}
    for model, pks in wanted.items():
        # What a record's name shows of its own foreign keys ("<item> <lot>") comes in the same query.
        records = model._default_manager.select_related(*_foreign_keys(model)).in_bulk(pks)
        named.update({(model, str(pk)): str(record) for pk, record in records.items()})
    return named


def _foreign_keys(model: type[models.Model]) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def _display_fields(obj: models.Model):
    """(label, value, url) of each concrete field, for the generic detail page."""
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or model_field.name in ("created_at", "updated_at"):
            continue
        if model_field.choices:
            value = getattr(obj, f"get_{model_field.name}_display")()
        else:
            value = getattr(obj, model_field.name)
        if isinstance(value, Decimal):
            value = trim_decimal(value)
        yield model_field.verbose_name, value, _page_of(value)


def _page_of(value: object) -> str | None:
    """The page of a related record, or None for one that has no page of its own (a setting, a rate)."""
    if not hasattr(value, "get_absolute_url"):
        return None
    try:
        return value.get_absolute_url()
    except NoReverseMatch:
        return None


class _ObjectEditMixin(ModelPermissionMixin):
    template_name = "generic/object_form.html"
    screens: "ObjectScreens | None" = None

    def get_form_class(self):
        return self.screens.form

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, _("Saved %(object)s.") % {"object": self.object})
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user))
        return context


class ObjectCreateView(_ObjectEditMixin, generic.CreateView):
    action = "add"

    def get_initial(self):
        # Prefill from the query string, e.g. a "new machine" link from a work center page.
        return {name: value for name, value in self.request.GET.items() if name in self.screens.form.base_fields}


class ObjectUpdateView(_ObjectEditMixin, generic.UpdateView):
    action = "change"

    def get_queryset(self) -> QuerySet:
        return self.screens.get_queryset()


class ObjectDeleteView(ModelPermissionMixin, generic.DeleteView):
    action = "delete"
    template_name = "generic/object_confirm_delete.html"
    screens: "ObjectScreens | None" = None

    def get_queryset(self) -> QuerySet:
        return self.screens.get_queryset()

    def get_success_url(self) -> str:
        return reverse(self.screens.url_name("list"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user))
        return context

    def form_valid(self, form):
        try:
            response = super().form_valid(form)
        except ProtectedError as exc:
            used_by = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
            messages.error(
                self.request,
                _("%(object)s cannot be deleted: it is used by %(used_by)s.")
                % {"object": self.object, "used_by": ", ".join(used_by)},
            )
            return HttpResponseRedirect(self.object.get_absolute_url())
        messages.success(self.request, _("Deleted %(object)s.") % {"object": self.object})
        return response


@dataclass
class ObjectScreens:
    """The screens of one model. `related` lists (title, table class, obj -> queryset) for the detail page."""

    model: type[models.Model]
    table: Any
    filterset: Any
    form: Any = None
    select_related: tuple[str, ...] = ()
    annotate: dict[str, Any] = field(default_factory=dict)
    related: list[tuple[str, Any, Any]] = field(default_factory=list)
    editable: bool = True
    detail_view: type = ObjectDetailView
    queryset: Callable[[], QuerySet] | None = None  # a selector's rows in place of the model's manager

    @property
    def meta(self):
        return self.model._meta

    @property
    def path_prefix(self) -> str:
        return slugify(self.meta.verbose_name_plural)

    @property
    def pk_path(self) -> str:
        # The pk's own converter, so a malformed id is a 404 rather than a query error.
        return "<uuid:pk>" if isinstance(self.meta.pk, models.UUIDField) else "<int:pk>"

    def url_name(self, action: str) -> str:
        return f"{self.meta.app_label}:{self.meta.model_name}_{action}"

    def get_queryset(self) -> QuerySet:
        if self.queryset is not None:
            return self.queryset()
        return self.model._default_manager.select_related(*self.select_related).annotate(**self.annotate)

    def context(self, user) -> dict[str, Any]:
        """What every generic template needs: titles, links and what this user may do."""
        meta = self.meta

        def may(action: str) -> bool:
            return self.editable and user.has_perm(f"{meta.app_label}.{action}_{meta.model_name}")

        return {
            "screens": self,
            "verbose_name": meta.verbose_name,
            "verbose_name_plural": meta.verbose_name_plural,
            "list_url": reverse(self.url_name("list")),
            "add_url": reverse(self.url_name("add")) if self.editable else "",
            "edit_url_name": self.url_name("edit"),
            "delete_url_name": self.url_name("delete"),
            "can_add": may("add"),
            "can_change": may("change"),
            "can_delete": may("delete"),
        }

    def urls(self) -> list[URLPattern]:
        name, prefix, pk = self.meta.model_name, self.path_prefix, self.pk_path
        view_kwargs = {"model": self.model, "screens": self}
        patterns = [
            path(
                f"{prefix}/",
                ObjectListView.as_view(table_class=self.table, filterset_class=self.filterset, **view_kwargs),
                name=f"{name}_list",
            ),
            path(f"{prefix}/{pk}/", self.detail_view.as_view(**view_kwargs), name=f"{name}_detail"),
        ]
        if self.editable:
            patterns += [
                path(f"{prefix}/add/", ObjectCreateView.as_view(**view_kwargs), name=f"{name}_add"),
                path(f"{prefix}/{pk}/edit/", ObjectUpdateView.as_view(**view_kwargs), name=f"{name}_edit"),
                path(f"{prefix}/{pk}/delete/", ObjectDeleteView.as_view(**view_kwargs), name=f"{name}_delete"),
            ]
        return patterns


# --- Records written by services: their "New" and "Edit" pages, and the buttons of their detail pages ----------


class ServiceFormView(ModelPermissionMixin, generic.FormView):
    """A "New" or "Edit" page whose form is handed to a service (a model form would bypass the service's rules).

    `save(form)` calls the service and returns the record, whose page comes next with `success_message`.
    The service's refusal lands on the form (`error_fields` maps the service's field names to the form's
    where they differ) and nothing is saved. An "Edit" page sets `action = "change"` and its `object`.
    """

    action = "add"  # the model permission the page needs
    template_name = "generic/object_form.html"
    model: type[models.Model] | None = None  # and `screens`: given by the screens whose page this is
    screens: "ObjectScreens | None" = None
    object: models.Model | None = None  # the record an "Edit" page changes
    error_fields: dict[str, str | None] = {}
    success_message = gettext_lazy("Saved %(object)s.")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.screens.context(self.request.user), object=self.object)
        return context

    def save(self, form) -> models.Model:
        raise NotImplementedError

    def get_success_message(self, record: models.Model) -> str:
        return self.success_message % {"object": record}

    def form_valid(self, form):
        try:
            with transaction.atomic():
                record = self.save(form)
        except ValidationError as exc:
            add_service_errors(form, exc, self.error_fields)
            return self.form_invalid(form)
        messages.success(self.request, self.get_success_message(record))
        return redirect(record)


class QueryPrefillMixin:
    """A "New" page whose link may prefill its form: the query string's values of the form's own fields
    (e.g. ?item=KT-200&quantity=200 from a sales order)."""

    def get_initial(self):
        return {name: value for name, value in self.request.GET.items() if name in self.form_class.base_fields}


class EditableStatesMixin:
    """An "Edit" page (with its `object`) opened only while the record's `state` is one of `editable_states`:
    otherwise back to the record's page with why."""

    editable_states: tuple[str, ...] | frozenset[str] = ()

    def get(self, request, *args, **kwargs):
        record = self.object
        if record.state not in self.editable_states:
            message = _("%(object)s is %(state)s: it can no longer be edited.") % {
                "object": record.number,
                "state": record.get_state_display().lower(),
            }
            messages.error(request, message)
            return redirect(record)
        return super().get(request, *args, **kwargs)


@dataclass
class ServiceScreens(ObjectScreens):
    """ObjectScreens of records that services create or change: their "New" and "Edit" pages are views of
    their own (`add_view`, `edit_view`, usually `ServiceFormView`s) in place of the model-form ones, shown to
    whoever has the add or change permission even when `editable` is False (which then keeps delete off)."""

    add_view: type | None = None
    edit_view: type | None = None

    def context(self, user) -> dict[str, Any]:
        context = super().context(user)
        meta = self.meta
        if self.add_view is not None:
            context.update(
                add_url=reverse(self.url_name("add")), can_add=user.has_perm(f"{meta.app_label}.add_{meta.model_name}")
            )
        if self.edit_view is not None:
            context["can_change"] = user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
        return context

    def urls(self) -> list[URLPattern]:
        name, prefix = self.meta.model_name, self.path_prefix
        pages = {
            f"{name}_add": (f"{prefix}/add/", self.add_view),
            f"{name}_edit": (f"{prefix}/{self.pk_path}/edit/", self.edit_view),
        }
        own = [
            path(route, view.as_view(model=self.model, screens=self), name=url_name)
            for url_name, (route, view) in pages.items()
            if view is not None
        ]
        replaced = {pattern.name for pattern in own}
        return [pattern for pattern in super().urls() if pattern.name not in replaced] + own


@dataclass(frozen=True)
class Command:
    """A button on a detail page: who may press it, when the record offers it, and the service it calls.

    `run(request, record)` calls the service. The message shown is `success` when given, else what `run`
    returns; a refusal (ValidationError) becomes an error message on the page and nothing is changed.
    """

    label: Any
    style: str
    permissions: tuple[str, ...]
    offered: Callable[..., bool]  # (record, *facts the page has read): is the button shown?
    run: Callable[[HttpRequest, Any], object]
    success: Any = ""


def commands_for(
    record: models.Model, user, commands: dict[str, Command], *facts: object
) -> list[tuple[str, Any, str]]:
    """(name, label, style) of the buttons this user sees for this record. `facts` the page has read already
    (a run under way, an open attendance) are passed on to each command's `offered`."""
    return [
        (name, command.label, command.style)
        for name, command in commands.items()
        if user.has_perms(command.permissions) and command.offered(record, *facts)
    ]


def command_view(model: type[models.Model], commands: dict[str, Command]) -> Callable[..., HttpResponse]:
    """The POST endpoint of a detail page's buttons, `<prefix>/<pk>/<command>/`: back to the record's page
    with the outcome as a message. Who may not view the records gets a 403 before anything is looked up, so
    the answer never tells whether a record exists; an unknown command is a 404."""
    view_permission = f"{model._meta.app_label}.view_{model._meta.model_name}"

    @login_required
    @permission_required(view_permission, raise_exception=True)
    @require_POST
    def view(request, pk, command):
        chosen = commands.get(command)
        if chosen is None:
            raise Http404(command)
        record = get_object_or_404(model, pk=pk)
        if not request.user.has_perms(chosen.permissions):
            messages.error(request, _("Your role cannot do this."))
            return redirect(record)
        try:
            with transaction.atomic():
                result = chosen.run(request, record)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, str(chosen.success) if chosen.success else result)
        return redirect(record)

    view.commands = commands  # what the page's buttons may post (tests walk them)
    return view
