"""Recipes: how each kind of artifact gets into the mirror, in one table.

A recipe owns the mirror keys under its prefixes. ``fetch`` gets an artifact by itself: from the
upstream online, or (``fetches_offline``) from a registry reachable offline. ``add`` imports a
file or folder a user has (``govm-matrix mirror add <kind> <path>``): the way in, offline, for
artifacts only their upstream has. Both end in the same cache calls, so an image build cannot
tell them apart except by the provenance recorded.

The table (``RecipeBook``) is made of the Go release recipe here and the recipes each manager
folder brings (``matrix.managers.recipe_book``); the cache and ``mirror add`` use it alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import EXIT_ENVIRONMENT, MatrixError

if TYPE_CHECKING:
    from .cache import ArtifactCache


@dataclass(frozen=True)
class Origin:
    """How an artifact came in, as its provenance says it; ``urls`` names where each file of
    a folder was downloaded from, when it was."""

    how: str
    offline: bool
    urls: dict[str, str] = field(default_factory=dict)

    def where(self, path: Path) -> str:
        return self.urls.get(path.name, str(path))


ADDED = Origin("added with `govm-matrix mirror add`", offline=True)


class Recipe:
    """One kind of artifact."""

    #: the mirror keys this recipe writes start with one of these
    prefixes: tuple[str, ...] = ()
    #: the `mirror add` kind ("" when the artifact is never added by hand)
    kind: str = ""
    #: what <path> must be for `mirror add`, as help and errors say it
    path_help: str = ""
    #: whether ``fetch`` works offline (a registry reachable here has it)
    fetches_offline: bool = False

    def pins_now(self) -> dict[str, str]:
        """The version each tool this recipe may run past (``upstream.follow``) is pinned at
        now, by the name its drift records give it; a cached artifact that ran past an older
        pin is fetched again."""
        return {}

    def owns(self, key: str) -> bool:
        return any(key.startswith(prefix) for prefix in self.prefixes)

    def fetch(self, cache: ArtifactCache, key: str) -> None:
        """Put ``key`` (and what belongs with it) into the cache; the caller holds its lock."""
        raise MatrixError(f"no recipe fetches {key!r}", EXIT_ENVIRONMENT)

    def add(self, cache: ArtifactCache, path: Path, origin: Origin) -> list[str]:
        """Import ``path`` (already checked to exist); returns the mirror keys written."""
        raise MatrixError(f"{self.kind or key_kind(self)} cannot be added by hand")

    def missing(self, key: str, description: str = "") -> str:
        """Why ``key`` is missing offline, naming the command that adds it."""
        what = f"{description} ({key})" if description else key
        if not self.kind:
            return f"missing {what}; it can only be fetched online"
        return (f"missing {what}; add it with: govm-matrix mirror add {self.kind} "
                f"<{self.path_help}>")


def key_kind(recipe: Recipe) -> str:
    return type(recipe).__name__


class RecipeBook:
    """The table of recipes: which one owns a mirror key, which one a `mirror add` kind is."""

    def __init__(self, recipes: Iterable[Recipe]) -> None:
        self.recipes = list(recipes)

    def for_key(self, key: str) -> Recipe | None:
        return next((r for r in self.recipes if r.owns(key)), None)

    def kinds(self) -> dict[str, Recipe]:
        """The `mirror add` kinds, in table order."""
        return {r.kind: r for r in self.recipes if r.kind}

    def add(self, cache: ArtifactCache, kind: str, path: Path) -> list[str]:
        """``govm-matrix mirror add <kind> <path>``: the mirror keys written. Bad input
        raises MatrixError naming it and what was expected."""
        kinds = self.kinds()
        if kind not in kinds:
            raise MatrixError(f"unknown artifact kind {kind!r}; valid kinds: "
                              f"{', '.join(kinds)}")
        recipe = kinds[kind]
        path = Path(path).expanduser()
        if not path.exists():
            raise MatrixError(f"{path} does not exist; expected {recipe.path_help}")
        with cache.lock:
            return recipe.add(cache, path.resolve(), ADDED)
