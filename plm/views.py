"""Engineering screens: an item's BOM and routing, revisions under change control, ECOs, attachments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.http import require_POST

from core.forms import form_errors_message
from core.models import Item
from core.views.generic import ModelPermissionMixin, ObjectDetailView, run_service
from plm import forms, models
from plm.choices import ApprovalRole, EcoState
from plm.selectors.boms import bom_diff, bom_explode, routing_diff, where_used
from plm.selectors.revisions import effective_bom, effective_revision, effective_routing
from plm.services import attachments, changes, revisions


def _attachments_context(request, obj) -> dict:
    content_type = ContentType.objects.get_for_model(obj)
    return {
        "attachments": models.Attachment.objects.filter(content_type=content_type, object_id=obj.pk),
        "attachment_form": forms.AttachmentForm(),
        "attachment_upload_url": reverse("plm:attachment_upload", args=[content_type.pk, obj.pk]),
        "can_attach": request.user.has_perm("plm.add_attachment"),
    }


class ItemEngineeringView(ModelPermissionMixin, generic.DetailView):
    """An item's effective BOM (exploded), routing, revisions and where-used, on a chosen date."""

    model = Item
    template_name = "plm/item_engineering.html"

    def get_permission_required(self):
        return ["core.view_item", "plm.view_bomrevision", "plm.view_routingrevision"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        date_form = forms.DateForm(self.request.GET or None)
        day = (date_form.is_valid() and date_form.cleaned_data["date"]) or timezone.localdate()
        routing = effective_routing(item=item, on=day)
        context.update(
            day=day,
            date_form=date_form,
            bom=effective_bom(item=item, on=day),
            explosion=bom_explode(item=item, on=day),
            routing=routing,
            operations=routing.operations.select_related("work_center") if routing else [],
            bom_revisions=item.bom_revisions.select_related("eco").order_by("-revision"),
            routing_revisions=item.routing_revisions.select_related("eco").order_by("-revision"),
            used_in=where_used(item=item, on=day, indented=True),
            **_attachments_context(self.request, item),
        )
        return context


class RevisionDetailView(ObjectDetailView):
    """A BOM or routing revision; drafts can be edited here by who may change them."""

    template_name = "plm/revision_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        revision = self.object
        is_bom = isinstance(revision, models.BomRevision)
        context.update(
            is_bom=is_bom,
            rows=(
                revision.lines.select_related("component", "uom")
                if is_bom
                else revision.operations.select_related("work_center")
            ),
            editable=revision.is_editable
            and self.request.user.has_perm(f"plm.change_{'bomrevision' if is_bom else 'routingrevision'}"),
            add_form=forms.BomLineForm() if is_bom else forms.RoutingOperationForm(),
            kind="bom" if is_bom else "routing",
            previous=_previous(revision),
            **_attachments_context(self.request, revision),
        )
        return context


def _previous(revision):
    """What a revision is compared with: the one effective on its ECO's date, else the one before it."""
    model = type(revision)
    if revision.eco_id and revision.state != "released":
        current = effective_revision(model, item=revision.item, on=revision.eco.effective_date)
        if current:
            return current
    return model.objects.filter(item=revision.item, revision__lt=revision.revision).order_by("-revision").first()


class RevisionDiffView(ModelPermissionMixin, generic.DetailView):
    template_name = "plm/revision_diff.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        new = self.object
        model = type(new)
        against = self.request.GET.get("against")
        old = get_object_or_404(model, pk=against, item=new.item) if against and against.isdigit() else _previous(new)
        is_bom = model is models.BomRevision
        context.update(
            old=old,
            rows=(bom_diff if is_bom else routing_diff)(old=old, new=new),
            is_bom=is_bom,
            others=model.objects.filter(item=new.item).exclude(pk=new.pk).order_by("-revision"),
        )
        return context


LINE_PERMISSION = "plm.change_bomrevision"
OPERATION_PERMISSION = "plm.change_routingrevision"


@login_required
@permission_required(LINE_PERMISSION, raise_exception=True)
@require_POST
def bom_line_add(request, pk):
    bom = get_object_or_404(models.BomRevision, pk=pk)
    form = forms.BomLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(bom)
    data = {k: v for k, v in form.cleaned_data.items() if v is not None}
    return run_service(
        request, lambda: revisions.bom_line_add(bom=bom, **data), _("Line added."), bom.get_absolute_url()
    )


@login_required
@permission_required(LINE_PERMISSION, raise_exception=True)
@require_POST
def bom_line_update(request, pk, line_pk):
    line = get_object_or_404(models.BomLine, pk=line_pk, bom_id=pk)
    form = forms.BomLineForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(line.bom)
    data = {k: v for k, v in form.cleaned_data.items() if v is not None}
    return run_service(
        request, lambda: revisions.bom_line_update(line=line, **data), _("Line saved."), line.bom.get_absolute_url()
    )


@login_required
@permission_required(LINE_PERMISSION, raise_exception=True)
@require_POST
def bom_line_remove(request, pk, line_pk):
    line = get_object_or_404(models.BomLine, pk=line_pk, bom_id=pk)
    return run_service(
        request, lambda: revisions.bom_line_remove(line=line), _("Line removed."), line.bom.get_absolute_url()
    )


@login_required
@permission_required(OPERATION_PERMISSION, raise_exception=True)
@require_POST
def routing_operation_add(request, pk):
    routing = get_object_or_404(models.RoutingRevision, pk=pk)
    form = forms.RoutingOperationForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(routing)
    data = {k: v for k, v in form.cleaned_data.items() if v is not None}
    return run_service(
        request,
        lambda: revisions.routing_operation_add(routing=routing, **data),
        _("Operation added."),
        routing.get_absolute_url(),
    )


@login_required
@permission_required(OPERATION_PERMISSION, raise_exception=True)
@require_POST
def routing_operation_remove(request, pk, operation_pk):
    operation = get_object_or_404(models.RoutingOperation, pk=operation_pk, routing_id=pk)
    return run_service(
        request,
        lambda: revisions.routing_operation_remove(operation=operation),
        _("Operation removed."),
        operation.routing.get_absolute_url(),
    )


class EcoCreateView(ModelPermissionMixin, generic.FormView):
    model = models.EngineeringChangeOrder
    action = "add"
    form_class = forms.EcoForm
    template_name = "generic/object_form.html"

    def form_valid(self, form):
        try:
            eco = changes.eco_create(user=self.request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Created %(eco)s.") % {"eco": eco})
        return redirect(eco)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            verbose_name=_("engineering change order"),
            verbose_name_plural=_("engineering change orders"),
            list_url=reverse("plm:engineeringchangeorder_list"),
        )
        return context


class EcoDetailView(ObjectDetailView):
    template_name = "plm/eco_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        eco = self.object
        user = self.request.user
        approvals = {a.role: a for a in eco.approvals.select_related("decided_by")}
        my_roles = set(user.groups.values_list("name", flat=True))
        context.update(
            bom_proposals=eco.bom_revisions.select_related("item"),
            routing_proposals=eco.routing_revisions.select_related("item"),
            review_rows=[(label, approvals.get(role)) for role, label in ApprovalRole.choices],
            decidable_roles=[(role, label) for role, label in ApprovalRole.choices if role in my_roles],
            can_manage=user.has_perm("plm.change_engineeringchangeorder"),
            propose_form=forms.ProposeForm(),
            decision_form=forms.DecisionForm(),
            states=EcoState,
            **_attachments_context(self.request, eco),
        )
        return context


ECO_COMMANDS = {
    "submit": (changes.eco_submit, "plm.change_engineeringchangeorder", gettext_lazy("Submitted for review.")),
    "release": (changes.eco_release, "plm.change_engineeringchangeorder", gettext_lazy("Released.")),
    "reopen": (changes.eco_reopen, "plm.change_engineeringchangeorder", gettext_lazy("Reopened for rework.")),
    "cancel": (changes.eco_cancel, "plm.change_engineeringchangeorder", gettext_lazy("Cancelled.")),
}


@login_required
@permission_required("plm.view_engineeringchangeorder", raise_exception=True)
@require_POST
def eco_command(request, pk, command):
    eco = get_object_or_404(models.EngineeringChangeOrder, pk=pk)
    if command == "propose":
        return _eco_propose(request, eco)
    if command == "decide":
        return _eco_decide(request, eco)
    if command not in ECO_COMMANDS:
        return redirect(eco)
    service, permission, success = ECO_COMMANDS[command]
    if not request.user.has_perm(permission):
        messages.error(request, _("Your role cannot do this."))
        return redirect(eco)
    return run_service(request, lambda: service(eco=eco, user=request.user), success, eco.get_absolute_url())


def _eco_propose(request, eco):
    form = forms.ProposeForm(request.POST)
    if not request.user.has_perm("plm.change_engineeringchangeorder"):
        messages.error(request, _("Your role cannot do this."))
    elif not form.is_valid():
        messages.error(request, form_errors_message(form))
    else:
        propose = changes.eco_propose_bom if form.cleaned_data["kind"] == "bom" else changes.eco_propose_routing
        try:
            revision = propose(eco=eco, item=form.cleaned_data["item"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            message = _("Drafted %(revision)s: edit it, then submit the change.") % {"revision": revision}
            messages.success(request, message)
            return redirect(revision)
    return redirect(eco)


def _eco_decide(request, eco):
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(eco)
    return run_service(
        request,
        lambda: changes.eco_decide(eco=eco, user=request.user, **form.cleaned_data),
        _("Decision recorded."),
        eco.get_absolute_url(),
    )


@login_required
@permission_required("plm.add_attachment", raise_exception=True)
@require_POST
def attachment_upload(request, content_type_id, object_id):
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    target = get_object_or_404(content_type.model_class(), pk=object_id)
    back = request.POST.get("next") or target.get_absolute_url()
    form = forms.AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_errors_message(form))
        return redirect(back)
    return run_service(
        request,
        lambda: attachments.attachment_add(
            target=target,
            upload=form.cleaned_data["file"],
            user=request.user,
            description=form.cleaned_data["description"],
        ),
        _("Attached."),
        back,
    )


@login_required
@permission_required("plm.view_attachment", raise_exception=True)
def attachment_download(request, pk):
    return attachment_file_response(get_object_or_404(models.Attachment, pk=pk))


def attachment_file_response(attachment: models.Attachment) -> FileResponse:
    """Always a download, never rendered by the browser: an uploaded file cannot act as a page."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
