from django.conf import settings

from core.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        # A callable, which the template calls only where it draws the menus: error pages and the tablets'
        # screens do not, and a refusal should cost no permission checks of every menu entry.
        "nav_entries": (lambda: navigation_for(user)) if user is not None else [],
        "LANGUAGES": settings.LANGUAGES,
    }
