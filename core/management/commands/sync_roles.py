from django.core.management.base import BaseCommand

from core.services.roles import ensure_permissions_exist, roles_sync


class Command(BaseCommand):
    help = "Create or update the role groups from every app's MODEL_ACCESS (also runs after migrate)."

    def handle(self, *args, **options):
        ensure_permissions_exist()
        for role, count in roles_sync().items():
            self.stdout.write(f"{role:<10} {count} permissions")
