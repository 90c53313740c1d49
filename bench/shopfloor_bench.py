"""Shopfloor benchmark (issue "Shopfloor"): 200 simulated Modbus PLCs polled every second by one poller.

    .venv/bin/python bench/shopfloor_bench.py                   # about 3 minutes
    .venv/bin/python bench/shopfloor_bench.py --duration 300    # a longer poller run

Targets: "200 simulated Modbus devices at 1 s polling on this machine: every poll on time (report lateness
p99), one poller process under 50% of one core, PLC-to-MES-record latency p95 under 2 s". Runs on a
throwaway database `takt_bench_shopfloor` (or TAKT_BENCH_DATABASE) on the configured server (DATABASE_URL's),
dropped at the end.

The plant: 200 machines on 20 work centers, one Modbus TCP device each on a port of its own on loopback,
polled every 1,000 ms, with a good count (uint16, register 0), a reject count (uint32, high word first,
registers 1-2) and a PackML state (register 3). Half the machines have an operation of a released order
started on them (`operation_start`): their units go onto the run; the others' stay unassigned production.

The PLCs: pymodbus servers in 4 processes of their own (this script with `--serve`), 50 each, so the
poller's CPU is measured alone. Each machine makes a unit every 5-30 s (its own cycle time, +-20 % noise),
1 in 20 of them a reject, and 1 cycle in 50 it stops for 5-20 s (PackML Suspended or Held) before it runs
again. Some counters start just below their wrap. Each server notes the time of every increment and of
every read request it answers (monotonic, which no clock step moves, and for increments the wall time too).

The run: `manage.py shopfloor_run --duration N` as a process of its own. Once the poller has read every
tag's baseline, the PLCs start counting; they stop 10 s before the poller does, so every unit is read
before the stop. Measured:

- poll lateness: the poller's own (its stop summary: how late each poll started after it was due; a poll
  it skips does not count there) and, as a check, from the servers' side (each request against its
  device's 1 s schedule), with the polls skipped;
- CPU of the poller process: utime + stime from /proc/<pid>/stat over wall time, while the PLCs count
  (and over the whole process, start-up included);
- PLC-to-MES latency: the i-th unit a counter made is in the first PLC count event of that machine and
  role (in the order read) whose running sum reaches i. Its latency runs to the moment this script first
  sees the event committed (it reads new count events every 0.1 s), and, for comparison, to the event's
  `recorded_at` (taken inside the poller's transaction, before the commit);
- exactness: the units MES recorded per machine and role (events, TagCounter totals) equal the increments
  the servers made, and every stop the PLCs made opened and closed a downtime.

Exits 1 when a target is missed or a count is off. Results go into docs/benchmarks.md by hand.
"""

import argparse
import asyncio
import bisect
import datetime
import itertools
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from _throwaway import ROOT, throwaway_database

from shopfloor.poller.decoding import registers_encode  # no Django set-up needed: the servers use it too

