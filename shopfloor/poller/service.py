"""The shopfloor service: every device of one shard polled by its own asyncio task, their readings
recorded in MES exactly once (docs/shopfloor.md).

Device tasks hand each tag's value to `Poller.offer`, which keeps a reading only when the value changed
(or has not been passed on for `heartbeat` seconds), so an idle machine costs the database nothing. The
writer hands the buffered readings, oldest first, to `readings_record` every `flush_interval`. All ORM
work runs in one database thread; the event loop never waits for the database. While the database is
unreachable, readings stay in the buffer (spilled to a file past its memory bound) and the writer retries
with a growing pause; when it is back they are recorded in the order they were read. A stop (duration
over, SIGTERM) stops the devices, records what is held, and spills to the file whatever the database does
not take within `stop_timeout`.
"""

import asyncio
import datetime
import logging
import socket
import statistics
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections, connections
from django.utils import timezone

from shopfloor.choices import Protocol
from shopfloor.poller.buffer import ReadingBuffer
from shopfloor.poller.config import DeviceConfig, TagConfig, configs_load
from shopfloor.poller.decoding import reading_raw
from shopfloor.poller.modbus import ModbusRunner
from shopfloor.poller.opcua import ClientCertificate, OpcUaRunner
from shopfloor.poller.runner import DeviceRunner
from shopfloor.selectors.devices import Shard
from shopfloor.services.health import HealthReport, device_health_record
from shopfloor.services.readings import Reading, readings_record

logger = logging.getLogger(__name__)

# The database is away (down, restarting, unreachable): hold the readings and try again.
UNREACHABLE = (OperationalError, InterfaceError)
BATCH = 5000  # readings per transaction
WRITE_RETRY_CAP = 2.0  # seconds between attempts while the database is away

T = TypeVar("T")


@dataclass(frozen=True)
class PollerOptions:
    spill_dir: Path
    shard: Shard = field(default_factory=Shard)
    memory_limit: int = 20_000  # readings held in memory before they spill to the file
    file_limit: int = 2_000_000  # readings the spill file holds at most
    flush_interval: float = 0.5
    health_interval: float = 5.0
    reload_interval: float = 30.0  # devices added, changed or removed are picked up this often
    heartbeat: float = 60.0  # an unchanged value is still passed on this often (last read time)
    timeout: float = 2.0  # connect and request timeout of every device
    backoff_start: float = 0.5
    backoff_cap: float = 30.0
    stop_timeout: float = 5.0


@dataclass
class PollerSummary:
    recorded: int
    dropped: int
    held: int
    lateness_p99_ms: float | None
    latency_p95_ms: float | None

    def __str__(self) -> str:
        def ms(value: float | None) -> str:
            return "-" if value is None else f"{value:.0f} ms"

        return (
            f"{self.recorded} readings recorded, {self.dropped} dropped, {self.held} held for the next start; "
            f"poll lateness p99 {ms(self.lateness_p99_ms)}, reading to record p95 {ms(self.latency_p95_ms)}"
        )


def percentile(values: list[float], share: float) -> float | None:
    if len(values) < 2:
        return values[0] if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


