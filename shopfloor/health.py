"""The poller's part of `/health/ready` (core/health.py), registered in ShopfloorConfig.ready()."""

from shopfloor.selectors.devices import devices_polled


def poller_probe() -> tuple[bool, str]:
    """Healthy when a poller reported every active device within the health window (30 s): with a poller
    (or one shard of them) down, the devices it reads go unpolled and the web is "degraded"."""
    polled, active = devices_polled()
    if not active:
        return True, "none configured"
    return polled == active, f"{polled} of {active} devices polled"
