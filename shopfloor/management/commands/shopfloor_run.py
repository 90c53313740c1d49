import asyncio
import gc
import logging
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shopfloor.poller.service import Poller, PollerOptions
from shopfloor.selectors.devices import Shard


class Command(BaseCommand):
    help = (
        "Poll the PLCs of every active device (Modbus TCP, OPC UA) and record their counts and states in MES "
        "(docs/shopfloor.md). Runs until stopped (SIGTERM, Ctrl-C) or for --duration seconds."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, help="Stop cleanly after this many seconds.")
        parser.add_argument(
            "--shard", default="0/1", help="i/n: poll only the devices whose id modulo n is i (default 0/1: all)."
        )
        parser.add_argument(
            "--spill-dir",
            type=Path,
            default=Path(settings.VAR_DIR) / "shopfloor",
            help="Where readings wait while the database is away, and the OPC UA client certificate.",
        )
        parser.add_argument(
            "--memory-readings",
            type=int,
            default=PollerOptions.memory_limit,
            help="Readings held in memory while the database is away before they spill to the file.",
        )

    def handle(self, *args, **options):
        try:
            shard = Shard.parse(options["shard"])
        except ValueError as error:
            raise CommandError(f"--shard: {error}") from error
        if options["duration"] is not None and options["duration"] <= 0:
            raise CommandError("--duration must be more than 0 seconds.")
        if options["memory_readings"] < 1:
            raise CommandError("--memory-readings must be at least 1.")
        # The poller reports connection trouble itself, once per change; the clients' own logs repeat it
        # at every attempt.
        for name in ("pymodbus", "asyncua"):
            logging.getLogger(name).setLevel(logging.ERROR)
        poller = Poller(
            PollerOptions(spill_dir=options["spill_dir"], shard=shard, memory_limit=options["memory_readings"])
        )
        # Django and the libraries are loaded and stay. Out of the garbage collector's sight, a full
        # collection no longer walks their 180,000 objects: that took over 100 ms holding the GIL, and
        # made every poll due meanwhile late (bench/shopfloor_bench.py). Unfrozen after, for callers that
        # go on (call_command in tests).
        gc.freeze()
        try:
            asyncio.run(self._run(poller, options["duration"]))
        finally:
            gc.unfreeze()

    async def _run(self, poller: Poller, duration: float | None):
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, poller.request_stop)
        return await poller.run(duration=duration)
