"""Pages of a list: numbered by default (`?page=3`, with a `count`), or a cursor walk for large lists
(`?cursor=` to start, then each answer's `next`): no count query, and no record skipped or repeated while
others are being added, which a numbered page cannot promise."""

from rest_framework.pagination import CursorPagination, PageNumberPagination

CURSOR = "cursor"


class CursorWalk(CursorPagination):
    cursor_query_param = CURSOR
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_ordering(self, request, queryset, view):
        # Record ids, newest first: unique and unchanging, as a cursor needs (`?ordering=` does not apply).
        return ("-pk",)


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        self.walk = CursorWalk() if CURSOR in request.query_params else None
        if self.walk is not None:
            page = self.walk.paginate_queryset(queryset, request, view)
            self.display_page_controls = self.walk.display_page_controls  # the browsable API's links
            return page
        return super().paginate_queryset(queryset, request, view)

    def to_html(self):
        return self.walk.to_html() if self.walk is not None else super().to_html()

    def get_paginated_response(self, data):
        if self.walk is not None:
            return self.walk.get_paginated_response(data)
        return super().get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["required"] = ["results"]  # a cursor walk's page has no count
        answer["properties"]["count"]["description"] = "All matching records; absent from a cursor walk's pages."
        return answer

    def get_schema_operation_parameters(self, view):
        cursor = CursorWalk().get_schema_operation_parameters(view)[0]
        cursor["description"] = (
            "Walk a large list by cursor instead of page numbers: `cursor=` (empty) for the first page, then "
            "follow `next`. Newest records first; `ordering` and `page` do not apply."
        )
        return [*super().get_schema_operation_parameters(view), cursor]
