from django.core.management.base import BaseCommand

from core.services.events import subscriptions


class Command(BaseCommand):
    help = "List who listens to which domain event, and how (same transaction, on commit, Celery task)."

    def handle(self, *args, **options):
        rows = sorted(subscriptions(), key=lambda s: (s.event_name, s.mode, s.label))
        if not rows:
            self.stdout.write("No handlers are subscribed to domain events yet.")
        for subscription in rows:
            self.stdout.write(f"{subscription.event_name:<40} {subscription.mode:<17} {subscription.label}")
