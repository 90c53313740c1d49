from django.conf import settings

from core.navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "nav_entries": navigation_for(user) if user is not None else [],
        "LANGUAGES": settings.LANGUAGES,
    }
