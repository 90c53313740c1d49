"""The poller against real PLC servers (pymodbus, asyncua) started by the test: counts arrive exactly
once through wraps, resets, server restarts, dropped connections, a poller restart and a database outage,
and a dead device does not delay the others.

The database outage lasts SHOPFLOOR_TEST_DB_OUTAGE seconds: the issue's 30 by default (the file then takes
about 50 s); a shorter one makes a quick local run, e.g. SHOPFLOOR_TEST_DB_OUTAGE=8."""

import asyncio
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from asyncua import ua
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from core.models import Machine, WorkCenter
from mes.choices import DowntimeCategory, DowntimeKind, MachineState
from mes.models import Downtime, DowntimeReason, MachineStatus, ProductionEvent
from shopfloor.choices import DataType, Protocol, SecurityMode, TagRole, WordOrder
from shopfloor.models import Device, DeviceHealth, Tag, TagCounter
from shopfloor.poller.service import Poller, PollerOptions, percentile
from tests.shopfloor.servers import DatabaseProxy, ModbusPlc, OpcUaPlc, ServerLoop, SilentPlc, free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the poller writes from its own threads

DB_OUTAGE_SECONDS = float(os.environ.get("SHOPFLOOR_TEST_DB_OUTAGE", "30"))
BASE_DIR = Path(settings.BASE_DIR)


def wait_until(condition: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.05)


def counter(tag: Tag) -> TagCounter:
    return TagCounter.objects.filter(tag=tag).first() or TagCounter(tag=tag)


def read(tag: Tag, raw: int, timeout: float = 10.0) -> TagCounter:
    """Wait until the poller has recorded `raw` as the tag's last value; its counter then."""
    wait_until(lambda: counter(tag).last_raw == raw, f"{tag} reads {raw} (has {counter(tag).last_raw})", timeout)
    return counter(tag)


def units(machine: Machine) -> tuple[Decimal, Decimal]:
    """Good and scrap units MES recorded for the machine."""
    sums = ProductionEvent.objects.filter(machine=machine).aggregate(good=Sum("good_qty"), scrap=Sum("scrap_qty"))
    return sums["good"] or Decimal(0), sums["scrap"] or Decimal(0)


@pytest.fixture(scope="module")
def servers():
    loop = ServerLoop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def opcua_plc(servers, tmp_path_factory):
    """One OPC UA server for the module (it takes seconds to build its address space), with and without
    security."""
    variables = {"Good": ua.VariantType.UInt32, "Reject": ua.VariantType.UInt16, "State": ua.VariantType.Int32}
    plc = OpcUaPlc(servers, variables, certificate_dir=tmp_path_factory.mktemp("plc"))
    yield plc.start()
    plc.stop()


@pytest.fixture
def machines():
    center = WorkCenter.objects.create(code="ASSY", name="Assembly")
    DowntimeReason.objects.create(
        code="QH", name="Quality hold", category=DowntimeCategory.UNPLANNED, kind=DowntimeKind.QUALITY_HOLD
    )
    return [Machine.objects.create(work_center=center, code=f"M-{n}", name=f"Machine {n}") for n in (1, 2, 3)]


def device(machine: Machine, code: str, port: int, *tags, protocol=Protocol.MODBUS, **fields) -> Device:
    """A device on 127.0.0.1 polled every 100 ms; tags as (role, address, data type[, word order[, state map]])."""
    plc = Device.objects.create(
        code=code, machine=machine, protocol=protocol, host="127.0.0.1", port=port, poll_ms=100, **fields
    )
    for role, address, data_type, *rest in tags:
        word_order = rest[0] if rest else WordOrder.BIG
        state_map = rest[1] if len(rest) > 1 else ""
        Tag.objects.create(
            device=plc, role=role, address=address, data_type=data_type, word_order=word_order, state_map=state_map
        )
    return plc


def tag(plc: Device, role: str) -> Tag:
    return plc.tags.get(role=role)


