from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.services.backup import BackupError, Database, backup_create


class Command(BaseCommand):
    help = "Back up the database and the media files into one archive (docs/operations.md); `restore` reads it."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", type=Path, default=settings.VAR_DIR / "backups")
        parser.add_argument("--database-url", help="the database to back up (default: the configured one)")
        parser.add_argument("--media-root", type=Path, help=f"default: MEDIA_ROOT ({settings.MEDIA_ROOT})")

    def handle(self, *args, output_dir, database_url, media_root, **options):
        database = Database.from_url(database_url) if database_url else None
        try:
            archive = backup_create(directory=output_dir, database=database, media_root=media_root)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(str(archive))
