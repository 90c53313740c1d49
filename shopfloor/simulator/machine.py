"""One simulated machine: what it does in a stretch of simulated time, given the work MES has on it.

While an operation runs, the machine makes a unit every cycle: the routing's run time per unit, a little
slower on average and never twice the same; a few units are rejects. Now and then it breaks down (an alarm
code, the state down), is repaired after a few minutes and runs on. It stops at the quantity the order still
asks for. With no operation open it stands idle; stopped by a person (a pause or a downtime on the tablet)
it shows the state MES gives it, so the poller does not contradict the operator.

Counters count cycles since the simulator started; the devices add them to where each tag's counter stood.
Every random draw comes from the machine's own generator, one per unit and per breakdown, so a seed gives
the same production in simulated time whatever the ticks were.
"""

import logging
import random
from dataclasses import dataclass
from decimal import Decimal

from mes.choices import MachineState

logger = logging.getLogger(__name__)

REJECT_RATE = 0.02
# A cycle takes the routing's time per unit times a factor drawn around PACE_MEAN: machines seldom reach
# the ideal cycle time (OEE performance about 95 %).
PACE_MEAN, PACE_SPREAD, PACE_FASTEST = 1.05, 0.08, 0.7
# Running seconds from one breakdown to the next: at least the first (a machine just repaired holds for a
# while, and a poller sees it run in between), then exponential with the second as mean: 40 minutes in all.
RUN_BETWEEN_BREAKDOWNS = (10 * 60.0, 30 * 60.0)
REPAIR_SECONDS = (3 * 60.0, 12 * 60.0)
ALARMS = (101, 205, 310, 412)  # hydraulic pressure, jam at infeed, motor overtemperature, guard door open


@dataclass(frozen=True)
class Work:
    """What MES has on a machine, as the simulator reads it every few seconds."""

    run_id: int | None = None
    seconds_per_unit: float = 60.0
    good_to_make: Decimal = Decimal(0)  # good units the order still asks for, as MES counted them
    producing: bool = False  # the run runs, or stands only for the machine's own breakdown
    stopped_as: str | None = None  # the state MES holds while a person has the machine stopped


class MachineSim:
    def __init__(self, code: str, rng: random.Random, *, good_scale: Decimal = Decimal(1)) -> None:
        self.code = code
        self.rng = rng
        self.good_scale = good_scale  # units one good cycle makes (the good counter's scale)
        self.state: str = MachineState.IDLE
        self.alarm = 0
        self.good_cycles = 0
        self.reject_cycles = 0
        self.breakdowns = 0
        self.work = Work()
        self.to_make = Decimal(0)  # good units still to make on the current run
        self._cycle_left: float | None = None  # simulated seconds until the unit in the machine is done
        self._repair_left = 0.0
        self._next_breakdown = self._running_until_breakdown()
        self._settle()

    def follow(self, work: Work) -> None:
        """Take the work MES has on the machine now. A run seen for the first time sets the quantity to
        make; later reads lag behind what the poller has not recorded yet, so they do not change it."""
        if work.run_id != self.work.run_id:
            self.to_make = work.good_to_make
            self._cycle_left = None
        self.work = work
        self._settle()

    def advance(self, seconds: float) -> None:
        """Run for `seconds` of simulated time."""
        left = seconds
        while left > 0 and self._settle():
            if self._repair_left > 0:
                step = min(left, self._repair_left)
                self._repair_left -= step
                left -= step
                if self._repair_left <= 0:
                    logger.info("%s is repaired and runs again.", self.code)
                    self.alarm = 0
                continue
            if self._cycle_left is None:
                pace = max(PACE_FASTEST, self.rng.gauss(PACE_MEAN, PACE_SPREAD))
                self._cycle_left = self.work.seconds_per_unit * float(self.good_scale) * pace
            step = min(left, self._cycle_left, self._next_breakdown)
            left -= step
            self._cycle_left -= step
            self._next_breakdown -= step
            if self._cycle_left <= 0:
                self._cycle_done()
            if self._next_breakdown <= 0:
                self._break_down()

    def _settle(self) -> bool:
        """Set the state the machine shows; True while it has work to do (running or being repaired)."""
        if self.work.producing and self.to_make > 0:
            self.state = MachineState.DOWN if self._repair_left > 0 else MachineState.RUNNING
            return True
        # Stopped from outside (or done): a breakdown in progress is over with it.
        self._repair_left, self.alarm = 0.0, 0
        self.state = self.work.stopped_as or MachineState.IDLE
        return False

    def _cycle_done(self) -> None:
        self._cycle_left = None
        if self.rng.random() < REJECT_RATE:
            self.reject_cycles += 1
            return
        self.good_cycles += 1
        self.to_make -= self.good_scale
        if self.to_make <= 0:
            logger.info("%s has made what its order asks for and waits for the next operation.", self.code)

    def _break_down(self) -> None:
        self._next_breakdown = self._running_until_breakdown()
        if self.to_make <= 0:  # the last unit was made: the machine stops anyway
            return
        self.breakdowns += 1
        self._repair_left = self.rng.uniform(*REPAIR_SECONDS)
        self.alarm = self.rng.choice(ALARMS)
        logger.info(
            "%s breaks down (alarm %s) for %.1f simulated minutes.", self.code, self.alarm, self._repair_left / 60
        )

    def _running_until_breakdown(self) -> float:
        least, mean_beyond = RUN_BETWEEN_BREAKDOWNS
        return least + self.rng.expovariate(1 / mean_beyond)