class PollerThread:
    """The poller on its own event loop in a thread, as `shopfloor_run` runs it, with test-sized timings."""

    def __init__(self, spill_dir: Path, **options) -> None:
        timings = {
            "flush_interval": 0.1,
            "health_interval": 0.5,
            "reload_interval": 0.5,
            "backoff_start": 0.1,
            "backoff_cap": 0.5,
        }
        self.poller = Poller(PollerOptions(spill_dir=spill_dir, **(timings | options)))
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._main, name="poller")
        self.thread.start()

    def _main(self) -> None:
        try:
            asyncio.run(self.poller.run())
        except BaseException as error:  # re-raised in the test's thread by stop()
            self.error = error

    def connected(self, plc: Device, timeout: float = 10.0) -> None:
        def ready():
            runner = self.poller.runners.get(plc.pk)
            return runner is not None and runner.stats.connected

        wait_until(ready, f"{plc.code} connected", timeout)

    def stop(self) -> None:
        self.poller.request_stop()
        self.thread.join(30)
        assert not self.thread.is_alive(), "the poller did not stop"
        if self.error:
            raise self.error


@pytest.fixture
def start_poller(tmp_path):
    started: list[PollerThread] = []

    def start(**options) -> PollerThread:
        started.append(PollerThread(tmp_path, **options))
        return started[-1]

    yield start
    for poller in started:
        if poller.thread.is_alive():
            poller.stop()


def test_modbus_counts_exactly_through_wraps_resets_restarts_and_drops_while_dead_devices_wait(
    servers, machines, start_poller
):
    """A plant of four PLCs: two live (one of them stopped, restarted, its connection cut), one that never
    answers and one that is not there. The live ones count exactly; the dead ones never delay them."""
    line, press, silent = ModbusPlc(servers).start(), ModbusPlc(servers, unit_id=7).start(), SilentPlc(servers)
    line.set(0, 65530)  # uint16 good count
    line.set(2, 2**32 - 3, DataType.UINT32)  # uint32 reject count, high word first
    line.set(4, 6)  # PackML Execute
    press.set(10, 2**32 - 2, DataType.UINT32, WordOrder.LITTLE)
    plc_line = device(
        machines[0],
        "PLC-LINE",
        line.port,
        (TagRole.GOOD_COUNT, "0", DataType.UINT16),
        (TagRole.REJECT_COUNT, "2", DataType.UINT32, WordOrder.BIG),
        (TagRole.STATE, "4", DataType.UINT16, WordOrder.BIG, "packml"),
    )
    plc_press = device(
        machines[1], "PLC-PRESS", press.port, (TagRole.GOOD_COUNT, "10", DataType.UINT32, WordOrder.LITTLE), unit_id=7
    )
    plc_silent = device(machines[2], "PLC-SILENT", silent.port, (TagRole.GOOD_COUNT, "0", DataType.UINT16))
    plc_gone = device(machines[2], "PLC-GONE", free_port(), (TagRole.GOOD_COUNT, "0", DataType.UINT16))
    good, reject, state, pressed = (
        tag(plc_line, TagRole.GOOD_COUNT),
        tag(plc_line, TagRole.REJECT_COUNT),
        tag(plc_line, TagRole.STATE),
        tag(plc_press, TagRole.GOOD_COUNT),
    )
    poller = start_poller(timeout=1.0)
    assert read(good, 65530).total == 0  # the first value is the baseline
    read(pressed, 2**32 - 2)
    for value in (65534, 3, 10):  # up 4, across the wrap 5, up 7
        line.set(0, value)
        read(good, value)
    line.set(0, 2)  # the PLC reset its counter: counts from 0
    line.set(2, 2, DataType.UINT32)  # across the uint32 wrap: 5
    line.set(4, 11)  # PackML Held
    press.set(10, 5, DataType.UINT32, WordOrder.LITTLE)  # across the wrap: 7
    read(good, 2), read(reject, 2), read(pressed, 5), read(state, 11)
    press.set(10, 70_000, DataType.UINT32, WordOrder.LITTLE)  # both words change
    read(pressed, 70_000)

    runners = poller.poller.runners
    line.stop()
    wait_until(lambda: not runners[plc_line.pk].stats.connected, "the poller notices the line's server is gone")
    line.set(0, 52)  # the machine went on producing while its PLC's server was away
    line.start()
    assert read(good, 52).total == 18 + 50
    line.drop_connections()
    line.set(0, 72)
    assert read(good, 72).total == 18 + 70
    wait_until(lambda: "No response" in runners[plc_silent.pk].stats.last_error, "the silent PLC times out")
    lateness = list(runners[plc_press.pk].stats.lateness)
    poller.stop()

    assert (counter(good).total, counter(good).wraps, counter(good).resets) == (88, 1, 1)
    assert (counter(reject).total, counter(reject).wraps) == (5, 1)
    assert (counter(pressed).total, counter(pressed).wraps) == (7 + 69_995, 1)
    assert units(machines[0]) == (88, 5)  # with no operation open, as unassigned production
    assert units(machines[1]) == (70_002, 0)
    assert MachineStatus.objects.get(machine=machines[0]).state == MachineState.HELD
    assert Downtime.objects.get(machine=machines[0]).reason.code == "QH"
    # The press polled every 100 ms on time while the dead devices ran into their 1 s timeouts again and again.
    assert len(lateness) >= 10
    assert percentile(lateness, 0.99) < 0.1, f"polls late: p99 {percentile(lateness, 0.99):.3f} s"
    assert "No response" in runners[plc_silent.pk].stats.last_error
    assert "cannot connect" in runners[plc_gone.pk].stats.last_error
    health = DeviceHealth.objects.in_bulk()  # the last report, written at the stop
    assert (health[plc_line.pk].last_error, health[plc_line.pk].last_reading_at is not None) == ("", True)
    assert "No response" in health[plc_silent.pk].last_error and health[plc_gone.pk].last_reading_at is None
    line.stop(), press.stop(), silent.stop()


