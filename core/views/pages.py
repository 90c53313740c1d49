from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.views import generic

from core.dashboards import chart_specs, dashboard_roles, panels_for
from core.models import TaskRun
from core.roles import Role
from core.selectors.dashboard import home_tiles, recent_task_runs
from core.views.generic import ModelPermissionMixin, ObjectDetailView

# htmx stops polling when a response has this status.
HTMX_STOP_POLLING = 286


class HomeView(LoginRequiredMixin, generic.TemplateView):
    """The dashboard of one of the user's roles (?role=, else their first): its panels' figures and charts,
    with a tab per other role they hold. Without a role that has panels, the master data's counts."""

    template_name = "core/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        roles = dashboard_roles(user)
        asked = self.request.GET.get("role")
        role = Role(asked) if asked in roles else (roles[0] if roles else None)
        panels = []
        for panel in panels_for(user, role) if role else []:
            try:
                data = panel.context(user)
            except ValidationError as error:  # e.g. no company set up yet: the panel says so, the page stays
                data = {"error": " ".join(error.messages)}
            panels.append({"panel": panel, "charts": chart_specs(panel.key, data.pop("charts", [])), **data})
        context.update(
            dashboard_roles=roles,
            dashboard_role=role,
            panels=panels,
            tiles=[] if panels else home_tiles(user=user),
            task_runs=recent_task_runs(user=user),
            roles=[group.name for group in user.groups.all()],
        )
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
