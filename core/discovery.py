"""Modules the apps provide by name (`roles.py`, `events.py`...), found at run time: core never imports the
apps above it."""

from collections.abc import Iterator
from importlib import import_module
from types import ModuleType

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_modules(name: str) -> Iterator[tuple[str, ModuleType]]:
    """(app label, module) of every installed app that has a module `name`; an error inside one is raised."""
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, name):
            yield config.label, import_module(f"{config.name}.{name}")
