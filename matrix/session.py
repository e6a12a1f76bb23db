"""Per-process state of a matrix run: Docker, the artifact cache, the mirror, images, runs.

Each pytest process (the controller, or each xdist worker) has one ``MatrixSession``. Cells of
one group share one container run; the run happens for the first cell of the group that this
process sees, the others reuse it.
"""

from __future__ import annotations

import hashlib
import json
import traceback
import uuid
from dataclasses import asdict
from pathlib import Path

from filelock import FileLock

from . import docker_env, pins
from .artifacts import ArtifactCache
from .cells import Cell
from .checks import CHECKS, classify_cell, manager_active, overall
from .definition import Definition, builtin_definition
from .errors import MatrixError
from .images import BuildFailed, ImageBuilder, ImageRef
from .managers import Unsupported, get_manager
from .mirror import Mirror
from .platforms import SHELL_CONTEXTS, get_platform
from .runner import Run, RunResult, expectations
from .verdicts import Verdict


class GroupOutcome:
    """What happened to one group: a run, or the reason there is none."""

    def __init__(self, run: RunResult | None = None, image: ImageRef | None = None,
                 verdict: Verdict | None = None, reason: str | None = None,
                 log_tail: list[str] | None = None) -> None:
        self.run, self.image = run, image
        self.verdict, self.reason, self.log_tail = verdict, reason, log_tail or []

    def to_dict(self) -> dict:
        return {"run": asdict(self.run) if self.run else None,
                "image": self.image.to_dict() if self.image else None,
                "verdict": self.verdict.value if self.verdict else None,
                "reason": self.reason, "log_tail": self.log_tail}

    @classmethod
    def from_dict(cls, data: dict) -> GroupOutcome:
        return cls(RunResult(**data["run"]) if data["run"] else None,
                   ImageRef(**data["image"]) if data["image"] else None,
                   Verdict(data["verdict"]) if data["verdict"] else None,
                   data["reason"], data["log_tail"])


