import datetime
import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from aps.services.mrp import mrp_run


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today: not a date (YYYY-MM-DD): {value!r}", returncode=2) from exc


class Command(BaseCommand):
    help = "Run MRP now, in this process, and replace the current plan (the same code as the background run)."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=str, help="The planning date, YYYY-MM-DD (default: today).")
        parser.add_argument("--json", metavar="FILE", help="Also write the plan to FILE as JSON (docs/mrp.md).")

    def handle(self, *args, **options):
        today = _date(options["today"]) if options["today"] else None
        try:
            result = mrp_run(today=today)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages), returncode=2) from exc
        if options["json"]:
            with open(options["json"], "w", encoding="utf-8") as file:
                json.dump(result.as_json(), file, indent=1)
        stats = result.stats
        self.stdout.write(
            f"MRP {result.run.planning_date}: {stats['items']} items, {stats['planned_orders']} planned orders, "
            f"{stats['exceptions']} exceptions in {stats['seconds']} s"
        )