DEVICES, CENTERS, SERVER_PROCESSES = 200, 20, 4
POLL_MS = 1000
CYCLE_SECONDS = (5.0, 30.0)  # each machine's cycle time is drawn from this range
CYCLE_NOISE = 0.2
REJECT_SHARE = 1 / 20
STOP_SHARE = 1 / 50
STOP_SECONDS = (5.0, 20.0)
EXECUTE, STOPS = 6, (5, 11)  # PackML Execute; Suspended (down) and Held (held)
TAIL_SECONDS = 10.0  # the PLCs stop counting this long before the poller stops
LATENESS_LIMIT_MS = 100  # "on time": no poll skipped and the p99 start under this
CPU_LIMIT = 50.0  # % of one core
LATENCY_LIMIT_MS = 2000
ROLES = ("good", "reject")


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def free_ports(count: int) -> list[int]:
    """Ports the kernel hands out as free (bound and released at once: the servers bind them next)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


# --- The PLCs (server processes; no Django) ------------------------------------------------------------------


class SimulatedPlc:
    """One machine's PLC: counters that advance with the machine's cycles, the PackML state, and the
    time of every increment, state change and read request."""

    def __init__(self, index: int, good: int, reject: int, seed: int) -> None:
        self.index = index
        self.random = random.Random(seed)
        self.cycle = self.random.uniform(*CYCLE_SECONDS)
        self.good, self.reject, self.state = good, reject, EXECUTE
        self.registers = [0] * 4
        # Wall time, to compare with the times MES records, and monotonic time, which no clock step moves.
        self.increments: list[tuple[str, float, float]] = []
        self.states: list[tuple[int, float]] = []
        self.requests: list[float] = []
        self._write()

    def _write(self) -> None:
        # One slice assignment: a read never sees half a value.
        self.registers[:] = [self.good, *registers_encode(self.reject, "uint32"), self.state]

    async def answer(self, function_code, start_address, address, count, registers, set_values):
        """Called by pymodbus on every request: the datastore then answers with these registers."""
        self.requests.append(time.monotonic())
        registers[: len(self.registers)] = self.registers

    async def run(self) -> None:
        """Cycle after cycle: a good unit or a reject, now and then a stop."""
        while True:
            await asyncio.sleep(self.cycle * self.random.uniform(1 - CYCLE_NOISE, 1 + CYCLE_NOISE))
            if self.random.random() < REJECT_SHARE:
                self.reject = (self.reject + 1) % 2**32
                self.increments.append(("reject", time.time(), time.monotonic()))
            else:
                self.good = (self.good + 1) % 2**16
                self.increments.append(("good", time.time(), time.monotonic()))
            self._write()
            if self.random.random() < STOP_SHARE:
                self._state(self.random.choice(STOPS))
                await asyncio.sleep(self.random.uniform(*STOP_SECONDS))
                self._state(EXECUTE)

    def _state(self, code: int) -> None:
        self.state = code
        self.states.append((code, time.monotonic()))
        self._write()


async def serve(spec: dict) -> None:
    """Serve the spec's PLCs; SIGUSR1 starts their counting, SIGUSR2 stops it, SIGTERM writes what they did
    to the spec's output and ends."""
    from pymodbus.server import ModbusTcpServer
    from pymodbus.simulator import DataType, SimData, SimDevice

    loop = asyncio.get_running_loop()
    counting, ending = asyncio.Event(), asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, counting.set)
    loop.add_signal_handler(signal.SIGTERM, ending.set)
    plcs, servers = [], []
    for machine in spec["machines"]:
        plc = SimulatedPlc(machine["index"], machine["good"], machine["reject"], seed=machine["index"])
        device = SimDevice(id=1, simdata=SimData(0, count=16, values=0, datatype=DataType.REGISTERS), action=plc.answer)
        server = ModbusTcpServer(device, address=("127.0.0.1", machine["port"]))
        await server.serve_forever(background=True)
        plcs.append(plc)
        servers.append(server)
    print("ready", flush=True)
    await counting.wait()
    machines = [asyncio.create_task(plc.run()) for plc in plcs]
    loop.add_signal_handler(signal.SIGUSR2, lambda: [task.cancel() for task in machines])
    await ending.wait()
    for task in machines:
        task.cancel()
    for server in servers:
        await server.shutdown()
    Path(spec["output"]).write_text(
        json.dumps(
            [{"index": p.index, "increments": p.increments, "states": p.states, "requests": p.requests} for p in plcs]
        )
    )


# --- The plant -------------------------------------------------------------------------------------------------


