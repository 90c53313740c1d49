from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission, DjangoModelPermissions

from core.api.concurrency import API_PREFIX
from core.models import ApiToken
from core.services.tokens import scope_needed, scopes_allow


class RoleModelPermissions(DjangoModelPermissions):
    """Model permissions from the user's roles, with reads needing the view permission too.

    A viewset's command endpoints (`@action`s) state what they need in `action_permissions`,
    e.g. {"decide": ["plm.view_engineeringchangeorder"]}: the service then checks the finer rule.
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        action_permissions = getattr(view, "action_permissions", {})
        if getattr(view, "action", None) in action_permissions:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perms(action_permissions[view.action]))
        return super().has_permission(request, view)


class TokenScopePermission(BasePermission):
    """A request authenticated by an ApiToken stays within the token's scopes: they narrow what the user's
    role allows (the other permission classes), never widen it. Other authentications pass."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        app = request.path_info.removeprefix(API_PREFIX).split("/", 1)[0]
        needed = scope_needed(app=app, write=request.method not in SAFE_METHODS)
        if not scopes_allow(token.scopes, needed):
            message = _("This token does not have the scope %(scope)s.") % {"scope": needed}
            raise PermissionDenied(message, code="token_scope")
        return True
