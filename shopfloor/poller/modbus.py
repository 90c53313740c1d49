"""Modbus TCP: the device's holding registers read every poll_ms, on a fixed schedule."""

import asyncio
import logging

from django.utils import timezone
from pymodbus.client import AsyncModbusTcpClient

from shopfloor.choices import REGISTERS
from shopfloor.poller.config import RegisterBlock, register_blocks
from shopfloor.poller.decoding import registers_decode
from shopfloor.poller.runner import DeviceRunner

logger = logging.getLogger(__name__)


class ModbusError(Exception):
    """The PLC answered a read with a Modbus exception (an unknown register, a busy device)."""


class ModbusRunner(DeviceRunner):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.blocks, self.problems = register_blocks(self.config.tags)

    async def session(self) -> None:
        config = self.config
        # pymodbus neither retries nor reconnects by itself: the runner does, with its backoff.
        client = AsyncModbusTcpClient(
            config.host, port=config.port, name=config.code, timeout=self.timeout, retries=0, reconnect_delay=0
        )
        try:
            if not await client.connect():
                raise ConnectionError(f"cannot connect to {config.host}:{config.port}")
            await self._poll(client)
        finally:
            client.close()

    async def _poll(self, client: AsyncModbusTcpClient) -> None:
        """Read all blocks at every due time; a poll that could not start on time (the previous one took
        longer than the interval) is skipped rather than run late in a burst."""
        loop = asyncio.get_running_loop()
        interval = self.config.poll_seconds
        due = loop.time()
        while True:
            self.stats.lateness.append(max(loop.time() - due, 0.0))
            responses = [await self._read(client, block) for block in self.blocks]
            at = timezone.now()
            if not self.stats.connected:
                self.connected()  # connected means answering, not merely accepting the connection
            for block, registers in zip(self.blocks, responses, strict=True):
                for tag, offset in block.tags:
                    words = registers[offset : offset + REGISTERS[tag.data_type]]
                    self.read(tag, registers_decode(words, tag.data_type, tag.word_order), at)
            self.stats.reads += 1
            due += interval
            now = loop.time()
            if now > due:
                due += (int((now - due) / interval) + 1) * interval
            await asyncio.sleep(due - now)

    async def _read(self, client: AsyncModbusTcpClient, block: RegisterBlock) -> list[int]:
        response = await client.read_holding_registers(block.start, count=block.count, device_id=self.config.unit_id)
        if response.isError():
            raise ModbusError(f"registers {block.start}..{block.start + block.count - 1}: {response}")
        return list(response.registers)
