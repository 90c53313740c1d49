"""The PLC simulator: its machines in simulated time, the demo's devices, and the whole loop, with the
simulator's real servers read by the real poller into MES: what the simulator says it made is what MES
counted on the running operations."""

import json
import random
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from core.models import Machine
from mes.choices import EventKind, EventSource, MachineState
from mes.models import Downtime, ProductionEvent
from mes.services import execution as x
from shopfloor import demo
from shopfloor.choices import DataType, Protocol, TagRole
from shopfloor.models import Device, Tag, TagCounter
from shopfloor.simulator.floor import PACKML_CODES, state_codes
from shopfloor.simulator.machine import PACE_MEAN, MachineSim, Work
from shopfloor.simulator.servers import counter_value
from tests.erp.conftest import company  # noqa: F401
from tests.mes.conftest import floor  # noqa: F401  (shared fixtures)
from tests.shopfloor.servers import free_port
from tests.wms.conftest import bin_, warehouse  # noqa: F401

RUNNING = Work(run_id=1, seconds_per_unit=60, good_to_make=Decimal(100_000), producing=True)
HOUR = 3600.0


def machine(seed: int = 1, work: Work = RUNNING) -> MachineSim:
    sim = MachineSim("M-1", random.Random(seed))
    sim.follow(work)
    return sim


def made(sim: MachineSim) -> tuple[int, int, int]:
    return sim.good_cycles, sim.reject_cycles, sim.breakdowns


def test_a_running_machine_keeps_its_cycle_time_with_noise_rejects_and_breakdowns():
    sim = machine()
    seconds_in = {MachineState.RUNNING: 0.0, MachineState.DOWN: 0.0}
    for _ in range(int(24 * HOUR)):
        seconds_in[sim.state] += 1
        sim.advance(1.0)
    units = sim.good_cycles + sim.reject_cycles
    # A cycle takes the routing's minute times the pace factor, measured over the time it ran.
    assert seconds_in[MachineState.RUNNING] / units == pytest.approx(60 * PACE_MEAN, rel=0.03)
    assert 0.01 < sim.reject_cycles / units < 0.03
    assert 20 <= sim.breakdowns <= 60  # one in 40 running minutes on average
    assert 3 * 60 * sim.breakdowns < seconds_in[MachineState.DOWN] < 12 * 60 * sim.breakdowns


def test_a_seed_makes_the_same_production_whatever_the_ticks():
    one_step, many_steps = machine(seed=7), machine(seed=7)
    other_seed = machine(seed=8)
    one_step.advance(5 * HOUR)
    other_seed.advance(5 * HOUR)
    for _ in range(5 * 3600 * 4):
        many_steps.advance(0.25)
    assert made(one_step) == made(many_steps)
    assert made(other_seed) != made(one_step)


def test_a_machine_stops_at_the_ordered_quantity_and_when_people_stop_it():
    sim = machine(work=Work(run_id=1, seconds_per_unit=60, good_to_make=Decimal(5), producing=True))
    sim.advance(HOUR)
    assert (sim.good_cycles, sim.state) == (5, MachineState.IDLE)
    sim.follow(Work(run_id=1, seconds_per_unit=60, good_to_make=Decimal(3), producing=True))
    sim.advance(HOUR)
    assert sim.good_cycles == 5  # a later read of the same run lags behind the counts: it sets nothing
    sim.follow(Work(run_id=2, seconds_per_unit=60, good_to_make=Decimal(3), producing=True))
    sim.advance(HOUR)
    assert sim.good_cycles == 8  # the next operation
    before = made(sim)
    sim.follow(Work(stopped_as=MachineState.HELD))  # a quality hold on the tablet
    sim.advance(HOUR)
    assert (made(sim), sim.state, sim.alarm) == (before, MachineState.HELD, 0)
    sim.follow(Work(run_id=3, seconds_per_unit=60, good_to_make=Decimal(3), producing=False))  # paused
    sim.advance(HOUR)
    assert (made(sim), sim.state) == (before, MachineState.IDLE)


def test_counters_wrap_as_their_data_types_do_and_states_have_codes():
    assert [counter_value(steps, DataType.UINT16) for steps in (65_535, 65_536, 65_540)] == [65_535, 0, 4]
    assert counter_value(2**32 + 1, DataType.UINT32) == 1
    assert [counter_value(steps, DataType.INT16) for steps in (32_767, 32_768)] == [32_767, -32_768]
    assert counter_value(12, DataType.FLOAT32) == 12.0
    assert state_codes("packml") == PACKML_CODES
    # A state the map has no code for shows as the nearest it has: held as down, down as idle.
    assert state_codes("1:running;2:idle;3:down") == {"running": 1, "idle": 2, "down": 3, "held": 3, "setup": 3}
    assert state_codes("6:running;2:stopped")["held"] == 2


