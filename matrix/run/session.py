"""Per-process state of a matrix run: Docker, the artifact cache, the mirror, images, runs.

Each pytest process (the controller, or each xdist worker) has one ``MatrixSession``. Cells of
one group share one container run; the run happens for the first cell of the group that this
process sees, the others reuse it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import docker.errors
import requests.exceptions
from filelock import FileLock

from ..build import engine
from ..build.images import BuildFailed, ImageBuilder, ImageRef
from ..core.cells import Cell
from ..core.documents import CellDoc
from ..core.errors import MatrixError
from ..core.platforms import get_platform
from ..core.verdicts import Verdict
from ..managers import Manager, Unsupported, artifact_cache, get_manager
from ..supply import pins
from ..supply.mirror import Mirror
from .config import RunConfig
from .daemon import DaemonWatch
from .results import GroupOutcome, cell_result
from .reuse import ResultStore, manager_digest
from .runner import Run, RunOptions
from .shells import platform_shells

#: in the run's folder: each process's cell results, one JSON document a line
RESULTS = "cells"

T = TypeVar("T")


class MatrixSession:
    def __init__(self, config: RunConfig, progress=None) -> None:
        self.config = config
        # Every image holds every selected version, in version order, so that one image
        # serves all transitions between them.
        self.versions = tuple(sorted(set(config.selection.go), key=pins.version_key))
        self.run_id = config.run_id
        engine.set_owner(config.run_id, config.owner)  # every container says whose it is
        self.sources = dict(config.sources)  # manager -> local build (--manager-source)
        self.definition = config.definition
        self.cache = artifact_cache(config.network, strict_pins=config.strict_pins)
        self.mirror = Mirror(self.cache.mirror_dir)
        self.progress = progress
        self._cli = None
        self._builder: ImageBuilder | None = None
        self._groups: dict[str, GroupOutcome] = {}
        self._image_outcomes: dict[tuple[str, str], ImageRef | GroupOutcome] = {}
        self._shells: dict[str, dict | None] = {}
        self.store = ResultStore(self.cache.root / "results", fresh=config.fresh)
        self.options = RunOptions(parallel_probes=config.parallel_probes,
                                  build_reuse=config.build_reuse,
                                  fixture_layers=config.fixture_layers,
                                  batched_steps=config.batched_steps)
        self._engine: str | None = None

    @property
    def cli(self):
        if self._cli is None:
            self._cli = engine.client()
        return self._cli

    @property
    def builder(self) -> ImageBuilder:
        if self._builder is None:
            self._builder = ImageBuilder(self.cli, self.cache, lambda: self.mirror.start().url,
                                         self.progress)
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
        others, e.g. other xdist workers, wait for it and read it back). One kept from an
        earlier run is not written again for them: they find it kept too."""
        if cell.group not in self._groups:
            shared = self.shared_dir / (hashlib.sha256(cell.group.encode()).hexdigest()[:24]
                                        + ".json")
            self.shared_dir.mkdir(parents=True, exist_ok=True)
            with FileLock(str(shared) + ".lock"):
                if shared.is_file():
                    outcome = GroupOutcome.from_dict(json.loads(shared.read_text()))
                else:
                    outcome = self._guarded_run(cell)
                    if outcome.reused is None:
                        shared.write_text(json.dumps(outcome.to_dict()))
            self._groups[cell.group] = outcome
        return self._groups[cell.group]

    @property
    def shared_dir(self) -> Path:
        return self.cache.root / "runs" / self.run_id

    @property
    def images_file(self) -> Path:
        """What the controlling process built before the cells ran (see ``prepare``)."""
        return self.shared_dir / "images.json"

    def image_for(self, platform_name: str, manager_name: str) -> ImageRef | GroupOutcome:
        """The manager layer's image (or why there is none), found once per process: every
        group of the same platform and manager runs on it. The controlling process builds
        them before the cells run; a process started some other way builds them here."""
        key = (platform_name, manager_name)
        if key not in self._image_outcomes:
            built = self._prebuilt().get(f"{platform_name}/{manager_name}")
            if built and built.get("image"):
                self._image_outcomes[key] = ImageRef(**built["image"])
            elif built:
                self._image_outcomes[key] = GroupOutcome(verdict=Verdict.ERROR,
                                                         reason=built["error"],
                                                         log_tail=built["log_tail"])
            else:
                self._image_outcomes[key] = self.build_image(platform_name, manager_name)
        return self._image_outcomes[key]

    def build_image(self, platform_name: str, manager_name: str) -> ImageRef | GroupOutcome:
        try:
            return self.builder.manager(
                get_platform(platform_name), get_manager(manager_name), self.versions,
                pins.RUNNER_GO, self.sources.get(manager_name))
        except BuildFailed as exc:
            return GroupOutcome(verdict=Verdict.ERROR, reason=str(exc), log_tail=exc.log_tail)
        except MatrixError as exc:
            return GroupOutcome(verdict=Verdict.ERROR, reason=str(exc))

    def _prebuilt(self) -> dict:
        try:
            return json.loads(self.images_file.read_text())
        except (OSError, ValueError):
            return {}

    # -- the daemon going away -------------------------------------------------------------
    @property
    def daemon(self) -> DaemonWatch:
        return DaemonWatch(self.shared_dir)

    def answers(self) -> bool:
        """Whether the daemon answers now (a process that has not reached it yet tries to)."""
        try:
            return engine.answers(self.cli)
        except MatrixError:
            return False

    def through_daemon_loss(self, during: str, work: Callable[[], T],
                            failed: Callable[[T], bool]) -> T | GroupOutcome:
        """``work()``, unless the daemon is known to be gone; when it stops answering during
        the work (it raised, or its result is ``failed``, and the daemon does not answer),
        wait for it (bounded) and do the work again once it is back. A GroupOutcome ERROR
        that says so when it did not come back in time."""
        watch = self.daemon
        if watch.state().get("state") in ("waiting", "gone") and not watch.wait(self.answers):
            return GroupOutcome(verdict=Verdict.ERROR, reason=watch.reason())
        for _attempt in range(2):
            try:
                result = work()
                if not failed(result) or self.answers():
                    return result
            except Exception as exc:
                if not engine.lost(exc) and self.answers():
                    raise
            watch.lost(during)
            self._image_outcomes = {k: v for k, v in self._image_outcomes.items()
                                    if not isinstance(v, GroupOutcome)}
            if not watch.wait(self.answers):
                return GroupOutcome(verdict=Verdict.ERROR, reason=watch.reason())
        return GroupOutcome(verdict=Verdict.ERROR, reason="the Docker daemon stopped answering "
                            f"twice during {during}: it could not run")

    def _guarded_run(self, cell: Cell) -> GroupOutcome:
        """Run the group through a loss of the daemon (``through_daemon_loss``)."""
        return self.through_daemon_loss(cell.group, lambda: self._run_group(cell),
                                        failed=lambda o: o.verdict == Verdict.ERROR
                                        or bool(o.run and o.run.error))

    def _run_group(self, cell: Cell) -> GroupOutcome:
        platform = get_platform(cell.platform)
        manager = get_manager(cell.manager)
        scenario = cell.scenario
        try:
            manager.select(scenario.new, scenario.scope, platform)
        except Unsupported as exc:
            return GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=str(exc))
        refused = manager.cannot_install(self.versions)
        if refused:
            return GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=refused)
        missing = self.missing_artifact(manager)
        if missing:
            return GroupOutcome(verdict=Verdict.SKIPPED, reason=missing)
        image = self.image_for(cell.platform, cell.manager)
        if isinstance(image, GroupOutcome):
            return image
        fixtures = self.fixtures_of(cell)
        key = self.group_key(cell, image)
        found = self.store.get(key)
        if found is not None:
            found.image = image
            if found.run is not None:
                found.shells = self.platform_shells(platform.name)
            return found
        run_image, layered = self.fixture_image(image, fixtures)
        run = Run(self.cli, run_image, platform, manager, scenario.old, scenario.new,
                  scenario.scope, platform.shells, fixtures, self.run_id, cell.group,
                  self.options, layered).execute()
        if run.unsupported:
            outcome = GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=run.unsupported,
                                   image=image)
        else:
            outcome = GroupOutcome(run=run, image=image,
                                   shells=self.platform_shells(platform.name))
        if not run.error:  # a run that could not decide is never kept: it runs again
            self.store.put(key, outcome, self.run_id)
        return outcome

    def fixtures_of(self, cell: Cell) -> tuple:
        """The group's fixtures, in the order its scenario applies them."""
        return tuple(self.definition.fixtures.get(name) for name in cell.scenario.pollution)

    def group_key(self, cell: Cell, image: ImageRef) -> str:
        """The key the group's result is kept under (see ``reuse``)."""
        platform, manager = get_platform(cell.platform), get_manager(cell.manager)
        scenario = cell.scenario
        return self.store.key(image=image.tag, platform=platform.name, manager=manager.name,
                              adapter=manager_digest(manager),
                              old=scenario.old, new=scenario.new, scope=scenario.scope,
                              shells=list(platform.shells),
                              fixtures=[f.to_dict() for f in self.fixtures_of(cell)],
                              engine=self.engine_version(),
                              options=dataclasses.asdict(self.options))

    def layered_fixtures(self, fixtures) -> list:
        """The leading fixtures that can be an image layer (``Fixture.image_commands``);
        none with ``--no-fixture-layers``."""
        layered = []
        for fixture in fixtures if self.options.fixture_layers else ():
            if fixture.image_commands is None:
                break
            layered.append(fixture)
        return layered

    def fixture_image(self, image: ImageRef, fixtures) -> tuple[ImageRef, tuple[str, ...]]:
        """The image a group's container starts from: ``image`` with its leading fixtures
        that can be an image layer applied once in one, and their names; ``image`` itself
        when there are none or the layer fails to build (then the fixture runs in the
        container, where its failure is the group's evidence). The controlling process builds
        the layers before the cells run (``prepare``); a layer that failed there is not tried
        again in every group."""
        layered = self.layered_fixtures(fixtures)
        if not layered:
            return image, ()
        failed = f"{image.tag} {' '.join(f.name for f in layered)}"
        if failed in self.failed_layers():
            return image, ()
        try:
            return self.builder.fixture_layer(image, layered), tuple(f.name for f in layered)
        except BuildFailed as exc:
            if not self.answers():  # not the layer's failure: the group waits for the daemon
                raise
            if self.progress:
                self.progress(f"{exc}; the fixture runs in each container instead")
            self.shared_dir.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.layers_file) + ".lock"):
                self.layers_file.write_text(json.dumps(sorted({*self.failed_layers(), failed})))
            return image, ()

    @property
    def layers_file(self) -> Path:
        """The fixture layers that failed to build in this run (see ``fixture_image``)."""
        return self.shared_dir / "failed-layers.json"

    def failed_layers(self) -> set[str]:
        try:
            return set(json.loads(self.layers_file.read_text()))
        except (OSError, ValueError):
            return set()

    def engine_version(self) -> str:
        """The Docker Engine's version: part of what a kept result depends on."""
        if self._engine is None:  # a daemon that does not answer raises: no key without it
            self._engine = str(self.cli.version()["Version"])
        return self._engine

    @property
    def shells_file(self) -> Path:
        """The bare platforms' shell state, measured once per run (see ``prepare``)."""
        return self.shared_dir / "shells.json"

    def platform_shells(self, platform_name: str) -> dict | None:
        """The bare platform's shell state per context: read from the run's shared folder, or
        measured here (once per process) when the controlling process did not."""
        if platform_name not in self._shells:
            try:
                found = json.loads(self.shells_file.read_text()).get(platform_name)
            except (OSError, ValueError):
                found = None
            if found is None:
                found = self.measure_shells(platform_name)
            self._shells[platform_name] = found
        return self._shells[platform_name]

    def measure_shells(self, platform_name: str) -> dict | None:
        """The bare platform's shells, measured, or kept from an earlier run of the same
        platform image and harness."""
        platform = get_platform(platform_name)
        try:
            image = self.builder.platform(platform, pins.RUNNER_GO)
            key = self.store.key(shells_of=image.tag, engine=self.engine_version())
            kept = self.store.get_data(key)
            if kept is not None:
                return kept
            found = platform_shells(self.cli, image.tag, platform, self.run_id)
            if found:
                self.store.put_data(key, found, self.run_id)
            return found
        except (MatrixError, docker.errors.DockerException,
                requests.exceptions.RequestException):
            return None

    def missing_artifact(self, manager: Manager) -> str | None:
        """Why the manager's cells are SKIPPED: offline, an artifact that only its upstream
        has is not in the mirror (a local build given with --manager-source replaces its
        own). Online every such artifact has a recipe, run when the image is built; one that
        fails makes the cells ERROR with the reason."""
        replaced = set()
        if manager.name in self.sources and manager.SOURCE_ARTIFACT:
            replaced.add(manager.build_args(None)[manager.SOURCE_ARTIFACT])
        for key, description in manager.REQUIRES.items():
            if key not in replaced:
                reason = self.cache.missing(key, description)
                if reason:
                    return reason
        return None

    # -- cells -----------------------------------------------------------------------------
    def evaluate(self, cell: Cell) -> CellDoc:
        """The result of one cell as plain data; never raises for the cell's own failure."""
        try:
            outcome = self.outcome(cell)
        except Exception as exc:  # a defect of the harness: report it, keep the matrix going
            outcome = GroupOutcome(verdict=Verdict.ERROR,
                                   reason=f"harness error: {engine.describe(exc)}",
                                   log_tail=traceback.format_exc().splitlines()[-15:])
        return cell_result(cell, outcome, self.definition)

    def hand_over(self, result: CellDoc) -> None:
        """Give a cell's result to the controlling process: a line appended to this process's
        file in the run's folder, which the controller reads when the cells are done
        (``handed_over``). A cell's result is most of its report, and xdist's channel would
        carry it twice (in the call's report and again in the teardown's)."""
        folder = self.shared_dir / RESULTS
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(result, ensure_ascii=False) + "\n")


def handed_over(run_folder: Path) -> dict[str, CellDoc]:
    """Every cell result the run's processes handed over, by cell id. A line a process did
    not finish writing (it died) is left out: that cell's test failed, and the controller
    makes it ERROR."""
    found: dict[str, CellDoc] = {}
    for path in sorted((run_folder / RESULTS).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                result = json.loads(line)
            except ValueError:
                continue
            found[result["id"]] = result
    return found
