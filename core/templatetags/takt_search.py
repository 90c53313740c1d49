from django import template

from core.search import kinds_for

register = template.Library()


@register.filter
def may_search(user) -> bool:
    """Whether the top bar shows the search: a user who may view some searchable kind (no partner login may:
    it holds no model permission). Reads only the permissions the menus have already loaded."""
    return bool(kinds_for(user))
