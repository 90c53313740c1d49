"""SmartAppliance Co.'s PLCs: a device on 127.0.0.1 for every active machine, each on its own port from
TAKT_PLC_SIM_PORT up, served by `manage.py plc_simulator` and read by `manage.py shopfloor_run`.

Most machines speak Modbus TCP: a 16-bit good counter, a 32-bit reject counter low word first (as some
controllers keep it), the PackML state and an alarm code. The SMT line and the test bench speak OPC UA with
their vendor's own state codes."""

from django.conf import settings

from core.models import Machine
from shopfloor.choices import DataType, Protocol, TagRole, WordOrder
from shopfloor.models import Device, Tag

HOST = "127.0.0.1"
OPCUA_MACHINES = ("SMT-1", "TEST-1")
OPCUA_PATH = "/plc/"
OPCUA_STATE_MAP = "1:running;2:idle;3:setup;4:down;5:held"

# role, Modbus holding register, data type, word order, state map
MODBUS_TAGS = [
    (TagRole.GOOD_COUNT, "0", DataType.UINT16, WordOrder.BIG, ""),
    (TagRole.REJECT_COUNT, "2", DataType.UINT32, WordOrder.LITTLE, ""),
    (TagRole.STATE, "4", DataType.UINT16, WordOrder.BIG, "packml"),
    (TagRole.ALARM, "5", DataType.UINT16, WordOrder.BIG, ""),
]
# role, node name after the machine's code, data type, state map
OPCUA_TAGS = [
    (TagRole.GOOD_COUNT, "Good", DataType.UINT32, ""),
    (TagRole.REJECT_COUNT, "Reject", DataType.UINT32, ""),
    (TagRole.STATE, "State", DataType.INT32, OPCUA_STATE_MAP),
    (TagRole.ALARM, "Alarm", DataType.UINT16, ""),
]


def plc_for(*, machine: Machine, port: int, protocol: str) -> Device:
    """The machine's demo PLC on `port` with its tags (created, or put back as the demo has it)."""
    fields = {"host": HOST, "port": port, "unit_id": 1, "poll_ms": 1000, "active": True}
    if protocol == Protocol.OPCUA:
        fields |= {"endpoint_path": OPCUA_PATH}
        tags = [
            (role, f"ns=2;s={machine.code}.{name}", data_type, WordOrder.BIG, state_map)
            for role, name, data_type, state_map in OPCUA_TAGS
        ]
    else:
        fields |= {"endpoint_path": ""}
        tags = MODBUS_TAGS
    device, _ = Device.objects.update_or_create(
        code=f"PLC-{machine.code}",
        defaults={"name": f"{machine.name} PLC", "machine": machine, "protocol": protocol, **fields},
    )
    for role, address, data_type, word_order, state_map in tags:
        Tag.objects.update_or_create(
            device=device,
            role=role,
            defaults={"address": address, "data_type": data_type, "word_order": word_order, "state_map": state_map},
        )
    return device


def load() -> dict[str, int]:
    machines = Machine.objects.filter(active=True).order_by("code")
    for index, machine in enumerate(machines):
        protocol = Protocol.OPCUA if machine.code in OPCUA_MACHINES else Protocol.MODBUS
        plc_for(machine=machine, port=settings.TAKT_PLC_SIM_PORT + index, protocol=protocol)
    return {
        "Modbus TCP devices": Device.objects.filter(protocol=Protocol.MODBUS).count(),
        "OPC UA devices": Device.objects.filter(protocol=Protocol.OPCUA).count(),
        "tags": Tag.objects.count(),
    }
