from django.core.management.base import BaseCommand

from core.services.dataio import export_folder


class Command(BaseCommand):
    help = "Export the importable data as a folder of CSV files (docs/import.md); import_data reads it back."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="created if missing; files of the same names are overwritten")

    def handle(self, *args, folder, **options):
        for name, rows in export_folder(folder).items():
            self.stdout.write(f"{name}: {rows} rows")
