from django.contrib.auth.mixins import LoginRequiredMixin
from django.views import generic

from core.models import TaskRun
from core.selectors.dashboard import home_tiles, recent_task_runs
from core.views.generic import ModelPermissionMixin, ObjectDetailView

# htmx stops polling when a response has this status.
HTMX_STOP_POLLING = 286


class HomeView(LoginRequiredMixin, generic.TemplateView):
    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["tiles"] = home_tiles(user=user)
        context["task_runs"] = recent_task_runs(user=user)
        context["roles"] = [group.name for group in user.groups.all()]
        return context


class TaskRunDetailView(ObjectDetailView):
    template_name = "core/taskrun_detail.html"


class TaskRunProgressView(ModelPermissionMixin, generic.DetailView):
    """The progress bar partial, polled by htmx until the run has finished."""

    model = TaskRun
    template_name = "core/_taskrun_progress.html"
    context_object_name = "run"

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if self.object.is_finished:
            response.status_code = HTMX_STOP_POLLING
        return response
