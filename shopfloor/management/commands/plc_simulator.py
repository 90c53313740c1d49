import asyncio
import json
import logging
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from shopfloor.simulator.service import NothingToSimulate, Simulator, SimulatorOptions


class Command(BaseCommand):
    help = (
        "Simulate the PLCs of every active device on a loopback address: real Modbus TCP and OPC UA servers whose "
        "counters and states follow the operations MES has running (docs/shopfloor.md). Runs until stopped "
        "(SIGTERM, Ctrl-C) or for --duration seconds, then prints what each machine made."
    )

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, help="Stop after the machines produced this many seconds.")
        parser.add_argument(
            "--speed", type=float, default=1.0, help="Simulated seconds per second (default 1: real time)."
        )
        parser.add_argument("--seed", type=int, help="Seed of the random draws: the same production every run.")
        parser.add_argument("--json", action="store_true", help="Print what each machine made as JSON.")

    def handle(self, *args, **options):
        if options["duration"] is not None and options["duration"] <= 0:
            raise CommandError("--duration must be more than 0 seconds.")
        if options["speed"] <= 0:
            raise CommandError("--speed must be more than 0.")
        # The servers' own logs report every client that connects and goes.
        for name in ("pymodbus", "asyncua"):
            logging.getLogger(name).setLevel(logging.ERROR)
        simulator = Simulator(SimulatorOptions(speed=options["speed"], seed=options["seed"]))
        try:
            totals = asyncio.run(self._run(simulator, options["duration"]))
        except NothingToSimulate as error:
            raise CommandError(str(error)) from error
        if options["json"]:
            rows = [
                {
                    "machine": total.machine,
                    "devices": list(total.devices),
                    "good": str(total.good),
                    "reject": str(total.reject),
                    "breakdowns": total.breakdowns,
                }
                for total in totals
            ]
            self.stdout.write(json.dumps(rows, indent=2))
        else:
            for total in totals:
                self.stdout.write(str(total))

    async def _run(self, simulator: Simulator, duration: float | None):
        if threading.current_thread() is threading.main_thread():
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, simulator.request_stop)
        return await simulator.run(duration=duration)
