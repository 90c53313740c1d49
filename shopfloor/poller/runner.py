"""One device's life in the poller: connect, read until the connection fails, wait, connect again.

Every device runs as its own asyncio task with short timeouts, so a dead or silent PLC only ever waits
for itself. The wait between attempts doubles from `backoff_start` up to `backoff_cap`, and starts over
once a connection has worked.
"""

import asyncio
import datetime
import logging
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from shopfloor.poller.config import DeviceConfig, TagConfig

logger = logging.getLogger(__name__)

# Where a device's values go: the tag, its value as read and when it was read.
Sink = Callable[[TagConfig, int | float | bool, datetime.datetime], None]


@dataclass
class DeviceStats:
    connected: bool = False
    last_reading_at: datetime.datetime | None = None
    last_error: str = ""
    reads: int = 0  # reads since the last health report
    # How late each poll started after it was due, in seconds (Modbus; OPC UA servers push).
    lateness: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))


def error_text(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class DeviceRunner(ABC):
    """Runs `session` again and again, with the backoff between attempts."""

    def __init__(
        self, config: DeviceConfig, sink: Sink, *, timeout: float, backoff_start: float, backoff_cap: float
    ) -> None:
        self.config = config
        self.sink = sink
        self.timeout = timeout
        self.backoff_start = backoff_start
        self.backoff_cap = backoff_cap
        self.stats = DeviceStats()
        self.problems: list[str] = []  # what is wrong with the device's set-up (a tag without address...)

    @abstractmethod
    async def session(self) -> None:
        """Connect, call `connected` once the PLC answers, hand every value to `read`, and raise when the
        connection is gone."""

    async def run(self) -> None:
        delay = self.backoff_start
        while True:
            try:
                await self.session()
            except Exception as error:  # whatever one device does, it stays with that device
                if self.stats.connected:
                    delay = self.backoff_start  # it worked until now: try again soon
                text = error_text(error)
                if text != self.stats.last_error:
                    logger.warning("%s: %s; retrying in %.1f s", self.config, text, delay)
                self.stats.connected, self.stats.last_error = False, text
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_cap)

    def connected(self) -> None:
        if not self.stats.connected and self.stats.last_error:
            logger.info("%s: connected", self.config)
        self.stats.connected = True
        self.stats.last_error = "; ".join(self.problems)

    def read(self, tag: TagConfig, value: int | float | bool, at: datetime.datetime) -> None:
        self.sink(tag, value, at)
        self.stats.last_reading_at = at
