"""The simulated PLCs on the network: a pymodbus Modbus TCP server or an asyncua OPC UA server per device,
showing its machine's counters, state and alarm at the addresses its tags name, encoded as they say."""

import logging
from abc import ABC, abstractmethod
from collections.abc import Iterator

from asyncua import Node, Server, ua
from pymodbus.server import ModbusTcpServer
from pymodbus.simulator import DataType as SimDataType
from pymodbus.simulator import SimData, SimDevice

from shopfloor.choices import REGISTERS, DataType, Protocol, TagRole
from shopfloor.poller.decoding import registers_encode
from shopfloor.simulator.floor import Plc, SimTag
from shopfloor.simulator.machine import MachineSim

logger = logging.getLogger(__name__)

SIGNED = (DataType.INT16, DataType.INT32)
VARIANT_TYPES = {
    DataType.UINT16: ua.VariantType.UInt16,
    DataType.INT16: ua.VariantType.Int16,
    DataType.UINT32: ua.VariantType.UInt32,
    DataType.INT32: ua.VariantType.Int32,
    DataType.FLOAT32: ua.VariantType.Float,
}


def counter_value(steps: int, data_type: str) -> int | float:
    """A counter that has counted `steps` as a PLC holds it in `data_type`: integers wrap at their width
    (signed ones into the negative, as two's complement does), floats count on."""
    if data_type == DataType.FLOAT32:
        return float(steps)
    bits = 16 * REGISTERS[data_type]
    value = steps % (1 << bits)
    if data_type in SIGNED and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value


def shown_value(tag: SimTag, machine: MachineSim) -> int | float | None:
    """What the tag shows of the machine now; None for a state its map has no code for."""
    data_type = tag.tag.data_type
    match tag.tag.role:
        case TagRole.GOOD_COUNT:
            return counter_value(tag.start + machine.good_cycles, data_type)
        case TagRole.REJECT_COUNT:
            return counter_value(tag.start + machine.reject_cycles, data_type)
        case TagRole.STATE:
            value = tag.state_codes.get(machine.state)
        case _:
            value = machine.alarm
    if value is None:
        return None
    return float(value) if data_type == DataType.FLOAT32 else value


class PlcServer(ABC):
    def __init__(self, plc: Plc, machine: MachineSim) -> None:
        self.plc = plc
        self.machine = machine

    def __str__(self) -> str:
        return str(self.plc.device)

    def values(self) -> Iterator[tuple[SimTag, int | float]]:
        for tag in self.plc.tags:
            value = shown_value(tag, self.machine)
            if value is not None:
                yield tag, value

    @abstractmethod
    async def start(self) -> None:
        """Listen, showing the machine as it is."""

    @abstractmethod
    async def show(self) -> None:
        """Show the machine's values as they are now."""

    @abstractmethod
    async def stop(self) -> None: ...


class ModbusPlcServer(PlcServer):
    """Holding registers from 0 up to the last tag's. pymodbus answers from its own datastore; the action
    it calls on every request copies the registers in first, so a read never sees half a value."""

    def __init__(self, plc: Plc, machine: MachineSim) -> None:
        super().__init__(plc, machine)
        size = max((tag.tag.register + REGISTERS[tag.tag.data_type] for tag in plc.tags), default=1)
        self.registers = [0] * size
        self.server: ModbusTcpServer | None = None

    async def start(self) -> None:
        await self.show()
        device = SimDevice(
            id=self.plc.device.unit_id,
            simdata=SimData(0, count=len(self.registers), values=0, datatype=SimDataType.REGISTERS),
            action=self._serve,
        )
        self.server = ModbusTcpServer(device, address=(self.plc.device.host, self.plc.device.port))
        await self.server.serve_forever(background=True)

    async def show(self) -> None:
        for tag, value in self.values():
            words = registers_encode(value, tag.tag.data_type, tag.tag.word_order)
            self.registers[tag.tag.register : tag.tag.register + len(words)] = words

    async def stop(self) -> None:
        await self.server.shutdown()

    async def _serve(self, function_code, start_address, address, count, registers, set_values):
        registers[: len(self.registers)] = self.registers


class OpcUaPlcServer(PlcServer):
    """A variable per tag under Objects, with the tag's node id; namespaces are registered up to the
    highest index the node ids use (the first one registered is ns=2). No security: the demo's devices
    use none."""

    def __init__(self, plc: Plc, machine: MachineSim) -> None:
        super().__init__(plc, machine)
        self.server = Server()
        self.nodes: dict[int, Node] = {}  # tag id: its variable
        self.shown: dict[int, int | float] = {}

    async def start(self) -> None:
        await self.server.init()
        self.server.set_endpoint(self.plc.device.endpoint_url)
        self.server.set_server_name(f"Takt PLC simulator: {self.plc.code}")
        self.server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        values = {tag.tag.id: value for tag, value in self.values()}
        for tag in self.plc.tags:
            node_id = ua.NodeId.from_string(tag.tag.address)
            while node_id.NamespaceIndex >= (count := len(await self.server.get_namespace_array())):
                await self.server.register_namespace(f"urn:takt:plc-simulator:{self.plc.code}:{count}")
            value = values.get(tag.tag.id, 0.0 if tag.tag.data_type == DataType.FLOAT32 else 0)
            self.nodes[tag.tag.id] = await self.server.nodes.objects.add_variable(
                node_id,
                ua.QualifiedName(str(node_id.Identifier), node_id.NamespaceIndex),
                ua.Variant(value, VARIANT_TYPES[tag.tag.data_type]),
            )
            self.shown[tag.tag.id] = value
        await self.server.start()

    async def show(self) -> None:
        for tag, value in self.values():
            if self.shown.get(tag.tag.id) != value:
                await self.nodes[tag.tag.id].write_value(ua.Variant(value, VARIANT_TYPES[tag.tag.data_type]))
                self.shown[tag.tag.id] = value

    async def stop(self) -> None:
        await self.server.stop()


def plc_server(plc: Plc, machine: MachineSim) -> PlcServer:
    if plc.device.protocol == Protocol.OPCUA:
        return OpcUaPlcServer(plc, machine)
    return ModbusPlcServer(plc, machine)
