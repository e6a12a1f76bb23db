"""The cell model: what is asked for, validated and complete, with stable readable ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import permutations

from . import pins
from .definition import Definition, ScenarioSpec, builtin_definition
from .errors import MatrixError
from .managers import available, get_manager
from .managers.base import SCOPES
from .platforms import PLATFORMS, SHELL_CONTEXTS, get_platform


@dataclass(frozen=True)
class Scenario:
    """A transition A→B (and the round trip back to A) in one scope, after pollution."""

    old: str
    new: str
    scope: str = "global"
    pollution: tuple[str, ...] = ()
    name: str = "clean"

    @property
    def transition(self) -> str:
        return f"{self.old}→{self.new}"

    @property
    def label(self) -> str:
        """The id segment: the scope, and the scenario's name unless it is the clean one."""
        return self.scope if self.name == "clean" else f"{self.scope}+{self.name}"


@dataclass(frozen=True)
class Cell:
    platform: str
    manager: str
    scenario: Scenario
    shell: str

    @property
    def id(self) -> str:
        return "/".join((self.platform, self.manager, self.scenario.transition,
                         self.scenario.label, self.shell))

    @property
    def group(self) -> str:
        """Cells of one group share one container run (they differ only in the shell)."""
        return self.id.rsplit("/", 1)[0]

    def to_dict(self) -> dict:
        return {"id": self.id, "platform": self.platform, "manager": self.manager,
                "from": self.scenario.old, "to": self.scenario.new,
                "scope": self.scenario.scope, "scenario": self.scenario.name,
                "pollution": list(self.scenario.pollution), "shell": self.shell}


@dataclass
class Selection:
    platforms: list[str] = field(default_factory=lambda: list(PLATFORMS))
    managers: list[str] = field(default_factory=available)
    go: list[str] = field(default_factory=lambda: list(pins.DEFAULT_GO))
    scopes: list[str] = field(default_factory=lambda: list(SCOPES))
    scenarios: list[str] = field(default_factory=list)  # empty: every scenario

    def to_dict(self) -> dict:
        return {"platforms": self.platforms, "managers": self.managers, "go": self.go,
                "scopes": self.scopes, "scenarios": self.scenarios}


def split_values(values: list[str] | None) -> list[str]:
    """Options may repeat and may hold comma-separated lists; keep order, drop repeats."""
    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def make_selection(platforms=None, managers=None, go=None, scopes=None,
                   scenarios=None) -> Selection:
    """Validate the selection options; raises MatrixError naming the bad value."""
    sel = Selection()
    if split_values(platforms):
        sel.platforms = [get_platform(p).name for p in split_values(platforms)]
    if split_values(managers):
        sel.managers = [get_manager(m).name for m in split_values(managers)]
    if split_values(go):
        sel.go = split_values(go)
        for version in sel.go:
            if version not in pins.GO:
                raise MatrixError(f"unknown Go version {version!r}; valid versions: "
                                  f"{', '.join(pins.GO)}")
        if len(sel.go) < 2:
            raise MatrixError(f"--go needs at least two versions to switch between, got "
                              f"{sel.go[0]!r}; e.g. --go {','.join(pins.DEFAULT_GO)}")
    if split_values(scopes):
        sel.scopes = split_values(scopes)
        for scope in sel.scopes:
            if scope not in SCOPES:
                raise MatrixError(f"unknown scope {scope!r}; valid scopes: {', '.join(SCOPES)}")
    sel.scenarios = split_values(scenarios)
    return sel


def check_scenarios(sel: Selection, definition: Definition) -> None:
    """Scenario names given with --scenario must exist in the definition."""
    known = [s.name for s in definition.scenarios]
    for name in sel.scenarios:
        if name not in known:
            raise MatrixError(f"unknown scenario {name!r}; valid scenarios: {', '.join(known)}")


def build_cells(sel: Selection, definition: Definition | None = None) -> list[Cell]:
    """Every cell of the selection and definition, in report order: both directions of every
    pair, every scenario in every scope it asks for that the selection keeps, every shell
    context of the platform. A scope the manager lacks still yields its cells (UNSUPPORTED)."""
    definition = definition or builtin_definition()
    check_scenarios(sel, definition)
    cells = []
    for platform_name in sel.platforms:
        platform = get_platform(platform_name)
        for manager in sel.managers:
            for old, new in permutations(sel.go, 2):
                for spec in definition.scenarios:
                    if sel.scenarios and spec.name not in sel.scenarios:
                        continue
                    if not _applies(spec, definition, platform.name, manager):
                        continue
                    for scope in (s for s in spec.scopes if s in sel.scopes):
                        scenario = Scenario(old, new, scope, spec.pollution, spec.name)
                        cells += [Cell(platform.name, manager, scenario, shell)
                                  for shell in SHELL_CONTEXTS if shell in platform.shells]
    return cells


def _applies(spec: ScenarioSpec, definition: Definition, platform: str, manager: str) -> bool:
    if spec.platforms and platform not in spec.platforms:
        return False
    if spec.managers and manager not in spec.managers:
        return False
    return all(definition.fixtures.get(f).applies_to(platform) for f in spec.pollution)


def parse_sources(values: list[str] | None) -> dict[str, str]:
    """``NAME=PATH`` pairs for --manager-source, validated: a manager that can take a local
    build, and a file that exists."""
    from pathlib import Path

    sources: dict[str, str] = {}
    for value in values or []:
        name, sep, path = value.partition("=")
        if not sep or not name or not path:
            raise MatrixError(f"bad --manager-source {value!r}; expected NAME=PATH, "
                              "e.g. mise=./target/release/mise")
        manager = get_manager(name)
        if not manager.SOURCE_ARTIFACT:
            takes = [m for m in available() if get_manager(m).SOURCE_ARTIFACT]
            raise MatrixError(f"{name} has no manager program to replace; --manager-source "
                              f"takes: {', '.join(takes)}")
        if not Path(path).is_file():
            raise MatrixError(f"--manager-source {name}: no file at {path}")
        sources[name] = str(Path(path).resolve())
    return sources