def test_opcua_counts_changes_exactly_once_through_restarts_and_dropped_connections(
    machines, start_poller, opcua_plc, tmp_path
):
    opcua_plc.set("Good", 1000)  # counted before Takt knew the machine: not counted
    opcua_plc.set("Reject", 65535)
    opcua_plc.set("State", 6)
    plc = device(
        machines[0],
        "PLC-UA",
        opcua_plc.port,
        (TagRole.GOOD_COUNT, opcua_plc.node_id("Good"), DataType.UINT32),
        (TagRole.REJECT_COUNT, opcua_plc.node_id("Reject"), DataType.UINT16),
        (TagRole.STATE, opcua_plc.node_id("State"), DataType.INT32, WordOrder.BIG, "6:running;2:stopped;11:held"),
        protocol=Protocol.OPCUA,
        endpoint_path=opcua_plc.path,
    )
    secure = device(
        machines[1],
        "PLC-UA-SECURE",
        opcua_plc.port,
        (TagRole.GOOD_COUNT, opcua_plc.node_id("Good"), DataType.UINT32),
        protocol=Protocol.OPCUA,
        endpoint_path=opcua_plc.path,
        security_mode=SecurityMode.SIGN_AND_ENCRYPT,
    )
    good, reject = tag(plc, TagRole.GOOD_COUNT), tag(plc, TagRole.REJECT_COUNT)
    good_secure = tag(secure, TagRole.GOOD_COUNT)
    poller = start_poller()
    assert read(good, 1000).total == 0  # the initial notification is the baseline
    read(good_secure, 1000)
    opcua_plc.set("Good", 1005)
    opcua_plc.set("Reject", 1)  # across the uint16 wrap: 2
    assert read(good, 1005).total == 5
    opcua_plc.stop()
    wait_until(lambda: not poller.poller.runners[plc.pk].stats.connected, "the poller notices the server is gone")
    opcua_plc.set("Good", 1012)  # produced while the server was away
    opcua_plc.start()
    # After the reconnect the initial notification counts what changed meanwhile, and only that.
    assert read(good, 1012).total == 12
    opcua_plc.drop_connections()
    wait_until(lambda: not poller.poller.runners[plc.pk].stats.connected, "the poller notices the dropped connection")
    poller.connected(plc)
    opcua_plc.set("Good", 1020)
    opcua_plc.set("State", 2)
    assert read(good, 1020).total == 20
    read(tag(plc, TagRole.STATE), 2)
    assert read(good_secure, 1020).total == 20  # signed and encrypted, through the same restart and drop
    poller.stop()
    assert (counter(reject).total, counter(reject).wraps) == (2, 1)
    assert units(machines[0]) == (20, 2) and units(machines[1]) == (20, 0)
    assert (tmp_path / "opcua-client-cert.der").exists()  # the poller's certificate, made on first use
    assert MachineStatus.objects.get(machine=machines[0]).state == MachineState.IDLE


