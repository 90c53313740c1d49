"""Readings waiting for the database, in the order they were read.

They are held in memory up to a bound. Past it (the database is away) they go to a spill file, appended
in order; the file then holds the oldest readings and is handed over first. The file is bounded too:
when it is full, new readings are dropped and counted. A dropped counter reading loses no count (the next
reading of the tag counts from the last saved value), only the time the units are booked at; a dropped
state change is lost.

The file survives a crash: the next poller hands it over before anything it reads itself. Readings of it
already recorded are skipped by `readings_record` (not later than the tag's last saved reading).
"""

import datetime
import json
import logging
import os
from collections import deque
from collections.abc import Iterator
from contextlib import suppress
from itertools import islice
from pathlib import Path

from shopfloor.services.readings import Reading

logger = logging.getLogger(__name__)


class ReadingBuffer:
    """A FIFO of readings: `put` at the end; `peek` the oldest, then `commit` them once recorded or
    `release` them when recording failed (they stay first)."""

    def __init__(self, *, spill_path: Path, memory_limit: int = 20_000, file_limit: int = 2_000_000):
        self.spill_path = spill_path
        self.memory_limit = memory_limit
        self.file_limit = file_limit
        self.memory: deque[Reading] = deque()
        self.dropped = 0
        self.spill_error = ""
        # The spill file: the readings it holds, those of them recorded, the byte offset of the first
        # unrecorded one and the file's size.
        self.file_count = self.file_done = self.file_offset = self.file_size = 0
        # The last peek: how many readings it took from memory, or the file offset after each it took
        # from the file.
        self.peeked_memory = 0
        self.peeked_file: list[int] = []
        if spill_path.exists():
            self.file_size = spill_path.stat().st_size
            self.file_count = sum(1 for _ in self._file_readings(0))
            logger.warning("%s holds %s readings of an earlier run: recorded first.", spill_path, self.file_count)

    def __len__(self) -> int:
        return self.spilled + len(self.memory)

    @property
    def spilled(self) -> int:
        """Readings waiting in the spill file."""
        return self.file_count - self.file_done

    def put(self, reading: Reading) -> None:
        self.memory.append(reading)
        if len(self.memory) > self.memory_limit:
            self.spill()

    def spill(self) -> None:
        """Move every reading held in memory to the end of the spill file, as far as its bound allows. A
        peek from memory not yet committed now refers to the file, where those readings went first."""
        room = max(self.file_limit - self.file_count, 0)
        lines = [
            (json.dumps([reading.tag_id, reading.raw, reading.at.isoformat()]) + "\n").encode()
            for reading in islice(self.memory, room)
        ]
        if lines and not self._append(lines):
            return
        if room < len(self.memory):
            self.dropped += len(self.memory) - room
            logger.error("Spill file %s is full: %s newest readings dropped.", self.spill_path, len(self.memory) - room)
        self.memory.clear()
        if not lines:
            return
        ends, end = [], self.file_size
        for line in lines:
            end += len(line)
            ends.append(end)
        if self.peeked_memory:
            self.peeked_file = ends[: self.peeked_memory]
            self.peeked_memory = 0
        self.file_size = end
        self.file_count += len(lines)
        logger.warning("%s readings spilled to %s (%s waiting there).", len(lines), self.spill_path, self.spilled)

    def _append(self, lines: list[bytes]) -> bool:
        """Append to the spill file; on failure (a full disk) leave it as it was and the readings in memory,
        past the bound, and say so once."""
        try:
            self.spill_path.parent.mkdir(parents=True, exist_ok=True)
            with self.spill_path.open("ab") as file:
                file.writelines(lines)
        except OSError as error:
            with suppress(OSError):
                os.truncate(self.spill_path, self.file_size)
            if self.spill_error != str(error):
                logger.error("Readings cannot be spilled to %s, kept in memory: %s", self.spill_path, error)
            self.spill_error = str(error)
            return False
        self.spill_error = ""
        return True

    def peek(self, limit: int) -> list[Reading]:
        """The oldest readings, at most `limit`: from the spill file while it holds any, then from memory."""
        self.release()
        if self.spilled:
            readings = []
            for reading, end in islice(self._file_readings(self.file_offset), limit):
                readings.append(reading)
                self.peeked_file.append(end)
            return readings
        readings = list(islice(self.memory, limit))
        self.peeked_memory = len(readings)
        return readings

    def commit(self) -> None:
        """Forget the readings of the last peek: they are recorded."""
        if self.peeked_file:
            self.file_offset = self.peeked_file[-1]
            self.file_done += len(self.peeked_file)
            if self.file_done == self.file_count:
                self.spill_path.unlink(missing_ok=True)
                self.file_count = self.file_done = self.file_offset = self.file_size = 0
        for _ in range(self.peeked_memory):
            self.memory.popleft()
        self.release()

    def release(self) -> None:
        """Keep the readings of the last peek where they are, first in line."""
        self.peeked_memory = 0
        self.peeked_file = []

    def _file_readings(self, offset: int) -> Iterator[tuple[Reading, int]]:
        """(reading, offset after it) from `offset` on; a line cut short by a crash is skipped."""
        with self.spill_path.open("rb") as file:
            file.seek(offset)
            for line in file:
                offset += len(line)
                try:
                    tag_id, raw, at = json.loads(line)
                    reading = Reading(int(tag_id), int(raw), datetime.datetime.fromisoformat(at))
                except (ValueError, TypeError):
                    logger.error("Unreadable line in %s skipped: %r", self.spill_path, line[:200])
                    continue
                yield reading, offset