def build_plant(ports: list[int]) -> list[dict]:
    """Machines, devices and tags, orders running on half the machines; the PLCs' starting counters."""
    from core.models import Item, Machine, Unit, WorkCenter
    from erp.choices import OperationState, ProductionOrderState
    from erp.models import ProductionOperation, ProductionOrder
    from mes.choices import DowntimeCategory, DowntimeKind
    from mes.models import DowntimeReason
    from mes.services.execution import operation_start
    from shopfloor.choices import DataType, Protocol, TagRole, WordOrder
    from shopfloor.models import Device, Tag
    from wms.models import Warehouse

    for code, name, category, kind in (
        ("BD", "Breakdown", DowntimeCategory.UNPLANNED, DowntimeKind.BREAKDOWN),
        ("QH", "Quality hold", DowntimeCategory.UNPLANNED, DowntimeKind.QUALITY_HOLD),
        ("CHG", "Changeover", DowntimeCategory.PLANNED, DowntimeKind.CHANGEOVER),
    ):
        DowntimeReason.objects.create(code=code, name=name, category=category, kind=kind)
    centers = WorkCenter.objects.bulk_create(
        WorkCenter(code=f"WC{n:02d}", name=f"Work center {n}") for n in range(CENTERS)
    )
    machines = Machine.objects.bulk_create(
        Machine(work_center=centers[n % CENTERS], code=f"M{n:03d}", name=f"Machine {n}") for n in range(DEVICES)
    )
    devices = Device.objects.bulk_create(
        Device(
            code=f"PLC-{n:03d}",
            machine=machine,
            protocol=Protocol.MODBUS,
            host="127.0.0.1",
            port=port,
            poll_ms=POLL_MS,
        )
        for n, (machine, port) in enumerate(zip(machines, ports, strict=True))
    )
    Tag.objects.bulk_create(
        Tag(device=device, role=role, address=address, data_type=data_type, word_order=WordOrder.BIG, state_map=map_)
        for device in devices
        for role, address, data_type, map_ in (
            (TagRole.GOOD_COUNT, "0", DataType.UINT16, ""),
            (TagRole.REJECT_COUNT, "1", DataType.UINT32, ""),
            (TagRole.STATE, "3", DataType.UINT16, "packml"),
        )
    )
    item = Item.objects.create(code="KT-200", name="Kettle", uom=Unit.objects.get(code="ea"), procurement="make")
    warehouse = Warehouse.objects.create(code="PLANT", name="Plant")
    today = datetime.date.today()
    running = machines[::2]
    orders = ProductionOrder.objects.bulk_create(
        ProductionOrder(
            number=f"PO{n:05d}",
            item=item,
            quantity=Decimal(10_000),
            start_date=today,
            due_date=today + datetime.timedelta(days=1),
            warehouse=warehouse,
            state=ProductionOrderState.RELEASED,
            released_at=datetime.datetime.now(datetime.UTC),
        )
        for n in range(len(running))
    )
    operations = ProductionOperation.objects.bulk_create(
        ProductionOperation(
            order=order,
            seq=10,
            work_center=machine.work_center,
            run_minutes_per_unit=Decimal("0.25"),
            state=OperationState.READY,
        )
        for order, machine in zip(orders, running, strict=True)
    )
    for operation, machine in zip(operations, running, strict=True):
        operation_start(operation=operation, machine=machine)
    # Every tenth counter starts just below its wrap, so the run counts across uint16 and uint32 wraps.
    seeds = random.Random(9)
    return [
        {
            "index": n,
            "port": port,
            "good": 65_530 if n % 10 == 1 else seeds.randrange(60_000),
            "reject": 2**32 - 1 if n % 10 == 2 else seeds.randrange(1_000_000),
        }
        for n, port in enumerate(ports)
    ]


# --- The run ---------------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process, all its threads, in seconds (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def baselines_read() -> bool:
    from shopfloor.models import Tag, TagCounter

    return TagCounter.objects.filter(last_raw__isnull=False).count() == Tag.objects.count()


class CountWatch:
    """When each PLC count event became visible to a reader of MES: the events are read every 0.1 s.
    The poller's database thread is their only writer, one transaction after the other, so their ids grow
    in the order they commit."""

    def __init__(self) -> None:
        self.visible: dict[int, float] = {}
        self.last_id = 0

    def look(self) -> None:
        from mes.models import ProductionEvent

        new = list(ProductionEvent.objects.filter(kind="count", id__gt=self.last_id).values_list("id", flat=True))
        now = time.monotonic()
        self.visible.update(dict.fromkeys(new, now))
        self.last_id = max(new, default=self.last_id)


@dataclass
class Run:
    samples: list[tuple[float, float]]  # (monotonic time, poller CPU seconds)
    counting: tuple[float, float]  # when the PLCs started and stopped counting (monotonic)
    log: str
    plcs: list[dict]
    visible: dict[int, float]  # count event id: when it was first seen (monotonic)
    server_cpu: float
    load: tuple[str, str]


