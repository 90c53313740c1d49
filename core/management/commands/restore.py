from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.services.backup import BackupError, Database, backup_restore


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into an empty database, or with --force over an existing one. "
        "Stop web, worker and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--database-url", help="the database to restore into (default: the configured one)")
        parser.add_argument("--media-root", type=Path, help=f"default: MEDIA_ROOT ({settings.MEDIA_ROOT})")
        parser.add_argument("--force", action="store_true", help="replace everything in a database that is not empty")

    def handle(self, *args, archive, database_url, media_root, force, **options):
        database = Database.from_url(database_url) if database_url else None
        try:
            manifest = backup_restore(archive=archive, database=database, media_root=media_root, force=force)
        except BackupError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(
            f"Restored {archive.name} (made {manifest['created_at']}): {len(manifest['tables'])} tables, "
            f"{sum(manifest['tables'].values())} rows, {manifest['media_files']} media files. "
            "Run `manage.py migrate` if this Takt is newer than the backup."
        )
