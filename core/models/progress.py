import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse

from core.choices import TaskRunStatus
from core.formatting import translated


class TaskRun(models.Model):
    """One run of a long background job (MRP, scheduling, imports) and its live progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    task_name = models.CharField(max_length=200, db_index=True)
    # The title, message and error are stored untranslated (msgids, their placeholders' values beside them)
    # and translated when shown: the worker writing them does not know who will read them, in which language.
    title = models.CharField(max_length=200)
    title_params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    params = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=16, choices=TaskRunStatus.choices, default=TaskRunStatus.PENDING)
    percent = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    message_params = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    result = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # Not a model action: importing a plant's data runs as a TaskRun, so the right lives here.
        # The admin role holds every permission of the Takt apps; no other role is granted it.
        permissions = [("import_data", "Can import a plant's data from CSV files")]

    def __str__(self) -> str:
        # The title alone: the status changes while its page is open, and the page's badge shows it live.
        return self.title_text

    def get_absolute_url(self) -> str:
        return reverse("core:taskrun_detail", args=[self.pk])

    @property
    def result_fields(self) -> list[tuple[str, object]]:
        """A dict result as (name, value) pairs for the page (a template would read a key "items" as the
        dict's method); empty for other results."""
        return list(self.result.items()) if isinstance(self.result, dict) else []

    @property
    def is_finished(self) -> bool:
        return self.status in (TaskRunStatus.SUCCEEDED, TaskRunStatus.FAILED)

    @property
    def title_text(self) -> str:
        return translated(self.title, self.title_params)

    @property
    def message_text(self) -> str:
        return translated(self.message, self.message_params)

    @property
    def error_text(self) -> str:
        """The error in the reader's language when it is one of ours (the worker was lost); an exception's own
        text as it was raised."""
        return translated(self.error)