def run_plant(machines: list[dict], duration: float, workdir: Path) -> Run:
    """The PLC servers, then the poller; the PLCs count while the poller polls."""
    started_load = load_average()
    chunk = len(machines) // SERVER_PROCESSES
    servers = []
    log_path = workdir / "shopfloor_run.log"
    try:
        for n in range(SERVER_PROCESSES):
            spec, output = workdir / f"plcs-{n}.json", workdir / f"plcs-{n}-done.json"
            spec.write_text(json.dumps({"machines": machines[n * chunk : (n + 1) * chunk], "output": str(output)}))
            process = subprocess.Popen(  # noqa: S603 (this script)
                [sys.executable, __file__, "--serve", str(spec)], stdout=subprocess.PIPE, text=True
            )
            servers.append((process, output))
        for process, _ in servers:
            assert process.stdout.readline().strip() == "ready", "a PLC server did not start"
        with log_path.open("w") as log:
            poller = subprocess.Popen(  # noqa: S603 (manage.py of this project)
                [
                    sys.executable,
                    "manage.py",
                    "shopfloor_run",
                    "--duration",
                    str(duration),
                    "--spill-dir",
                    str(workdir),
                ],
                cwd=ROOT,
                stderr=log,
            )
            samples, counting, watch = watch_poller(
                poller, servers, stop_counting_at=time.monotonic() + duration - TAIL_SECONDS
            )
        text = log_path.read_text()
        assert poller.wait() == 0, f"shopfloor_run failed:\n{text}"
        assert counting[0] is not None and counting[1] is not None, f"the PLCs never counted:\n{text}"
        server_cpu = sum(cpu_seconds(process.pid) for process, _ in servers)
        plcs = []
        for process, output in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
            plcs.extend(json.loads(output.read_text()))
    finally:
        for process, _ in servers:
            if process.poll() is None:
                process.kill()
    return Run(samples, counting, text, plcs, watch.visible, server_cpu, (started_load, load_average()))


def watch_poller(poller: subprocess.Popen, servers: list, *, stop_counting_at: float):
    """Sample the poller's CPU and the count events every 0.1 s until the poller ends; start the PLCs'
    counting once every baseline is read, stop it at `stop_counting_at`."""
    samples: list[tuple[float, float]] = []
    counting_start = counting_end = None
    watch = CountWatch()
    while poller.poll() is None:
        now = time.monotonic()
        try:
            samples.append((now, cpu_seconds(poller.pid)))
        except (FileNotFoundError, ProcessLookupError):
            break  # it ended between the check and the read
        watch.look()
        if counting_start is None and baselines_read():
            for process, _ in servers:
                process.send_signal(signal.SIGUSR1)
            counting_start = now
            print(f"every baseline read {now - samples[0][0]:.1f} s after the poller's start: the PLCs count")
        if counting_end is None and now >= stop_counting_at:
            for process, _ in servers:
                process.send_signal(signal.SIGUSR2)
            counting_end = now
        time.sleep(0.1)
    return samples, (counting_start, counting_end), watch


# --- The figures -----------------------------------------------------------------------------------------------


def cpu_share(samples: list[tuple[float, float]], start: float, end: float) -> float:
    """% of one core between the samples nearest `start` and `end`."""
    inside = [sample for sample in samples if start <= sample[0] <= end]
    (t0, c0), (t1, c1) = inside[0], inside[-1]
    return (c1 - c0) / (t1 - t0) * 100


def peak_cpu_share(samples: list[tuple[float, float]], start: float, end: float, window: float = 10.0) -> float:
    inside = [sample for sample in samples if start <= sample[0] <= end]
    peaks = []
    for n, (t0, c0) in enumerate(inside):
        later = [sample for sample in inside[n:] if sample[0] >= t0 + window]
        if later:
            peaks.append((later[0][1] - c0) / (later[0][0] - t0) * 100)
    return max(peaks)


def server_side_polls(plcs: list[dict], window: tuple[float, float]) -> dict:
    """Each device's requests against its 1 s schedule: how late after the earliest-placed poll (over the
    whole run and while the PLCs count), and how many polls were skipped (a gap of 2 s or more)."""
    interval = POLL_MS / 1000
    lateness, skipped, polls = [], 0, 0  # lateness: (monotonic time, ms)
    for plc in plcs:
        requests = plc["requests"]
        slots = [round((at - requests[0]) / interval) for at in requests]
        offsets = [at - slot * interval for at, slot in zip(requests, slots, strict=True)]
        earliest = min(offsets)
        lateness.extend((at, (offset - earliest) * 1000) for at, offset in zip(requests, offsets, strict=True))
        skipped += slots[-1] + 1 - len(set(slots))
        polls += len(requests)
    everything = [late for _, late in lateness]
    counting = [late for at, late in lateness if window[0] <= at <= window[1]]
    return {
        "polls": polls,
        "skipped": skipped,
        "p99": percentile(everything, 0.99),
        "max": max(everything),
        "counting p99": percentile(counting, 0.99),
        "counting max": max(counting),
    }


@dataclass(frozen=True)
class Recorded:
    """A PLC count event, for one role, as wall times."""

    at: float  # when the poller read the value
    recorded_at: float  # ProductionEvent.recorded_at: in the poller's transaction, before its commit
    visible_at: float  # when the watch first saw it committed (monotonic)
    units: int


