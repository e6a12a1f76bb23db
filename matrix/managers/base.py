"""The interface every version-manager adapter implements.

A manager is one folder in this package: its ``__init__.py`` defines one subclass of
``Manager`` with a ``NAME`` (and, in ``RECIPES``, the recipes of any artifact only its upstream
has); beside it are its image layer's ``Dockerfile`` and ``install.sh``, which installs the
manager and each Go version from the loopback mirror, verifies every install root with the
manager's own command (``record_root`` in the base layer's ``lib.sh``), and writes them to
``/opt/govm-matrix/roots.json``. Shell helpers only this manager uses live in its folder too.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from abc import ABC, abstractmethod
from pathlib import Path

from ..core.definition import SCOPES, ScenarioSpec
from ..core.fixtures import Fixture
from ..core.platforms import Platform
from ..supply.go import go_key

__all__ = ["SCOPES", "Manager", "Unsupported", "q"]
# Files of a manager's folder that are not part of its image layer.
NOT_CONTEXT = {"README.md"}


def _layer_files(folder: Path) -> dict[str, Path]:
    """The build context of the image layer in ``folder``: name in the context -> file."""
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*"))
            if p.is_file() and p.suffix not in (".py", ".pyc") and p.name not in NOT_CONTEXT
            and "__pycache__" not in p.parts}


class Unsupported(Exception):
    """The manager cannot do what a scenario asks; the message says why, in its own words."""


class Manager(ABC):
    NAME: str = ""
    #: scope -> what selecting in that scope means for this manager
    SCOPES: dict[str, str] = {}
    #: documented behaviour, shown in the report so SHARED can be told from LEAK
    BEHAVIOUR: dict[str, str] = {}
    #: the build argument naming the mirror key of the manager's own program, for managers
    #: that can be installed from a local build (--manager-source); "" for none
    SOURCE_ARTIFACT: str = ""
    #: mirror keys the layer needs that cannot be fetched (offline), with what each is; when
    #: one is missing every cell of the manager is SKIPPED naming it and `mirror add`
    REQUIRES: dict[str, str] = {}
    #: hosts the manager's install downloads from over hard-coded https URLs: during the
    #: build they resolve to an HTTPS mirror on 127.0.0.1:443 with a CA made for the run
    HTTPS_HOSTS: tuple[str, ...] = ()
    #: what a script or CI step runs to use the manager, as its docs tell (the "script"
    #: shell context runs it first, in one non-interactive bash process); "" for nothing
    SCRIPT: str = ""
    #: the name the report shows, when the adapter is not the plain tool (a workaround)
    LABEL: str = ""

    #: the subfolder (its own Dockerfile and files) of a layer between the platform's and the
    #: manager's own, which every adapter of the folder builds on: built once for all of them
    #: (the distro adapters' packages); its build needs the manager's artifacts, and the
    #: manager's own layer none. "" for none
    SHARED_LAYER: str = ""

    #: files of other managers' folders the image layer also needs (paths relative to the
    #: managers package), e.g. a shell helper two adapters share
    SHARED_FILES: tuple[str, ...] = ()
    #: pollution fixtures and scenarios of the manager's own, added to the default matrix:
    #: what its users report (a scenario's ``managers`` name this manager)
    FIXTURES: tuple[Fixture, ...] = ()
    SCENARIOS: tuple[ScenarioSpec, ...] = ()

    @property
    def name(self) -> str:
        return self.NAME

    @property
    def image_dir(self) -> Path:
        """The folder of the manager's image layer: its own folder in this package, or under
        ``GOVM_MATRIX_IMAGES/managers/<NAME>`` (a maintainer's modified copy)."""
        override = os.environ.get("GOVM_MATRIX_IMAGES")
        if override:
            return Path(override) / "managers" / self.NAME
        return Path(sys.modules[type(self).__module__].__file__).resolve().parent

    def context(self) -> dict[str, Path]:
        """The image layer's build context: name in the context -> file."""
        folder = self.image_dir
        files = {name: p for name, p in _layer_files(folder).items()
                 if not (self.SHARED_LAYER and Path(name).parts[0] == self.SHARED_LAYER)}
        managers_dir = folder.parent
        for shared in self.SHARED_FILES:
            files[Path(shared).name] = managers_dir / shared
        return files

    def shared_layer(self) -> tuple[str, dict[str, Path]] | None:
        """The layer below the manager's own that the adapters of its folder share
        (``SHARED_LAYER``): its name (the folder's and the subfolder's) and its build context;
        None for none."""
        if not self.SHARED_LAYER:
            return None
        folder = self.image_dir
        return (f"{folder.name}-{self.SHARED_LAYER}",
                _layer_files(folder / self.SHARED_LAYER))

    def shared_build_args(self) -> dict[str, str]:
        """Extra build arguments of the shared layer (``SHARED_LAYER``): the same for every
        adapter that shares it."""
        return {}

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        """Extra build arguments of the manager layer (pinned version, the mirror key of a
        local build given with --manager-source, …)."""
        return {}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        """Mirror keys the manager layer downloads."""
        return [go_key(v) for v in versions]

    def cannot_install(self, versions) -> str | None:
        """Why the manager cannot install these Go versions at all (in its own terms, naming
        what it can), or None. Most managers install any release."""
        return None

    def supports(self, scope: str) -> bool:
        return scope in self.SCOPES

    def select(self, version: str, scope: str, platform: Platform) -> str:
        """The shell command a person types to select ``version`` in ``scope``."""
        if not self.supports(scope):
            raise Unsupported(f"{self.NAME} has no {scope} scope "
                              f"(it has: {', '.join(self.SCOPES)})")
        return self._select(version, scope, platform)

    @abstractmethod
    def _select(self, version: str, scope: str, platform: Platform) -> str: ...

    def current(self, platform: Platform) -> str | None:
        """A shell command whose output's last line names the version selected in the global
        scope, as ``select(<that>, "global", platform)`` selects it again; it prints nothing
        when nothing is selected. None when the adapter cannot tell: `govm-matrix doctor
        --switch` then refuses to switch, since it could not put the selection back."""
        return None

    def version_dirs(self, version: str, platform: Platform) -> list[str]:
        """Folders that belong to one Go version besides its install folder (a per-version
        GOPATH the manager keeps elsewhere): a path inside them is that version's."""
        return []

    def shim_dirs(self, platform: Platform) -> list[str]:
        """Directories of shims: a go there runs whatever version the manager selects."""
        return []

    def unsupported_probe(self, version: str, scope: str, platform: Platform) -> str | None:
        """A command whose failure shows, in the manager's own words, that it cannot do the
        scenario at all (e.g. `sdk install go <version>`); None when there is none."""
        return None

    #: the manager's own words when it refuses what ``unsupported_probe`` asks (regular
    #: expressions searched in its output); a failure without them is not a refusal
    REFUSALS: tuple[str, ...] = ()

    def refusal(self, command: str, status: int, output: str) -> str | None:
        """The reason a failed ``unsupported_probe`` is the manager's own refusal, in its own
        words; None when its output holds none of ``REFUSALS`` (a broken install, a missing
        command), which the harness then reports as ERROR with the output."""
        lines = [line for line in output.splitlines() if line.strip()]
        for line in reversed(lines):
            if any(re.search(pattern, line) for pattern in self.REFUSALS):
                return f"`{command}` exited {status}: {line.strip()}"
        return None

    @abstractmethod
    def managed_dirs(self, platform: Platform) -> list[str]:
        """Directories whose PATH entries belong to the manager (besides the install roots).

        PATH entries outside these and outside every install root are the user's and must
        survive a switch byte for byte."""


def q(value: str) -> str:
    return shlex.quote(value)
