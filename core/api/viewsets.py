"""Pieces of the viewsets whose writes are service calls: an input serializer checks the request, one
service call writes, and the answer is the record read again as its detail serializer shows it (the
instance a service returns lacks the prefetches and annotations the answer reads)."""

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response


class ServiceWritesMixin:
    # For a viewset (GenericViewSet) whose writes are service calls: `validated()` the input, call the
    # service, `answer()` with the record: `detail_serializer_class` shows it, read from `detail_queryset()`.
    # (A comment, not a docstring: the schema would show it as the description of every viewset's endpoints.)

    detail_serializer_class: type[serializers.BaseSerializer]

    def detail_queryset(self) -> QuerySet:
        """Where an answered record is read from: the viewset's queryset unless the answer reads more."""
        return self.get_queryset()

    def validated(self, serializer_class: type[serializers.BaseSerializer], **context: Any) -> dict[str, Any]:
        """The request body as `serializer_class` cleans it (given `context` besides the view's); a 400
        naming each problem otherwise."""
        serializer = serializer_class(data=self.request.data, context={**self.get_serializer_context(), **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def answer(self, record: models.Model, status_code: int = status.HTTP_200_OK) -> Response:
        """The record as it is now, as `detail_serializer_class` shows it."""
        record = self.detail_queryset().get(pk=record.pk)
        return Response(
            self.detail_serializer_class(record, context=self.get_serializer_context()).data, status=status_code
        )

    def line_added(
        self, serializer_class: type[serializers.BaseSerializer], add: Callable[..., Any], *, record: str
    ) -> Response:
        """POST `<pk>/lines/`: `add(<record>=the document, **the fields given)`, answered 201 with the document."""
        document = self.get_object()
        data = {name: value for name, value in self.validated(serializer_class).items() if value is not None}
        add(**{record: document}, **data)
        return self.answer(document, status.HTTP_201_CREATED)

    def line_changed(
        self,
        serializer_class: type[serializers.BaseSerializer],
        line_id: str | None,
        *,
        update: Callable[..., Any],
        remove: Callable[..., Any],
    ) -> Response:
        """PATCH `<pk>/lines/<line_id>/` changes only the fields sent (`update(line=..., **changes)`); DELETE
        calls `remove(line=...)`. A line of another document is a 404. Answered with the document."""
        document = self.get_object()
        line = document.lines.filter(pk=line_id).first()
        if line is None:
            raise Http404
        if self.request.method == "DELETE":
            remove(line=line)
            return self.answer(document)
        serializer = serializer_class(data=self.request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {name: value for name, value in serializer.validated_data.items() if name in self.request.data}
        update(line=line, **changes)
        return self.answer(document)


def command_actions(
    *, record: str, responses: type[serializers.BaseSerializer], with_user: bool = True
) -> Callable[..., Callable]:
    """What makes a viewset's command endpoints, for a `ServiceWritesMixin` viewset: each answers POST
    `<pk>/<name>/` (no body) by calling one service with the record (its keyword `record`) and the user
    (unless `with_user` is False), and answers with the record as it is now (`responses` in the schema).

        ORDER_COMMAND = command_actions(record="order", responses=SalesOrderDetailSerializer)
        confirm = ORDER_COMMAND("confirm", services.sales_order_confirm, "Confirm the order")
    """

    def command(
        name: str,
        service: Callable[..., models.Model],
        summary: str,
        *,
        url_path: str | None = None,
        with_user: bool = with_user,
    ) -> Callable:
        def run(self, request, pk=None):
            arguments = {record: self.get_object()}
            if with_user:
                arguments["user"] = request.user
            return self.answer(service(**arguments))

        # The router calls the action by its name: the attribute it is assigned to.
        run.__name__ = run.__qualname__ = name
        routed = action(detail=True, methods=["post"], url_path=url_path)(run)
        return extend_schema(summary=summary, request=None, responses=responses)(routed)

    return command
