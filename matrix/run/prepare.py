"""Before any cell runs: what the run needs from this machine, and every image it runs on.

``check_prerequisites`` finds, in one pass and before anything is built, whatever the machine
lacks for this run (a Docker daemon, mmdebstrap offline when the base rootfs is not cached,
root for port 443 when a manager's layer needs the HTTPS mirror): one line naming it and how
to get it, exit 3. ``build_images`` then builds, in the controlling process, the manager image
of every platform and manager that has a cell to run (as many at once as the run has workers),
each followed at once by the fixture layers of its groups that will run, printing a line per
layer (cached, or built with each build step as it starts); the cells' processes find them in
the run's shared folder instead of building themselves.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Callable

import docker.errors

from ..build import engine
from ..build.images import ImageRef, rootfs_tag
from ..core.cells import Cell, build_cells
from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from ..core.platforms import get_platform
from ..core.shards import shard_cells
from ..managers import Unsupported, get_manager
from ..supply import pins
from ..supply.https_mirror import DEFAULT_PORT
from .config import RunConfig
from .results import GroupOutcome
from .session import MatrixSession


def runnable_cells(config: RunConfig) -> list[Cell]:
    """The cells of this run (this shard's) that run in a container: the manager can
    install the versions and has the cell's scope on its platform."""
    cells = build_cells(config.selection, config.definition)
    if config.shard:
        cells = shard_cells(cells, *config.shard)
    versions = tuple(config.selection.go)
    runnable = []
    for cell in cells:
        manager = get_manager(cell.manager)
        if manager.cannot_install(versions):
            continue
        try:
            manager.select(cell.scenario.new, cell.scenario.scope, get_platform(cell.platform))
        except Unsupported:
            continue
        runnable.append(cell)
    return runnable


def needed_images(cells: list[Cell]) -> list[tuple[str, str]]:
    """(platform, manager) of every image ``cells`` (``runnable_cells``) need, in run
    order."""
    return list(dict.fromkeys((c.platform, c.manager) for c in cells))


def check_prerequisites(config: RunConfig) -> None:
    """Raise MatrixError (exit 3) naming the first thing this machine lacks for the run."""
    cli = engine.client(timeout=60)  # no daemon: exit 3 with how to start one
    try:
        session = MatrixSession(config)
        pairs = [(p, m) for p, m in needed_images(runnable_cells(config))
                 if not session.missing_artifact(get_manager(m))]
        if not pairs:
            return
        if not session.cache.is_online and shutil.which("mmdebstrap") is None:
            try:
                cli.images.get(rootfs_tag())
            except docker.errors.ImageNotFound:
                raise MatrixError("no registry is reachable and Debian's mmdebstrap is not "
                                  "installed, so the base image cannot be built; install it "
                                  "(apt-get install mmdebstrap)", EXIT_ENVIRONMENT) from None
        https = sorted({m for _, m in pairs if get_manager(m).HTTPS_HOSTS})
        if https and os.geteuid() != 0:
            raise MatrixError(f"{', '.join(https)} download from hard-coded https hosts, which "
                              f"the HTTPS mirror answers on port {DEFAULT_PORT}: binding it "
                              "needs root; run as root, or leave those managers out "
                              "(--manager)", EXIT_ENVIRONMENT)
    finally:
        cli.close()


def build_images(config: RunConfig, say: Callable[[str], None], jobs: int = 1) -> dict:
    """Build (or find) every image the run needs, in this process, ``jobs`` manager layers at
    once (the layers below them, shared, first), each followed by its fixture layers; returns
    and records in the run's shared folder, per "platform/manager", the image or why there is
    none."""
    session = MatrixSession(config, progress=say)
    built: dict[str, dict] = {}
    try:
        # what runs that are no longer alive left behind (and stopped ones nobody owns)
        reaped = engine.reap(session.cli)
        if reaped:
            say(f"removed {reaped} containers left by runs that are no longer alive")
        cells = runnable_cells(config)
        needed = needed_images(cells)
        pairs = build_order([(platform, manager) for platform, manager in needed
                             if not session.missing_artifact(get_manager(manager))])
        if jobs > 1:
            for platform in dict.fromkeys(p for p, _ in pairs):
                try:
                    session.builder.platform(get_platform(platform), pins.RUNNER_GO)
                except MatrixError:
                    pass  # each manager layer on it tries again, and reports it

        def image_and_its_layers(pair: tuple[str, str]):
            # a manager image's fixture layers follow it in the same job, so that no build
            # waits for the last manager image of the run
            def build():
                outcome = session.build_image(*pair)
                if isinstance(outcome, ImageRef):
                    build_fixture_layers(cells, {pair: outcome}, session)
                return outcome

            outcome = session.through_daemon_loss(f"the build of image {'-'.join(pair)}", build,
                                                  failed=lambda o: isinstance(o, GroupOutcome))
            if isinstance(outcome, GroupOutcome):
                say(f"image {'-'.join(pair)}: failed: {outcome.reason}")
            return outcome

        outcomes = in_parallel(jobs, image_and_its_layers, pairs)
        for (platform, manager), outcome in zip(pairs, outcomes, strict=True):
            built[f"{platform}/{manager}"] = (
                {"image": outcome.to_dict()} if isinstance(outcome, ImageRef)
                else {"error": outcome.reason, "log_tail": outcome.log_tail})
        session.shared_dir.mkdir(parents=True, exist_ok=True)
        session.images_file.write_text(json.dumps(built))
        shells = {}
        for platform in dict.fromkeys(p for p, _ in needed):
            shells[platform] = session.measure_shells(platform)
        session.shells_file.write_text(json.dumps(shells))
    finally:
        session.close()
    return built


def build_order(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` (platform, manager) in the order their images are built: a manager layer on
    a shared layer (``Manager.SHARED_LAYER``) that an earlier pair builds goes last, so that
    its job builds something else meanwhile instead of waiting for that layer."""
    first, later, claimed = [], [], set()
    for platform, manager in pairs:
        shared = get_manager(manager).shared_layer()
        if shared is None:
            first.append((platform, manager))
            continue
        layer = (platform, shared[0])
        (later if layer in claimed else first).append((platform, manager))
        claimed.add(layer)
    return first + later


def in_parallel(jobs: int, work: Callable, items: list) -> list:
    """``work`` of each item, ``jobs`` at a time, results in the items' order; the first
    exception is raised once all have stopped. The threads are daemons, so that Ctrl-C ends
    the run at once instead of waiting for the builds under way."""
    if jobs <= 1 or len(items) <= 1:
        return [work(item) for item in items]
    results: list = [None] * len(items)
    errors: list[BaseException] = []
    queue = iter(enumerate(items))
    lock = threading.Lock()

    def worker() -> None:
        while not errors:
            with lock:
                index, item = next(queue, (None, None))
            if index is None:
                return
            try:
                results[index] = work(item)
            except BaseException as exc:  # raised again below, in the calling thread
                errors.append(exc)

    threads = [threading.Thread(target=worker, daemon=True, name=f"build-{n}")
               for n in range(min(jobs, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def build_fixture_layers(cells: list[Cell], images: dict[tuple[str, str], ImageRef],
                         session: MatrixSession) -> None:
    """Build the fixture layers (``MatrixSession.fixture_image``) of every group of ``cells``
    that will run on one of ``images`` (per platform and manager), once each, before any cell
    runs; a group whose result is kept needs none. A layer that fails is recorded, and its
    fixture runs in each container instead."""
    wanted: dict[tuple[str, tuple[str, ...]], tuple[ImageRef, tuple]] = {}
    for cell in cells:
        image = images.get((cell.platform, cell.manager))
        if image is None:  # no image: an artifact is missing, or its build failed
            continue
        fixtures = session.fixtures_of(cell)
        names = tuple(f.name for f in session.layered_fixtures(fixtures))
        if not names or (image.tag, names) in wanted:
            continue
        if session.store.get_data(session.group_key(cell, image)) is not None:
            continue
        wanted[(image.tag, names)] = (image, fixtures)
    for image, fixtures in wanted.values():
        session.fixture_image(image, fixtures)
