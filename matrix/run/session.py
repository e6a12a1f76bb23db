"""Per-process state of a matrix run: Docker, the artifact cache, the mirror, images, runs.

Each pytest process (the controller, or each xdist worker) has one ``MatrixSession``. Cells of
one group share one container run; the run happens for the first cell of the group that this
process sees, the others reuse it.
"""

from __future__ import annotations

import hashlib
import json
import traceback
from pathlib import Path

import docker.errors
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
from .results import GroupOutcome, cell_result
from .runner import Run
from .shells import platform_shells


class MatrixSession:
    def __init__(self, config: RunConfig, progress=None) -> None:
        self.config = config
        # Every image holds every selected version, in version order, so that one image
        # serves all transitions between them.
        self.versions = tuple(sorted(set(config.selection.go), key=pins.version_key))
        self.run_id = config.run_id
        self.sources = dict(config.sources)  # manager -> local build (--manager-source)
        self.definition = config.definition
        self.cache = artifact_cache(config.network)
        self.mirror = Mirror(self.cache.mirror_dir)
        self.progress = progress
        self._cli = None
        self._builder: ImageBuilder | None = None
        self._groups: dict[str, GroupOutcome] = {}
        self._image_outcomes: dict[tuple[str, str], ImageRef | GroupOutcome] = {}
        self._shells: dict[str, dict | None] = {}

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
        fixtures = tuple(self.definition.fixtures.get(name) for name in scenario.pollution)
        run = Run(self.cli, image, platform, manager, scenario.old, scenario.new,
                  scenario.scope, platform.shells, fixtures, self.run_id, cell.group).execute()
        if run.unsupported:
            return GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=run.unsupported,
                                image=image)
        return GroupOutcome(run=run, image=image, shells=self.platform_shells(platform.name))

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
        platform = get_platform(platform_name)
        try:
            image = self.builder.platform(platform, pins.RUNNER_GO)
            return platform_shells(self.cli, image.tag, platform, self.run_id)
        except (MatrixError, docker.errors.DockerException):
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
            outcome = GroupOutcome(verdict=Verdict.ERROR, reason=f"harness error: {exc!r}",
                                   log_tail=traceback.format_exc().splitlines()[-15:])
        return cell_result(cell, outcome, self.definition)