@pytest.mark.django_db
def test_the_demo_gives_every_active_machine_a_plc_of_its_own(floor, settings):  # noqa: F811
    settings.TAKT_PLC_SIM_PORT = 16000
    Machine.objects.create(work_center=floor["test"], code="TEST-9", name="Retired bench", active=False)
    assert demo.load() == {"Modbus TCP devices": 2, "OPC UA devices": 1, "tags": 12}
    assert demo.load() == {"Modbus TCP devices": 2, "OPC UA devices": 1, "tags": 12}  # again: the same
    plcs = {device.code: device for device in Device.objects.all()}
    assert [(code, plc.protocol, plc.port) for code, plc in sorted(plcs.items())] == [
        ("PLC-ASSY-1", Protocol.MODBUS, 16000),
        ("PLC-ASSY-2", Protocol.MODBUS, 16001),
        ("PLC-TEST-1", Protocol.OPCUA, 16002),
    ]
    assert plcs["PLC-TEST-1"].tags.get(role=TagRole.GOOD_COUNT).address == "ns=2;s=TEST-1.Good"
    assert plcs["PLC-ASSY-1"].tags.get(role=TagRole.STATE).state_map == "packml"


def listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Command(threading.Thread):
    """A management command in a thread of its own, its output kept."""

    def __init__(self, *args: str) -> None:
        super().__init__(name=args[0])
        self.args = args
        self.output = StringIO()
        self.start()

    def run(self) -> None:
        call_command(*self.args, stdout=self.output)

    def finish(self) -> str:
        self.join(15)
        assert not self.is_alive(), f"{self.name} did not stop"
        return self.output.getvalue()


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)  # the simulator and the poller work from their own threads
def test_what_the_simulator_makes_arrives_in_mes_on_the_running_operations(floor, tmp_path):  # noqa: F811
    """A Modbus and an OPC UA PLC of the demo's make, on two machines. The simulator runs at 600 times real
    speed (a unit every 0.2 s, a breakdown every few seconds), the poller reads both PLCs 100 ms apart. Once
    it reads them, an operation starts on each machine; the simulator sees it at its next read of MES."""
    plcs = {
        "assy1": demo.plc_for(machine=floor["assy1"], port=free_port(), protocol=Protocol.MODBUS),
        "assy2": demo.plc_for(machine=floor["assy2"], port=free_port(), protocol=Protocol.OPCUA),
    }
    Device.objects.update(poll_ms=100)
    # Counters the poller read before: the simulator's PLCs keep them, as PLCs keep theirs through a restart.
    start = {
        ("assy1", TagRole.GOOD_COUNT): 65_530,  # wraps after 6 units
        ("assy1", TagRole.REJECT_COUNT): 2**32 - 1,  # uint32, low word first: wraps at the first reject
        ("assy2", TagRole.GOOD_COUNT): 1_000,
        ("assy2", TagRole.REJECT_COUNT): 0,
    }
    for (name, role), raw in start.items():
        TagCounter.objects.create(tag=Tag.objects.get(device=plcs[name], role=role), last_raw=raw)

    simulator = Command("plc_simulator", "--duration", "9", "--speed", "600", "--seed", "11", "--json")
    wait_until(lambda: all(listening(plc.port) for plc in plcs.values()), "the simulator's servers listen")
    poller = Command("shopfloor_run", "--duration", "12", "--spill-dir", str(tmp_path))
    states = Tag.objects.filter(role=TagRole.STATE, counter__last_read_at__isnull=False)
    wait_until(lambda: states.count() == 2, "the poller recorded both machines' states")
    runs = {
        name: x.operation_start(operation=floor.order("1000").operations.get(seq=10), machine=floor[name])
        for name in plcs
    }
    totals = {row["machine"]: row for row in json.loads(simulator.finish())}
    poller.finish()

    for name, run in runs.items():
        code, plc = floor[name].code, plcs[name]
        shown = totals[code]
        good, reject = Decimal(shown["good"]), Decimal(shown["reject"])
        assert shown["devices"] == [plc.code]
        assert good >= 10, shown  # it produced, at about 5 units a second less its breakdowns
        run.refresh_from_db()
        assert (run.good_qty, run.scrap_qty) == (good, reject), code
        assert not ProductionEvent.objects.filter(machine=floor[name], kind=EventKind.COUNT, operation=None).exists()
        assert TagCounter.objects.get(tag__device=plc, tag__role=TagRole.GOOD_COUNT).total == good
        # Every breakdown the PLC showed became a downtime in MES, recorded as the machine's own.
        breakdowns = Downtime.objects.filter(machine=floor[name], start_event__source=EventSource.PLC)
        assert breakdowns.count() == shown["breakdowns"], code
        # The machine showed running or down, never idle: MES was read as one snapshot.
        assert not ProductionEvent.objects.filter(machine=floor[name], kind=EventKind.MACHINE_STATE).exists()
    # Seed 11 has ASSY-1 reject a unit within 7 simulated minutes, and break down within 30: the reject
    # counter wraps too.
    assert Decimal(totals["ASSY-1"]["reject"]) >= 1
    assert totals["ASSY-1"]["breakdowns"] >= 1
    for role in (TagRole.GOOD_COUNT, TagRole.REJECT_COUNT):
        assert TagCounter.objects.get(tag__device=plcs["assy1"], tag__role=role).wraps == 1
