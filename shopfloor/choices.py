from django.db import models
from django.utils.translation import gettext_lazy as _


class Protocol(models.TextChoices):
    MODBUS = "modbus", _("Modbus TCP")
    OPCUA = "opcua", _("OPC UA")


class SecurityMode(models.TextChoices):
    NONE = "None", _("None")
    SIGN = "Sign", _("Sign")
    SIGN_AND_ENCRYPT = "SignAndEncrypt", _("Sign and encrypt")


class TagRole(models.TextChoices):
    GOOD_COUNT = "good_count", _("Good count")
    REJECT_COUNT = "reject_count", _("Reject count")
    STATE = "state", _("Machine state")
    ALARM = "alarm", _("Alarm code")


class DataType(models.TextChoices):
    UINT16 = "uint16", _("Unsigned 16-bit")
    UINT32 = "uint32", _("Unsigned 32-bit")
    INT16 = "int16", _("Signed 16-bit")
    INT32 = "int32", _("Signed 32-bit")
    FLOAT32 = "float32", _("Float 32-bit")


class WordOrder(models.TextChoices):
    BIG = "big", _("Big endian (high word first)")
    LITTLE = "little", _("Little endian (low word first)")


# Bits of the counter types: where a counter wraps to 0.
COUNTER_BITS = {DataType.UINT16: 16, DataType.UINT32: 32, DataType.INT16: 15, DataType.INT32: 31}
# Modbus holding registers per value.
REGISTERS = {DataType.UINT16: 1, DataType.INT16: 1, DataType.UINT32: 2, DataType.INT32: 2, DataType.FLOAT32: 2}

# PackML (ISA-TR88.00.02) state numbers, as a built-in state map.
PACKML_STATE_MAP = {
    1: "idle",  # Clearing
    2: "idle",  # Stopped
    3: "setup",  # Starting
    4: "idle",  # Idle
    5: "down",  # Suspended
    6: "running",  # Execute
    7: "idle",  # Stopping
    8: "down",  # Aborting
    9: "down",  # Aborted
    10: "held",  # Holding
    11: "held",  # Held
    12: "setup",  # Unholding
    13: "down",  # Suspending
    14: "setup",  # Unsuspending
    15: "setup",  # Resetting
    16: "idle",  # Completing
    17: "idle",  # Complete
}