def test_a_poller_restart_neither_loses_nor_double_counts(servers, machines, tmp_path):
    plc = ModbusPlc(servers).start()
    plc.set(0, 500)
    plc_line = device(machines[0], "PLC-LINE", plc.port, (TagRole.GOOD_COUNT, "0", DataType.UINT16))
    good = tag(plc_line, TagRole.GOOD_COUNT)
    TagCounter.objects.create(tag=good, last_raw=500)  # known from an earlier run

    async def produce(pieces: int):  # one piece every 50 ms, on the PLC's own clock
        for value in range(501, 501 + pieces):
            plc.set(0, value)
            await asyncio.sleep(0.05)

    production = asyncio.run_coroutine_threadsafe(produce(60), servers.loop)
    options = {"spill_dir": tmp_path}
    call_command("shopfloor_run", duration=1.5, **options)
    first_run = counter(good).total
    call_command("shopfloor_run", duration=3, **options)
    production.result(timeout=5)
    if counter(good).last_raw != 560:  # the last piece came after the second run's last poll
        call_command("shopfloor_run", duration=1, **options)

    assert 0 < first_run < 60
    assert counter(good).total == 60 and units(machines[0]) == (60, 0)
    status = StringIO()
    call_command("shopfloor_status", "--json", stdout=status)
    (shown,) = json.loads(status.getvalue())
    assert (shown["code"], shown["tags"][0]["last_raw"], Decimal(shown["tags"][0]["total"])) == ("PLC-LINE", 560, 60)
    table = StringIO()
    call_command("shopfloor_status", stdout=table)
    assert "PLC-LINE  M-1  modbus" in table.getvalue() and "raw 560  total 60" in table.getvalue()
    plc.stop()


def test_a_database_outage_holds_the_readings_and_records_them_in_order_when_it_is_back(servers, machines, tmp_path):
    """The poller runs as `manage.py shopfloor_run` in its own process, connected to the database through a
    proxy the test cuts for the outage: connections reset, new ones refused."""
    plc = ModbusPlc(servers).start()
    plc.set(0, 1000)
    plc.set(1, 6)
    plc_line = device(
        machines[0],
        "PLC-LINE",
        plc.port,
        (TagRole.GOOD_COUNT, "0", DataType.UINT16),
        (TagRole.STATE, "1", DataType.UINT16, WordOrder.BIG, "packml"),
    )
    good = tag(plc_line, TagRole.GOOD_COUNT)
    TagCounter.objects.create(tag=good, last_raw=1000)
    database = settings.DATABASES["default"]
    # The embedded server is reached by its Unix socket folder, given as the `host` option.
    host = database["HOST"] or database["OPTIONS"].get("host") or "127.0.0.1"
    proxy = DatabaseProxy(servers, host, int(database["PORT"] or 5432))
    user = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "DATABASE_URL": f"postgres://{user}@127.0.0.1:{proxy.port}/{connection.settings_dict['NAME']}",
    }
    poller = subprocess.Popen(
        [sys.executable, "manage.py", "shopfloor_run", "--spill-dir", str(tmp_path), "--memory-readings", "20"],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        plc.set(0, 1001)
        read(good, 1001, timeout=30)  # started, devices loaded, recording
        proxy.cut()
        outage_start = timezone.now()
        value = 1001
        while timezone.now() - outage_start < datetime.timedelta(seconds=DB_OUTAGE_SECONDS):
            value += 1
            plc.set(0, value)
            if value in (1010, 1020):  # held for a second, then running again
                plc.set(1, {1010: 11, 1020: 6}[value])
            time.sleep(0.1)
        outage_end = timezone.now()
        assert counter(good).last_raw == 1001  # nothing got through
        proxy.restore()
        assert read(good, value, timeout=30).total == value - 1000
        poller.send_signal(signal.SIGTERM)
        output, _ = poller.communicate(timeout=30)
    finally:
        if poller.poll() is None:
            poller.kill()
        proxy.close()
        plc.stop()

    assert poller.returncode == 0, output
    assert "stopped" in output and "spilled to" in output, output
    assert units(machines[0]) == (value - 1000, 0)
    # The readings held through the outage were recorded with the times they were read, in order.
    during = ProductionEvent.objects.filter(machine=machines[0], at__range=(outage_start, outage_end))
    assert during.count() >= DB_OUTAGE_SECONDS * 5
    held = Downtime.objects.get(machine=machines[0])
    assert outage_start < held.start < held.end < outage_end
    assert not list(tmp_path.glob("shopfloor-spill-*.jsonl"))  # all of it handed over
