from importlib import import_module

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from core import demo


class Command(BaseCommand):
    help = "Load (or refresh) SmartAppliance Co., the demo company. Safe to run again."

    def handle(self, *args, **options):
        with transaction.atomic():
            # Apps load in layer order (settings.TAKT_APPS), each from its own demo.py if it has one; a
            # module's finish() runs after all of them (what it makes goes around what upper apps made).
            finishing = []
            for app in settings.TAKT_APPS:
                try:
                    module = import_module(f"{app}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app}.demo":
                        raise
                    continue
                counts = module.load()
                self.stdout.write(f"{app}: {', '.join(f'{v} {k}' for k, v in counts.items())}")
                if hasattr(module, "finish"):
                    finishing.append((app, module))
            for app, module in finishing:
                counts = module.finish()
                if counts:
                    self.stdout.write(f"{app}: {', '.join(f'{v} {k}' for k, v in counts.items())}")
        self.stdout.write(
            self.style.SUCCESS(f"SmartAppliance Co. is loaded. Sign in as (password {demo.DEMO_PASSWORD!r}):")
        )
        for username, role in demo.logins():
            self.stdout.write(f"  {username:<10} {role}")