def plc_to_mes(plcs: list[dict], visible: dict[int, float]) -> dict:
    """Match every increment to the count event that recorded it, and check the totals."""
    from django.db.models import Sum

    from mes.choices import EventKind, EventSource
    from mes.models import Downtime, ProductionEvent
    from shopfloor.choices import TagRole
    from shopfloor.models import TagCounter

    events = defaultdict(list)  # (machine index, role): [Recorded] in the order read
    on_runs = 0
    for event in (
        ProductionEvent.objects.filter(kind=EventKind.COUNT, source=EventSource.PLC)
        .select_related("machine")
        .order_by("at", "id")
    ):
        for role, units in (("good", event.good_qty), ("reject", event.scrap_qty)):
            if units:
                seen = visible[event.pk]
                events[(int(event.machine.code[1:]), role)].append(
                    Recorded(event.at.timestamp(), event.recorded_at.timestamp(), seen, int(units))
                )
                on_runs += int(units) if event.operation_id else 0
    totals = {
        (int(counter.tag.device.code[4:]), "good" if counter.tag.role == TagRole.GOOD_COUNT else "reject"): int(
            counter.total
        )
        for counter in TagCounter.objects.select_related("tag__device").exclude(tag__role=TagRole.STATE)
    }
    to_recorded, to_visible, reading_lags, wrong = [], [], [], []
    made = {"good": 0, "reject": 0}
    for plc in plcs:
        for role in ROLES:
            increments = [(wall, mono) for kind, wall, mono in plc["increments"] if kind == role]
            made[role] += len(increments)
            recorded = events[(plc["index"], role)]
            running = list(itertools.accumulate(event.units for event in recorded))
            machine = f"M{plc['index']:03d} {role}"
            if (running[-1] if running else 0) != len(increments):
                wrong.append(f"{machine}: made {len(increments)}, MES events {running[-1:] or [0]}")
            if totals[(plc["index"], role)] != len(increments):
                wrong.append(f"{machine}: made {len(increments)}, TagCounter {totals[(plc['index'], role)]}")
            for unit, (made_at, made_mono) in enumerate(increments, start=1):
                index = bisect.bisect_left(running, unit)
                if index < len(recorded):
                    event = recorded[index]
                    to_recorded.append((event.recorded_at - made_at) * 1000)
                    to_visible.append((event.visible_at - made_mono) * 1000)
                    reading_lags.append((event.at - made_at) * 1000)
    every_event = [event for recorded in events.values() for event in recorded]
    stops_made = sum(1 for plc in plcs for code, _ in plc["states"] if code != EXECUTE)
    ends_made = sum(1 for plc in plcs for code, _ in plc["states"] if code == EXECUTE)
    downtimes = Downtime.objects.filter(start_event__source=EventSource.PLC)
    mes_units = ProductionEvent.objects.filter(kind=EventKind.COUNT).aggregate(g=Sum("good_qty"), s=Sum("scrap_qty"))
    return {
        "made": made,
        "mes": {"good": int(mes_units["g"] or 0), "reject": int(mes_units["s"] or 0)},
        "on runs": on_runs,
        "wrong": wrong,
        "recorded": {share: percentile(to_recorded, share) for share in (0.5, 0.95)} | {"max": max(to_recorded)},
        "visible": {share: percentile(to_visible, share) for share in (0.5, 0.95)} | {"max": max(to_visible)},
        "reading lag min": min(reading_lags),
        "reading to recorded_at p95": percentile([(e.recorded_at - e.at) * 1000 for e in every_event], 0.95),
        "stops": (stops_made, downtimes.count(), ends_made, downtimes.filter(end__isnull=False).count()),
        "count events": len(every_event),
        "wraps": dict(
            TagCounter.objects.filter(wraps__gt=0).values_list("tag__data_type").annotate(Sum("wraps")).order_by()
        ),
        "resets": TagCounter.objects.aggregate(resets=Sum("resets"))["resets"],
    }


def poller_summary(log: str) -> tuple[float, str]:
    """The poller's poll lateness p99 in ms and its whole stop summary."""
    line = next(line for line in log.splitlines() if "stopped:" in line)
    return float(re.search(r"poll lateness p99 (\d+) ms", line).group(1)), line.split("stopped: ", 1)[1]


def start_up_states() -> float:
    """The longest wait, in ms, between reading and recording of the machine states recorded at the
    start, when every tag's first reading arrives at once (before the first unit counted)."""
    from mes.models import ProductionEvent

    plc = ProductionEvent.objects.filter(source="plc")
    first_count = plc.filter(kind="count").order_by("at").values_list("at", flat=True).first()
    return max((event.recorded_at - event.at).total_seconds() * 1000 for event in plc.filter(at__lt=first_count))


