from collections.abc import Mapping
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.formatting import translated
from core.services.dataio import ImportFileError, import_folder


def describe(counts: dict[str, int]) -> str:
    """`rows 3, created 2, updated 1` for {"rows": 3, "created": 2, "updated": 1}."""
    return ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in counts.items())


class Command(BaseCommand):
    help = "Import a folder of CSV files (docs/import.md) in one transaction. Exit status 2 on any error."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="the folder holding partners.csv, items.csv, boms.csv, ...")

    def handle(self, *args, folder, **options):
        progress = self._progress if options["verbosity"] > 1 else None
        try:
            counts = import_folder(folder, progress=progress)
        except ImportFileError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        for name, file_counts in counts.items():
            self.stdout.write(f"{name}: {describe(file_counts)}")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(counts)} files."))

    def _progress(self, percent: int, message: str = "", params: Mapping[str, Any] | None = None, /) -> None:
        self.stdout.write(f"{percent:3d}% {translated(message, params)}")
