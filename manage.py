#!/usr/bin/env python
"""Django's command-line utility for Takt."""

import os
import sys
from pathlib import Path


def main():
    venv_python = Path(__file__).resolve().parent / ".venv" / "bin" / "python"
    # Scripts and cron jobs may call `python manage.py` with the system Python: use the project's venv.
    if venv_python.exists() and Path(sys.prefix).resolve() != venv_python.parent.parent.resolve():
        os.execv(str(venv_python), [str(venv_python), *sys.argv])  # noqa: S606 (re-exec ourselves)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
