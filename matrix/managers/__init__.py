"""Manager adapters, found by name: one module per manager in this package."""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import MatrixError
from .base import Manager, Unsupported

__all__ = ["Manager", "Unsupported", "available", "get_manager"]

_SKIP = {"base"}


def _discover() -> dict[str, type[Manager]]:
    found: dict[str, type[Manager]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name in _SKIP or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Manager) and obj.NAME:
                found[obj.NAME] = obj
    return dict(sorted(found.items()))


def available() -> list[str]:
    """Names of every manager adapter, sorted."""
    return list(_discover())


def get_manager(name: str) -> Manager:
    managers = _discover()
    if name not in managers:
        raise MatrixError(f"unknown manager {name!r}; valid managers: {', '.join(managers)}")
    return managers[name]()
