import contextlib

from auditlog.context import disable_auditlog
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from core.discovery import app_modules
from core.roles import Access, Role

MANAGE_ACTIONS = ("add", "change", "delete")
# Besides every model of the Takt apps, the admin role manages users, groups, tokens and the audit log.
ADMIN_EXTRA_APPS = ("auth", "authtoken", "auditlog")


def _role_modules():
    """Every app's `roles.py`."""
    return (module for _label, module in app_modules("roles"))


def model_access() -> dict[str, Access]:
    """Every app's MODEL_ACCESS: who views and who manages each model."""
    access: dict[str, Access] = {}
    for module in _role_modules():
        access.update(getattr(module, "MODEL_ACCESS", {}))
    return access


def _role_permissions(access: dict[str, Access]) -> dict[Role, set[tuple[str, str]]]:
    granted: dict[Role, set[tuple[str, str]]] = {role: set() for role in Role}
    # Rights beyond view/manage, e.g. {Role.FINANCE: ["wms.approve_cyclecount"]}.
    for module in _role_modules():
        for role, names in getattr(module, "EXTRA_PERMISSIONS", {}).items():
            granted[role].update(tuple(name.split(".")) for name in names)
    for label, rule in access.items():
        app_label, model_name = label.split(".")
        for role in rule.view:
            granted[role].add((app_label, f"view_{model_name}"))
        for role in rule.manage:
            granted[role].update((app_label, f"{action}_{model_name}") for action in MANAGE_ACTIONS)
    return granted


@transaction.atomic
def roles_sync() -> dict[str, int]:
    """Create or update one group per role with exactly the permissions the apps grant it."""
    takt_apps = {config.label for config in apps.get_app_configs() if config.name in settings.TAKT_APPS}
    granted = _role_permissions(model_access())
    permissions = {(p.content_type.app_label, p.codename): p for p in Permission.objects.select_related("content_type")}
    counts = {}
    for role in Role:
        group, created = Group.objects.get_or_create(name=role.value)
        if role == Role.ADMIN:
            admin_apps = takt_apps | set(ADMIN_EXTRA_APPS)
            wanted = [p for (app_label, _codename), p in permissions.items() if app_label in admin_apps]
        else:
            wanted = [permissions[key] for key in granted[role] if key in permissions]
        # A change to an existing group's rights is audited; a group made just now has no rights to change,
        # and its audit entry would name each of hundreds of permissions (one query each).
        with disable_auditlog() if created else contextlib.nullcontext():
            group.permissions.set(wanted)
        counts[role.value] = len(wanted)
    return counts


def ensure_permissions_exist() -> None:
    """Permissions are created after migrate; make sure they exist before groups are given them."""
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        create_permissions(config, verbosity=0)
    ContentType.objects.clear_cache()
