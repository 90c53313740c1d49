"""The browser import of docs/import.md: an administrator uploads the files, a worker imports them."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import redirect
from django.views import generic

from core.forms import DataImportForm
from core.services.dataio import ImportFileError, file_handlers, import_start

# A permission of its own (on TaskRun), held by the admin role and superusers only: managing items
# is not enough, since an import rewrites partners, work centers and BOMs too.
IMPORT_PERMISSION = "core.import_data"


class DataImportView(LoginRequiredMixin, PermissionRequiredMixin, generic.FormView):
    """Upload CSV files (or one zip); the import runs as a background run whose page shows its progress."""

    permission_required = IMPORT_PERMISSION
    template_name = "core/import.html"
    form_class = DataImportForm

    def form_valid(self, form):
        try:
            run = import_start(files=form.cleaned_data["files"], user=self.request.user)
        except ImportFileError as exc:
            form.add_error("files", str(exc))
            return self.form_invalid(form)
        return redirect(run)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["handlers"] = file_handlers()
        return context
