"""PLC values to the integers MES counts.

Modbus holding registers are 16-bit words; a 32-bit value spans two of them, high word first ("big") or
low word first ("little", common on Schneider and some Siemens set-ups). OPC UA delivers typed values.
Either way a tag's value becomes one integer, the raw value the counting in `readings_record` works on.
"""

import math
import struct
from collections.abc import Sequence

from shopfloor.choices import COUNTER_BITS, REGISTERS, DataType, TagRole, WordOrder

# struct format of each type, big-endian, over its registers in high-word-first order.
FORMATS = {
    DataType.UINT16: ">H",
    DataType.INT16: ">h",
    DataType.UINT32: ">I",
    DataType.INT32: ">i",
    DataType.FLOAT32: ">f",
}
COUNTER_ROLES = frozenset({TagRole.GOOD_COUNT, TagRole.REJECT_COUNT})


def registers_decode(registers: Sequence[int], data_type: str, word_order: str = WordOrder.BIG) -> int | float:
    """The value `registers` hold as `data_type`; a ValueError if they are the wrong number or not 16-bit."""
    words = list(registers)
    if len(words) != REGISTERS[data_type]:
        raise ValueError(f"{data_type} takes {REGISTERS[data_type]} register(s), got {len(words)}")
    if word_order == WordOrder.LITTLE:
        words.reverse()
    try:
        data = struct.pack(f">{len(words)}H", *words)
    except struct.error as error:
        raise ValueError(f"not 16-bit registers: {registers!r}") from error
    return struct.unpack(FORMATS[data_type], data)[0]


def registers_encode(value: int | float, data_type: str, word_order: str = WordOrder.BIG) -> list[int]:
    """The registers a PLC holds `value` in: the inverse of `registers_decode` (servers and simulators use it)."""
    words = list(struct.unpack(f">{REGISTERS[data_type]}H", struct.pack(FORMATS[data_type], value)))
    if word_order == WordOrder.LITTLE:
        words.reverse()
    return words


def reading_raw(value: float | bool, *, role: str, data_type: str) -> int | None:
    """The integer recorded for a tag's value, or None for a value that is no number (NaN, infinity).

    A float is rounded. A counter is taken modulo its wrap size (`COUNTER_BITS`): a signed counter that
    runs past its maximum into negative numbers, as two's complement does, then counts on across the wrap
    instead of looking like a counter reset to a negative value.
    """
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        value = round(value)
    raw = int(value)
    if role in COUNTER_ROLES:
        raw %= 1 << COUNTER_BITS.get(data_type, 32)
    return raw
