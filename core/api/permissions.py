from rest_framework.permissions import DjangoModelPermissions


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
