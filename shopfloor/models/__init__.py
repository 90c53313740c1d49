from shopfloor.models.devices import Device, DeviceHealth, Tag, TagCounter

__all__ = ["Device", "DeviceHealth", "Tag", "TagCounter"]
