"""The PLC simulator: one asyncio process serving every active device on a loopback address, each machine
following the work MES has on it.

Every `refresh_interval` the database thread reads MES (the open operation run of each machine, its run time
per unit, the quantity still to make, who stopped it); every `tick` each machine advances by the time passed
times `speed` and its servers show the new values. A stop (duration over, SIGTERM) freezes the machines, keeps
the servers answering for two poll intervals so pollers read the final counts, and returns what each machine
made: exactly what a poller that read all along counts.
"""

import asyncio
import logging
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections, connections

from shopfloor.choices import TagRole
from shopfloor.simulator.floor import Plc, machines_work, plcs_load
from shopfloor.simulator.machine import MachineSim, Work
from shopfloor.simulator.servers import PlcServer, plc_server

logger = logging.getLogger(__name__)

FINAL_READ_MIN = 1.0  # seconds the servers answer at least after the machines stopped

T = TypeVar("T")


class NothingToSimulate(Exception):
    pass


@dataclass(frozen=True)
class SimulatorOptions:
    speed: float = 1.0  # simulated seconds per second
    seed: int | None = None
    refresh_interval: float = 2.0  # seconds between two reads of MES
    tick: float = 0.1  # seconds between two updates of the machines and their servers


@dataclass(frozen=True)
class MachineTotals:
    """What a machine made while the simulator ran, in units (counter steps times the tag's scale)."""

    machine: str
    devices: tuple[str, ...]
    good: Decimal
    reject: Decimal
    breakdowns: int

    def __str__(self) -> str:
        return (
            f"{self.machine} ({', '.join(self.devices)}): {self.good.normalize():f} good, "
            f"{self.reject.normalize():f} rejected, {self.breakdowns} breakdowns"
        )


@dataclass
class SimulatedMachine:
    sim: MachineSim
    plcs: list[Plc]
    reject_scale: Decimal

    def totals(self) -> MachineTotals:
        return MachineTotals(
            machine=self.sim.code,
            devices=tuple(plc.code for plc in self.plcs),
            good=self.sim.good_cycles * self.sim.good_scale,
            reject=self.sim.reject_cycles * self.reject_scale,
            breakdowns=self.sim.breakdowns,
        )


def _scale(plcs: list[Plc], role: str) -> Decimal:
    """The scale of the machine's first counter of `role`: units one counter step stands for."""
    return next((tag.scale for plc in plcs for tag in plc.tags if tag.tag.role == role), Decimal(1))


class Simulator:
    def __init__(self, options: SimulatorOptions) -> None:
        self.options = options
        self.machines: dict[int, SimulatedMachine] = {}
        self.servers: list[PlcServer] = []
        self._stop_requested = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._database: ThreadPoolExecutor | None = None

    def request_stop(self) -> None:
        """Stop the running simulator; safe from any thread and from a signal handler."""
        self._stop_requested.set()
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(self, *, duration: float | None = None) -> list[MachineTotals]:
        """Serve the devices, the machines producing for `duration` seconds or until a stop is requested;
        what each machine made. NothingToSimulate when no device could be served."""
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested.is_set():
            self._stopping.set()
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="plc-simulator-db")
        try:
            await self._build()
            await self._serve(duration)
        finally:
            for server in self.servers:
                with suppress(Exception):
                    await server.stop()
            with suppress(Exception):
                await self._in_database(connections.close_all)
            self._database.shutdown(wait=True)
        totals = [machine.totals() for machine in self.machines.values()]
        logger.info("PLC simulator stopped.")
        return totals

    async def _build(self) -> None:
        plcs, left_out = await self._in_database(plcs_load)
        for reason in left_out:
            logger.warning("Not simulated: %s", reason)
        by_machine: dict[int, list[Plc]] = defaultdict(list)
        for plc in plcs:
            by_machine[plc.machine_id].append(plc)
        seed = self.options.seed
        for machine_id, machine_plcs in by_machine.items():
            code = machine_plcs[0].machine_code
            # Each machine draws from its own generator: a seed gives each the same production.
            rng = random.Random(f"{seed}:{code}") if seed is not None else random.Random()
            sim = MachineSim(code, rng, good_scale=_scale(machine_plcs, TagRole.GOOD_COUNT))
            self.machines[machine_id] = SimulatedMachine(sim, machine_plcs, _scale(machine_plcs, TagRole.REJECT_COUNT))
        await self._refresh()
        candidates = [plc_server(plc, self.machines[plc.machine_id].sim) for plc in plcs]
        started = await asyncio.gather(*(self._start(server) for server in candidates))
        self.servers = [server for server, ok in zip(candidates, started, strict=True) if ok]
        if not self.servers:
            raise NothingToSimulate("No device to simulate: no active device on a loopback address could be served.")
        logger.info(
            "PLC simulator serves %s device(s) at %sx speed: %s",
            len(self.servers),
            self.options.speed,
            ", ".join(str(server) for server in self.servers),
        )

    async def _start(self, server: PlcServer) -> bool:
        try:
            await server.start()
        except Exception as error:  # a port taken, a node id twice: that device only is left out
            logger.error("%s is not simulated: %s", server, error)
            return False
        return True

    async def _serve(self, duration: float | None) -> None:
        loop, options = self._loop, self.options
        refresher = asyncio.create_task(self._refresh_loop(), name="plc simulator MES reads")
        last = started = loop.time()
        try:
            while not self._stopping.is_set() and (duration is None or last - started < duration):
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), options.tick)
                now = loop.time()
                if duration is not None:
                    now = min(now, started + duration)
                for machine in self.machines.values():
                    machine.sim.advance((now - last) * options.speed)
                last = now
                for server in self.servers:
                    await server.show()
        finally:
            refresher.cancel()
            await asyncio.gather(refresher, return_exceptions=True)
        slowest_poll = max(server.plc.device.poll_seconds for server in self.servers)
        await asyncio.sleep(max(FINAL_READ_MIN, 2 * slowest_poll))

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.refresh_interval)
            try:
                await self._refresh()
            except (OperationalError, InterfaceError) as error:  # the database is away
                logger.warning("MES not read; the machines go on with the work they had: %s", error)
            except Exception:
                logger.exception("MES not read; the machines go on with the work they had.")

    async def _refresh(self) -> None:
        work = await self._in_database(machines_work, machine_ids=list(self.machines))
        for machine_id, machine in self.machines.items():
            machine.sim.follow(work.get(machine_id, Work()))

    async def _in_database(self, function: Callable[..., T], **kwargs) -> T:
        """Run `function` in the database thread, on a connection checked before use."""

        def call() -> T:
            close_old_connections()
            try:
                return function(**kwargs)
            finally:
                close_old_connections()

        return await self._loop.run_in_executor(self._database, call)
