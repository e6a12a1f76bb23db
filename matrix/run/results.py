"""What a cell's test reports: its result document, from a group's outcome.

``cell_result`` turns one container run (or the reason there is none) into the result of one
cell: its verdict per check with evidence, the snapshots, the commands. ``error_cell`` is the
one place a cell without a run is made (ERROR, SKIPPED, UNSUPPORTED), whether the group did
not run or the cell's test died.
"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import TYPE_CHECKING

from ..checks import Leg, check_atomic, classify_cell, manager_active, overall
from ..core.cells import Cell
from ..core.definition import Definition, builtin_definition
from ..core.documents import CellDoc
from ..core.platforms import SHELL_CONTEXTS, Platform, get_platform
from ..core.verdicts import CHECKS, Verdict
from ..managers import get_manager
from .shells import injected
from .steps import RunResult, expectations

if TYPE_CHECKING:  # the image is Docker's; a cell's result is also made where Docker is not
    from ..build.images import ImageRef


class GroupOutcome:
    """What happened to one group: a run, or the reason there is none; ``shells`` is the bare
    platform's shell state per context, what the run's shells are compared with."""

    def __init__(self, run: RunResult | None = None, image: ImageRef | None = None,
                 verdict: Verdict | None = None, reason: str | None = None,
                 log_tail: list[str] | None = None, shells: dict | None = None) -> None:
        self.run, self.image = run, image
        self.verdict, self.reason, self.log_tail = verdict, reason, log_tail or []
        self.shells = shells
        self.reused: dict | None = None  # {run_id, at} when kept from an earlier run

    def to_dict(self) -> dict:
        """The outcome as plain data, sharing the run's values (plain data already: no deep
        copy, which took most of the CPU time of keeping a result), for JSON."""
        run = {f.name: getattr(self.run, f.name) for f in fields(self.run)} if self.run else None
        return {"run": run,
                "image": self.image.to_dict() if self.image else None,
                "verdict": self.verdict.value if self.verdict else None,
                "reason": self.reason, "log_tail": self.log_tail, "shells": self.shells,
                "reused": self.reused}

    @classmethod
    def from_dict(cls, data: dict) -> GroupOutcome:
        from ..build.images import ImageRef

        outcome = cls(RunResult(**data["run"]) if data["run"] else None,
                      ImageRef(**data["image"]) if data["image"] else None,
                      Verdict(data["verdict"]) if data["verdict"] else None,
                      data["reason"], data["log_tail"], data.get("shells"))
        outcome.reused = data.get("reused")
        return outcome


def error_cell(cell: Cell, verdict: Verdict, reason: str, log_tail: list[str] | None = None,
               image: dict | None = None, behaviour: dict | None = None,
               fixtures: list[dict] | None = None) -> CellDoc:
    """A cell that has no run to judge: every check gets ``verdict`` with the reason."""
    data: CellDoc = {**cell.to_dict(), "group": cell.group,  # type: ignore[typeddict-item]
                     "shell_order": SHELL_CONTEXTS.index(cell.shell)}
    data.update(pollution_fixtures=fixtures or [], manager_behaviour=behaviour or {},
                image=image, verdict=verdict.value, error=reason, log_tail=log_tail or [],
                active=False, snapshots={}, steps=[], manager_info={}, run_seconds=0.0,
                checks={name: {"check": name, "verdict": verdict.value,
                               "evidence": [f"{verdict.value}: {reason}"]}
                        for name in CHECKS})
    return data


def _refused_here(manager, failures: list[str]) -> str | None:
    """A context's switch failures when each is the manager refusing in its own words (mise's
    `mise shell` in a script that activated shims: "mise is not activated in this shell
    session"): the reason, else None."""
    if not failures or not manager.REFUSALS:
        return None
    if all(any(re.search(p, failure) for p in manager.REFUSALS) for failure in failures):
        return f"{manager.NAME} refuses this switch here: {failures[0]}"
    return None


