"""Readiness probes the apps add to `/health/ready` (core/views/health.py), registered in AppConfig.ready(), so
core knows nothing of the upper apps (the shopfloor's poller is one).

A probe answers `(healthy, detail)`: the detail is shown under its name in the answer's `checks`, and an
unhealthy probe (or one that raises) makes the status "degraded", never "not ready": a registered probe is
of something the web serves pages without.
"""

from collections.abc import Callable

Probe = Callable[[], tuple[bool, str]]

_probes: dict[str, Probe] = {}


def register_readiness_probe(name: str, probe: Probe) -> None:
    """Add a probe under `name` (its key in `checks`); registering a name again replaces its probe."""
    _probes[name] = probe


def readiness_probes() -> dict[str, Probe]:
    return dict(_probes)