def machine_facts() -> str:
    from django.db import connection

    model = next(
        line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    return f"nproc {os.cpu_count()}, {model}; PostgreSQL {version}; Python {sys.version.split()[0]}"


def report(run: Run, duration: float) -> int:
    start, end = run.counting
    lateness_p99, summary = poller_summary(run.log)
    polls = server_side_polls(run.plcs, run.counting)
    counted = plc_to_mes(run.plcs, run.visible)
    steady_cpu = cpu_share(run.samples, start, end)
    whole_cpu = cpu_share(run.samples, run.samples[0][0], run.samples[-1][0])
    peak_cpu = peak_cpu_share(run.samples, start, end)
    recorded, visible = counted["recorded"], counted["visible"]
    stops, downtimes, ends, closed = counted["stops"]
    print(f"\n{machine_facts()}; load average {run.load[0]} before, {run.load[1]} after")
    print(f"poller ({duration:.0f} s, PLCs counting {end - start:.0f} s): {summary}")
    print(f"start-up: the first machine states recorded up to {start_up_states():.0f} ms after their reading")
    print(
        f"polls seen by the PLCs: {polls['polls']}, skipped {polls['skipped']}; "
        f"lateness p99 {polls['p99']:.0f} ms, max {polls['max']:.0f} ms; while the PLCs count p99 "
        f"{polls['counting p99']:.0f} ms, max {polls['counting max']:.0f} ms"
    )
    print(
        f"poller CPU: {steady_cpu:.1f} % of one core while the PLCs count (peak 10 s {peak_cpu:.1f} %), "
        f"{whole_cpu:.1f} % over the whole process with its start; the PLC servers used "
        f"{run.server_cpu / (run.samples[-1][0] - run.samples[0][0]) * 100:.0f} %"
    )
    print(
        f"PLC to MES, {counted['count events']} count events: committed and visible p50 {visible[0.5]:.0f} ms, "
        f"p95 {visible[0.95]:.0f} ms, max {visible['max']:.0f} ms; to recorded_at p50 {recorded[0.5]:.0f} ms, "
        f"p95 {recorded[0.95]:.0f} ms, max {recorded['max']:.0f} ms"
    )
    print(
        f"  reading to recorded_at p95 {counted['reading to recorded_at p95']:.0f} ms; the earliest reading "
        f"{counted['reading lag min']:.0f} ms after its increment"
    )
    print(
        f"units: made {counted['made']}, MES {counted['mes']}, {counted['on runs']} of them on runs; counters "
        f"wrapped {counted['wraps']}, reset {counted['resets']}; "
        f"stops made {stops} -> downtimes {downtimes}, restarts {ends} -> closed {closed}"
    )
    missed = [
        *counted["wrong"],
        *([f"{polls['skipped']} polls skipped"] if polls["skipped"] else []),
        *([f"poll lateness p99 {lateness_p99:.0f} ms"] if lateness_p99 >= LATENESS_LIMIT_MS else []),
        *([f"poller CPU {steady_cpu:.1f} %"] if steady_cpu >= CPU_LIMIT else []),
        *([f"latency p95 {visible[0.95]:.0f} ms"] if visible[0.95] >= LATENCY_LIMIT_MS else []),
        *(["units made and recorded differ"] if counted["made"] != counted["mes"] else []),
        *([f"stops {stops}/{ends}, downtimes {downtimes}/{closed}"] if (stops, ends) != (downtimes, closed) else []),
    ]
    if missed:
        print("MISSED: " + "; ".join(missed))
        return 1
    print("OK: every target met, every unit counted once")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration",
        type=float,
        default=150,
        help="seconds the poller runs (default 150; a short run weighs the start-up's late polls more)",
    )
    parser.add_argument("--serve", metavar="SPEC", help=argparse.SUPPRESS)  # a PLC server process
    options = parser.parse_args()
    if options.serve:
        asyncio.run(serve(json.loads(Path(options.serve).read_text())))
        return 0
    with throwaway_database("takt_bench_shopfloor"), tempfile.TemporaryDirectory() as workdir:
        from django.db import transaction

        with transaction.atomic():
            machines = build_plant(free_ports(DEVICES))
        run = run_plant(machines, options.duration, Path(workdir))
        return report(run, options.duration)


if __name__ == "__main__":
    sys.exit(main())
