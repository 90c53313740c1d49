import json

from django.core.management.base import BaseCommand
from django.core.serializers.json import DjangoJSONEncoder

from shopfloor.selectors.devices import device_status


class Command(BaseCommand):
    help = (
        "Every device with its connection and machine state, and per tag the last raw value read and the units "
        "counted since the tag was created (the figures of the API)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args, **options):
        devices = device_status()
        if options["json"]:
            self.stdout.write(json.dumps(devices, cls=DjangoJSONEncoder, indent=2))
            return
        if not devices:
            self.stdout.write("No devices.")
            return
        for device in devices:
            reading = device["last_reading_at"].isoformat(timespec="seconds") if device["last_reading_at"] else "never"
            self.stdout.write(
                f"{device['code']}  {device['machine']}  {device['protocol']} {device['endpoint']}  "
                f"{device['connection']}  machine {device['machine_state'] or '-'}  "
                f"last reading {reading}  {device['reads_per_second']} reads/s"
            )
            if device["last_error"]:
                self.stdout.write(f"    error: {device['last_error']}")
            for tag in device["tags"]:
                total = "" if tag["total"] is None else f"  total {tag['total'].normalize():f}"
                raw = "-" if tag["last_raw"] is None else tag["last_raw"]
                self.stdout.write(f"    {tag['role']:<13} @ {tag['address']:<24} raw {raw}{total}")