class MatrixSession:
    def __init__(self, versions: tuple[str, ...] = pins.DEFAULT_GO, network: str = "auto",
                 run_id: str | None = None, sources: dict[str, str] | None = None,
                 definition: Definition | None = None) -> None:
        # Every image holds every selected version, in version order, so that one image
        # serves all transitions between them.
        self.versions = tuple(sorted(set(versions), key=pins.version_key))
        self.run_id = run_id or uuid.uuid4().hex[:12]
        self.sources = dict(sources or {})  # manager -> local build (--manager-source)
        self.definition = definition or builtin_definition()
        self.cache = ArtifactCache(network=network)
        self.mirror = Mirror(self.cache.mirror_dir)
        self._cli = None
        self._builder: ImageBuilder | None = None
        self._groups: dict[str, GroupOutcome] = {}
        self._image_failures: dict[tuple[str, str], GroupOutcome] = {}
        self._images: dict[tuple[str, str], ImageRef] = {}

    @property
    def cli(self):
        if self._cli is None:
            self._cli = docker_env.client()
        return self._cli

    @property
    def builder(self) -> ImageBuilder:
        if self._builder is None:
            self._builder = ImageBuilder(self.cli, self.cache, lambda: self.mirror.start().url)
        return self._builder

    def close(self) -> None:
        """Stop the mirror and let go of Docker. Containers are removed by each run, and
        what a crash left behind by the controller at the end of the session."""
        self.mirror.stop()
        if self._cli is not None:
            self._cli.close()

    # -- groups ----------------------------------------------------------------------------
    def outcome(self, cell: Cell) -> GroupOutcome:
        """The group's outcome: run once for the whole run, whichever process asks first (the
        others, e.g. other xdist workers, wait for it and read it back)."""
        if cell.group not in self._groups:
            shared = self.shared_dir / (hashlib.sha256(cell.group.encode()).hexdigest()[:24]
                                        + ".json")
            self.shared_dir.mkdir(parents=True, exist_ok=True)
            with FileLock(str(shared) + ".lock"):
                if shared.is_file():
                    outcome = GroupOutcome.from_dict(json.loads(shared.read_text()))
                else:
                    outcome = self._run_group(cell)
                    shared.write_text(json.dumps(outcome.to_dict()))
            self._groups[cell.group] = outcome
        return self._groups[cell.group]

    @property
    def shared_dir(self) -> Path:
        return self.cache.root / "runs" / self.run_id

    def image_for(self, platform_name: str, manager_name: str) -> ImageRef:
        """The manager layer's image, found (or built) once per process: every group of the
        same platform and manager runs on it."""
        key = (platform_name, manager_name)
        if key not in self._images:
            self._images[key] = self.builder.manager(
                get_platform(platform_name), get_manager(manager_name), self.versions,
                pins.RUNNER_GO, self.sources.get(manager_name))
        return self._images[key]

    def _run_group(self, cell: Cell) -> GroupOutcome:
        platform = get_platform(cell.platform)
        manager = get_manager(cell.manager)
        scenario = cell.scenario
        try:
            manager.select(scenario.new, scenario.scope, platform)
        except Unsupported as exc:
            return GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=str(exc))
        missing = self._missing_artifacts(manager)
        if missing:
            return GroupOutcome(verdict=Verdict.SKIPPED, reason=missing)
        key = (cell.platform, cell.manager)
        if key in self._image_failures:
            return self._image_failures[key]
        try:
            image = self.image_for(cell.platform, cell.manager)
        except BuildFailed as exc:
            self._image_failures[key] = GroupOutcome(verdict=Verdict.ERROR, reason=str(exc),
                                                     log_tail=exc.log_tail)
            return self._image_failures[key]
        except MatrixError as exc:
            self._image_failures[key] = GroupOutcome(verdict=Verdict.ERROR, reason=str(exc))
            return self._image_failures[key]
        fixtures = tuple(self.definition.fixtures.get(name) for name in scenario.pollution)
        run = Run(self.cli, image, platform, manager, scenario.old, scenario.new,
                  scenario.scope, platform.shells, fixtures, self.run_id, cell.group).execute()
        if run.unsupported:
            return GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=run.unsupported,
                                image=image)
        return GroupOutcome(run=run, image=image)

    def _missing_artifacts(self, manager) -> str | None:
        """Why the manager's cells are SKIPPED: offline, an artifact that only its upstream
        has is not in the mirror (a local build given with --manager-source replaces its
        own). Online every such artifact has a recipe, run when the image is built; one that
        fails makes the cells ERROR with the reason."""
        from .mirror_add import KINDS, kind_for

        if self.cache.is_online:
            return None
        replaced = set()
        if manager.name in self.sources and manager.SOURCE_ARTIFACT:
            replaced.add(manager.build_args(None)[manager.SOURCE_ARTIFACT])
        for key, description in manager.REQUIRES.items():
            if key in replaced or (self.cache.mirror_dir / key).is_file():
                continue
            kind = kind_for(key) or "?"
            hint = KINDS[kind].path if kind in KINDS else "the file"
            return (f"missing {description} ({key}); add it with: govm-matrix mirror add "
                    f"{kind} <{hint}>")
        return None

    # -- cells -----------------------------------------------------------------------------
    def evaluate(self, cell: Cell) -> dict:
        """The result of one cell as plain data; never raises for the cell's own failure."""
        try:
            outcome = self.outcome(cell)
        except Exception as exc:  # a defect of the harness: report it, keep the matrix going
            outcome = GroupOutcome(verdict=Verdict.ERROR, reason=f"harness error: {exc!r}",
                                   log_tail=traceback.format_exc().splitlines()[-15:])
        return cell_result(cell, outcome, self.definition)


def cell_result(cell: Cell, outcome: GroupOutcome, definition: Definition | None = None) -> dict:
    data = cell.to_dict()
    fixtures = (definition or builtin_definition()).fixtures
    data["pollution_fixtures"] = [fixtures.get(f).to_dict() for f in cell.scenario.pollution]
    data["group"] = cell.group
    data["shell_order"] = SHELL_CONTEXTS.index(cell.shell)
    manager = get_manager(cell.manager)
    data["manager_behaviour"] = dict(manager.BEHAVIOUR)
    data["image"] = outcome.image.to_dict() if outcome.image else None
    if outcome.run is None or outcome.verdict is not None:
        verdict = outcome.verdict or Verdict.ERROR
        data.update(verdict=verdict.value, error=outcome.reason, log_tail=outcome.log_tail,
                    active=False,
                    checks={name: {"check": name, "verdict": verdict.value,
                                   "evidence": [f"{verdict.value}: {outcome.reason}"]}
                            for name in CHECKS},
                    snapshots={}, steps=[], manager_info={}, run_seconds=0.0)
        return data
    run = outcome.run
    snapshots = run.for_shell(cell.shell)
    platform = get_platform(cell.platform)
    scenario = cell.scenario
    expect = expectations(scenario.scope, cell.shell, scenario.old, scenario.new)
    results = classify_cell(snapshots, scenario.old, scenario.new, cell.manager,
                            tuple(manager.managed_dirs(platform)), expect,
                            tuple(manager.shim_dirs(platform)))
    data["expect"] = expect
    data["active"] = manager_active(snapshots, cell.manager, tuple(manager.managed_dirs(platform)))
    for failure in run.switch_failures:
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
