"""Manager adapters, found by name: one folder per manager in this package.

Each folder holds the adapter (``__init__.py``), its image layer (``Dockerfile``,
``install.sh``, helpers) and, in ``RECIPES``, how any artifact only its upstream has gets
into the mirror. Adding a manager is adding a folder; nothing here changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..core.definition import Definition
from ..core.errors import MatrixError
from ..supply.cache import ArtifactCache
from ..supply.go import GoRelease
from ..supply.recipes import Recipe, RecipeBook
from .base import Manager, Unsupported

__all__ = ["Manager", "Unsupported", "artifact_cache", "available", "get_manager",
           "recipe_book", "with_manager_scenarios"]


@cache
def _discover() -> tuple[dict[str, type[Manager]], tuple[Recipe, ...]]:
    found: dict[str, type[Manager]] = {}
    recipes: list[Recipe] = []
    for info in pkgutil.iter_modules(__path__):
        if not info.ispkg or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for obj in vars(module).values():
            if (isinstance(obj, type) and issubclass(obj, Manager) and obj.NAME
                    and obj.__module__ == module.__name__):
                found[obj.NAME] = obj
        recipes += getattr(module, "RECIPES", ())
    return dict(sorted(found.items())), tuple(recipes)


def available() -> list[str]:
    """Names of every manager adapter, sorted."""
    return list(_discover()[0])


def get_manager(name: str) -> Manager:
    managers = _discover()[0]
    if name not in managers:
        raise MatrixError(f"unknown manager {name!r}; valid managers: {', '.join(managers)}")
    return managers[name]()


def with_manager_scenarios(definition: Definition) -> Definition:
    """The definition with every manager's own fixtures and scenarios."""
    managers = [get_manager(name) for name in available()]
    return definition.with_scenarios([f for m in managers for f in m.FIXTURES],
                                     [s for m in managers for s in m.SCENARIOS])


def recipe_book() -> RecipeBook:
    """Every recipe: the Go releases, then each manager folder's own."""
    return RecipeBook([GoRelease(), *_discover()[1]])


def artifact_cache(network: str = "auto", root=None, strict_pins: bool = False) -> ArtifactCache:
    """The artifact cache with every recipe, as a run uses it (``strict_pins``: the run's
    --strict-pins)."""
    return ArtifactCache(root, network=network, recipes=recipe_book(), strict_pins=strict_pins)
