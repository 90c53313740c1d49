from django.apps import apps
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from core.models import TaskRun

HOME_MODELS = ("core.item", "core.partner", "core.workcenter", "core.machine", "core.site", "core.workcalendar")


def home_tiles(*, user) -> list[dict]:
    """Record counts of the master data this user may see, for the home dashboard."""
    tiles = []
    for label in HOME_MODELS:
        model = apps.get_model(label)
        meta = model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            continue
        try:
            url = reverse(f"{meta.app_label}:{meta.model_name}_list")
        except NoReverseMatch:
            url = ""
        tiles.append({"label": meta.verbose_name_plural, "count": model._default_manager.count(), "url": url})
    return tiles


def recent_task_runs(*, user, limit: int = 5) -> QuerySet[TaskRun]:
    if not user.has_perm("core.view_taskrun"):
        return TaskRun.objects.none()
    return TaskRun.objects.select_related("created_by")[:limit]
