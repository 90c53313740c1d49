"""The top bar's search: a results page grouped by kind, and (for htmx, while typing) a dropdown of top hits."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.utils.cache import patch_vary_headers
from django.views import generic

from core.models import PartnerUser
from core.search import MIN_QUERY_LENGTH, clean_query, search

PAGE_HITS_PER_KIND = 10
DROPDOWN_HITS_PER_KIND = 3
DROPDOWN_ID = "search-hits"


class SearchView(LoginRequiredMixin, generic.TemplateView):
    template_name = "core/search.html"

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        # Staff only: the search spans every partner's records (see core/search.py).
        if user.is_authenticated and PartnerUser.objects.filter(user=user).exists():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @property
    def is_dropdown(self) -> bool:
        htmx = self.request.htmx
        return bool(htmx) and htmx.target == DROPDOWN_ID

    def get_template_names(self):
        return ["core/_search_hits.html"] if self.is_dropdown else [self.template_name]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The dropdown and the page share their URL: a cache must not hand one out for the other.
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = clean_query(self.request.GET.get("q", ""))
        limit = DROPDOWN_HITS_PER_KIND if self.is_dropdown else PAGE_HITS_PER_KIND
        context.update(
            query=query,
            too_short=0 < len(query) < MIN_QUERY_LENGTH,
            min_length=MIN_QUERY_LENGTH,
            results=search(self.request.user, query, limit=limit),
            limit=limit,
            dropdown_id=DROPDOWN_ID,
        )
        return context
