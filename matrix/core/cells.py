"""The cell model: what is asked for, complete, with stable readable ids.

A cell is platform × manager × scenario × shell context; a group is a cell without its shell,
one container run. Values are validated before they get here (``matrix.run.config``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

from .definition import SCOPES, Definition, ScenarioSpec
from .errors import MatrixError
from .platforms import SHELL_CONTEXTS, get_platform


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


@dataclass(frozen=True)
class Selection:
    """What a run asks for, already validated (see ``matrix.run.config``)."""

    platforms: tuple[str, ...]
    managers: tuple[str, ...]
    go: tuple[str, ...]
    scopes: tuple[str, ...] = SCOPES
    scenarios: tuple[str, ...] = ()  # empty: every scenario

    def to_dict(self) -> dict:
        return {"platforms": list(self.platforms), "managers": list(self.managers),
                "go": list(self.go), "scopes": list(self.scopes),
                "scenarios": list(self.scenarios)}


def split_values(values: list[str] | None) -> list[str]:
    """Options may repeat and may hold comma-separated lists; keep order, drop repeats."""
    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip()
            if part and part not in out:
                out.append(part)
    return out


def check_scenarios(sel: Selection, definition: Definition) -> None:
    """Scenario names given with --scenario must exist in the definition."""
    known = [s.name for s in definition.scenarios]
    for name in sel.scenarios:
        if name not in known:
            raise MatrixError(f"unknown scenario {name!r}; valid scenarios: {', '.join(known)}")


def build_cells(sel: Selection, definition: Definition) -> list[Cell]:
    """Every cell of the selection and definition, in report order: both directions of every
    pair, every scenario in every scope it asks for that the selection keeps, every shell
    context of the platform. A scope the manager lacks still yields its cells (UNSUPPORTED)."""
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