class Poller:
    def __init__(self, options: PollerOptions) -> None:
        self.options = options
        shard = options.shard
        self.name = f"{socket.gethostname()} shard {shard}"
        self.buffer = ReadingBuffer(
            spill_path=options.spill_dir / f"shopfloor-spill-{shard.index}-of-{shard.count}.jsonl",
            memory_limit=options.memory_limit,
            file_limit=options.file_limit,
        )
        self.certificate = ClientCertificate(options.spill_dir)
        self.runners: dict[int, DeviceRunner] = {}
        self.tasks: dict[int, asyncio.Task] = {}
        self.retiring: set[asyncio.Task] = set()
        self.offered: dict[int, tuple[int, float]] = {}  # tag id: (raw value, loop time) last passed on
        self.recorded = 0
        self.dropped = 0
        self.latency: deque[float] = deque(maxlen=100_000)  # seconds from a reading to its commit
        self.database_up = True
        self._stop_requested = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._database: ThreadPoolExecutor | None = None
        self._health_at = 0.0

    def request_stop(self) -> None:
        """Stop the running poller; safe from any thread and from a signal handler."""
        self._stop_requested.set()
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)

    async def run(self, *, duration: float | None = None) -> PollerSummary:
        """Poll until `duration` seconds are over or a stop is requested, then stop cleanly."""
        self._loop = loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        if self._stop_requested.is_set():
            self._stopping.set()
        self._database = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopfloor-db")
        self._health_at = loop.time()
        writer = asyncio.create_task(self._write_loop(), name="shopfloor writer")
        background = [
            asyncio.create_task(self._config_loop(), name="shopfloor devices"),
            asyncio.create_task(self._health_loop(), name="shopfloor health"),
        ]
        logger.info("Shopfloor poller %s started.", self.name)
        try:
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), duration)
        finally:
            self._stopping.set()
            for task in background:
                task.cancel()
            await self._devices_stop()
            await asyncio.gather(*background, return_exceptions=True)
            await writer
            await self._health_report(stopped=True)
            with suppress(Exception):
                await self._in_database(connections.close_all)
            self._database.shutdown(wait=True)
        summary = self.summary()
        logger.info("Shopfloor poller %s stopped: %s", self.name, summary)
        return summary

    def summary(self) -> PollerSummary:
        lateness = [late for runner in self.runners.values() for late in runner.stats.lateness]
        return PollerSummary(
            recorded=self.recorded,
            dropped=self.dropped + self.buffer.dropped,
            held=len(self.buffer),
            lateness_p99_ms=None if not lateness else percentile(lateness, 0.99) * 1000,
            latency_p95_ms=None if not self.latency else percentile(list(self.latency), 0.95) * 1000,
        )

    def offer(self, tag: TagConfig, value: int | float | bool, at: datetime.datetime) -> None:
        """A device read `value` from `tag` at `at`: keep it if it changed or is due as a heartbeat."""
        raw = reading_raw(value, role=tag.role, data_type=tag.data_type)
        if raw is None:
            return
        now = self._loop.time()
        last = self.offered.get(tag.id)
        if last is not None and last[0] == raw and now - last[1] < self.options.heartbeat:
            return
        self.offered[tag.id] = (raw, now)
        self.buffer.put(Reading(tag.id, raw, at))

    # --- devices ----------------------------------------------------------------------------------------

    async def _config_loop(self) -> None:
        """Load the shard's devices, and again every `reload_interval`; until the first load has worked
        (the database may be away at the start), retry soon."""
        loaded = False
        while True:
            try:
                configs = await self._in_database(configs_load, shard=self.options.shard)
            except UNREACHABLE as error:
                logger.log(logging.DEBUG if loaded else logging.WARNING, "Devices not loaded: %s", error)
            except Exception:
                logger.exception("Devices not loaded.")
            else:
                self._devices_apply(configs)
                loaded = True
            await asyncio.sleep(self.options.reload_interval if loaded else WRITE_RETRY_CAP)

    def _devices_apply(self, configs: dict[int, DeviceConfig]) -> None:
        """Start new devices, restart changed ones, stop removed ones; leave the others running."""
        for device_id, runner in list(self.runners.items()):
            if configs.get(device_id) != runner.config:
                self._device_stop(device_id)
        for device_id, config in configs.items():
            if device_id not in self.runners:
                runner = self._runner(config)
                self.runners[device_id] = runner
                self.tasks[device_id] = asyncio.create_task(runner.run(), name=f"device {config.code}")
                if runner.problems:
                    logger.error("%s: %s", config, "; ".join(runner.problems))

    def _runner(self, config: DeviceConfig) -> DeviceRunner:
        options = self.options
        timing = {
            "timeout": options.timeout,
            "backoff_start": options.backoff_start,
            "backoff_cap": options.backoff_cap,
        }
        if config.protocol == Protocol.OPCUA:
            return OpcUaRunner(config, self.offer, certificate=self.certificate, **timing)
        return ModbusRunner(config, self.offer, **timing)

    def _device_stop(self, device_id: int) -> None:
        del self.runners[device_id]
        task = self.tasks.pop(device_id)
        task.cancel()
        self.retiring.add(task)
        task.add_done_callback(self.retiring.discard)

    async def _devices_stop(self) -> None:
        tasks = [*self.tasks.values(), *self.retiring]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- writing ----------------------------------------------------------------------------------------

    async def _write_loop(self) -> None:
        pause = self.options.flush_interval
        while not self._stopping.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), pause)
            written = await self._flush()
            pause = self.options.flush_interval if written else min(max(pause * 2, 1.0), WRITE_RETRY_CAP)
        deadline = self._loop.time() + self.options.stop_timeout
        while not await self._flush() and self._loop.time() < deadline:
            await asyncio.sleep(1.0)
        if len(self.buffer):
            self.buffer.spill()
            logger.warning("%s readings wait in %s for the next start.", len(self.buffer), self.buffer.spill_path)

    async def _flush(self) -> bool:
        """Record everything buffered, oldest first; False when the database is unreachable."""
        while len(self.buffer):
            batch = self.buffer.peek(BATCH)
            try:
                await self._in_database(readings_record, readings=batch)
            except UNREACHABLE as error:
                self.buffer.release()
                if self.database_up:
                    logger.error("Database unreachable, holding readings until it is back: %s", error)
                self.database_up = False
                return False
            except Exception:
                # Not the connection: the same batch would fail again. Counts are not lost (each counter
                # counts on from its last saved value); state changes in the batch are.
                logger.exception("%s readings could not be recorded and are dropped.", len(batch))
                self.buffer.commit()
                self.dropped += len(batch)
                continue
            self.buffer.commit()
            recorded_at = timezone.now()
            self.latency.extend((recorded_at - reading.at).total_seconds() for reading in batch)
            self.recorded += len(batch)
            if not self.database_up:
                logger.warning("Database back: recording the held readings.")
                self.database_up = True
        return True

    async def _in_database(self, function: Callable[..., T], **kwargs) -> T:
        """Run `function` in the database thread, on a connection checked before use."""

        def call() -> T:
            close_old_connections()
            try:
                return function(**kwargs)
            finally:
                close_old_connections()

        return await self._loop.run_in_executor(self._database, call)

    # --- health -----------------------------------------------------------------------------------------

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.options.health_interval)
            await self._health_report()

    async def _health_report(self, *, stopped: bool = False) -> None:
        now = self._loop.time()
        elapsed, self._health_at = max(now - self._health_at, 1e-3), now
        reports = []
        for device_id, runner in self.runners.items():
            stats = runner.stats
            reports.append(
                HealthReport(
                    device_id=device_id,
                    connected=stats.connected and not stopped,
                    last_reading_at=stats.last_reading_at,
                    last_error=stats.last_error,
                    reads_per_second=Decimal(0) if stopped else Decimal(f"{stats.reads / elapsed:.2f}"),
                    poller=self.name,
                )
            )
            stats.reads = 0
        try:
            await self._in_database(device_health_record, reports=reports)
        except UNREACHABLE as error:
            logger.debug("Device health not saved: %s", error)
        except Exception:
            logger.exception("Device health not saved.")