def cell_result(cell: Cell, outcome: GroupOutcome,
                definition: Definition | None = None, platform: Platform | None = None,
                atomic: bool = True) -> CellDoc:
    """The result of one cell of a group, from the group's outcome (and, when that was kept
    from an earlier run, which run: ``reused``). ``platform``: the profile the cell ran on
    when it is not one of the emulated ones by the cell's platform name (doctor's host);
    ``atomic=False``: the run did not measure the switch while it ran, so the cell has no
    ``atomic`` check."""
    data = _cell_result(cell, outcome, definition, platform, atomic)
    if outcome.reused:
        data["reused"] = dict(outcome.reused)  # type: ignore[typeddict-unknown-key]
    return data


def _cell_result(cell: Cell, outcome: GroupOutcome, definition: Definition | None = None,
                 platform: Platform | None = None, atomic: bool = True) -> CellDoc:
    fixtures = (definition or builtin_definition()).fixtures
    pollution = [fixtures.get(f).to_dict() for f in cell.scenario.pollution]
    manager = get_manager(cell.manager)
    behaviour = {**manager.BEHAVIOUR, "script": manager.SCRIPT or "nothing to run"}
    image = outcome.image.to_dict() if outcome.image else None
    if outcome.run is None or outcome.verdict is not None:
        return error_cell(cell, outcome.verdict or Verdict.ERROR, outcome.reason or "",
                          outcome.log_tail, image, behaviour, pollution)
    refused = _refused_here(manager, outcome.run.context_failures.get(cell.shell, []))
    if refused:  # the manager's own refusal in this context: it cannot switch there at all
        return error_cell(cell, Verdict.UNSUPPORTED, refused, outcome.run.log_tail, image,
                          behaviour, pollution)
    data: CellDoc = {**cell.to_dict(), "group": cell.group,  # type: ignore[typeddict-item]
                     "shell_order": SHELL_CONTEXTS.index(cell.shell)}
    data.update(pollution_fixtures=pollution, manager_behaviour=behaviour, image=image)
    run = outcome.run
    snapshots = run.for_shell(cell.shell)
    platform = platform or get_platform(cell.platform)
    scenario = cell.scenario
    expect = expectations(scenario.scope, cell.shell, scenario.old, scenario.new)
    results = classify_cell(snapshots, scenario.old, scenario.new, cell.manager,
                            tuple(manager.managed_dirs(platform)), expect,
                            tuple(manager.shim_dirs(platform)),
                            {v: manager.version_dirs(v, platform)
                             for v in (scenario.old, scenario.new)})
    data["expect"] = expect
    data["injected"] = injected((outcome.shells or {}).get(cell.shell), snapshots.get("base"))
    installed = {v: (run.roots.get(v) or {}).get("version") or v
                 for v in (scenario.old, scenario.new)}
    if any(asked != got for asked, got in installed.items()):
        data["installed"] = installed  # the distribution's release, not the one asked for
    data["active"] = manager_active(snapshots, cell.manager, tuple(manager.managed_dirs(platform)))
    first = Leg(snapshots.get("base") or {}, None, "", "", cell.manager,
                version_dirs={v: manager.version_dirs(v, platform)
                              for v in (scenario.old, scenario.new)})
    if atomic:
        results["atomic"] = check_atomic(
            run.atomic, cell.shell, scenario.old, scenario.new, cell.manager, data["active"],
            lambda path: first.owner(path, real=path),  # by the path's own name
            installed)
    for failure in [*run.switch_failures, *run.context_failures.get(cell.shell, [])]:
        results["version"].add(Verdict.BROKEN, f"expected the switch to work, got {failure}")
    verdict = overall(results)
    error = run.error
    if error and verdict != Verdict.ERROR:
        # A failed step invalidates what came after it; never let it pass silently.
        verdict = Verdict.ERROR
    data.update(verdict=verdict.value, error=error, log_tail=run.log_tail,
                checks={k: v.to_dict() for k, v in results.items()},
                snapshots=snapshots, steps=run.steps, manager_info=run.manager_info,
                roots=run.roots, run_seconds=run.seconds)
    return data
