"""Before any cell runs: with no Docker daemon, a run says so in one line, exits 3 and writes
nothing; the fixture layers the cells that will run need are built once each."""

from __future__ import annotations

from types import SimpleNamespace

from matrix import cli
from matrix.build.images import ImageRef
from matrix.run import config as run_config
from matrix.run import prepare
from matrix.run.runner import RunOptions
from matrix.run.session import MatrixSession

from ..conftest import Pings


def test_no_docker_daemon_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    code = cli.main(["run", "--network", "offline", "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith("govm-matrix: no Docker daemon answers")
    assert err.count("\n") == 1 and not (tmp_path / "r").exists()


class _Session(MatrixSession):
    """A session whose kept results are given, with Docker left out; which fixtures a group
    has and which of them can be a layer are the real session's."""

    def __init__(self, config, kept=(), layers=True) -> None:
        self.definition, self.options = config.definition, RunOptions(fixture_layers=layers)
        self.kept, self.built = set(kept), []
        self.store = SimpleNamespace(get_data=lambda key: {} if key in self.kept else None)

    def group_key(self, cell, image):
        return cell.group

    def fixture_image(self, image, fixtures):
        self.built.append((image.tag, [f.name for f in fixtures]))


def _building(tmp_path, cli=None) -> type:
    """A _Session that builds the run's images in ``build_images`` (each test gives its
    ``build_image`` and ``fixture_image``), its run folder under ``tmp_path``, ``cli`` its
    Docker client, every artifact there and the shells measured as none."""
    class Building(_Session):
        shared_dir = tmp_path / "run"
        images_file = shared_dir / "images.json"
        shells_file = shared_dir / "shells.json"
        builder = SimpleNamespace(platform=lambda platform, runner_go: None)
        _image_outcomes: dict = {}

        def missing_artifact(self, manager):
            return None

        def measure_shells(self, platform):
            return {}

        def close(self):
            pass

    Building.cli = cli
    return Building


def _build_layers(config, session, no_image=()):
    """build_fixture_layers over the run's cells, with an image for every platform and
    manager but those of ``no_image`` (an artifact missing, or a build that failed)."""
    cells = prepare.runnable_cells(config)
    images = {(c.platform, c.manager): ImageRef(f"govm-matrix/{c.platform}-{c.manager}:0",
                                                "sha256:0", f"{c.platform}-{c.manager}",
                                                False, 0.0)
              for c in cells if c.manager not in no_image}
    prepare.build_fixture_layers(cells, images, session)


def _config(**values):
    base = {"platform": ["ubuntu,wsl2"], "manager": ["manual,mise"], "go": [],
            "scope": ["global"], "scenario": ["clean,distro-go,stale-goroot"],
            "network": "offline", "manager_source": []}
    return run_config.parse({**base, **values}, run_id="r")


def test_fixture_layers_are_built_once_per_image_before_the_cells_run():
    config = _config()
    session = _Session(config)
    _build_layers(config, session)
    # distro-go is the only fixture that can be a layer; both of its transitions share one
    assert sorted(tag for tag, _ in session.built) == [
        "govm-matrix/ubuntu-manual:0", "govm-matrix/ubuntu-mise:0",
        "govm-matrix/wsl2-manual:0", "govm-matrix/wsl2-mise:0"]
    assert all(names == ["distro-go"] for _, names in session.built)


def test_no_layer_for_kept_results_missing_artifacts_or_no_fixture_layers():
    config = _config(platform=["ubuntu"])
    cells = [c for c in prepare.runnable_cells(config) if c.scenario.pollution]
    session = _Session(config, kept={c.group for c in cells if c.manager == "manual"})
    _build_layers(config, session, no_image={"mise"})
    assert session.built == []
    off = _Session(config, layers=False)
    _build_layers(config, off)
    assert off.built == []
    some = _Session(config, kept={c.group for c in cells if c.manager == "manual"
                                  and c.scenario.old < c.scenario.new})
    _build_layers(config, some)  # the other transition still runs
    assert [tag for tag, _ in some.built] == ["govm-matrix/ubuntu-manual:0",
                                              "govm-matrix/ubuntu-mise:0"]


def test_in_parallel_keeps_the_order_runs_jobs_at_a_time_and_raises_the_first_error():
    import threading
    import time

    running, most = [0], [0]
    lock = threading.Lock()

    def work(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        if n == 3:
            raise ValueError("three")
        return n * 10

    assert prepare.in_parallel(2, work, [0, 1, 2]) == [0, 10, 20]
    assert most[0] == 2
    most[0] = 0
    assert prepare.in_parallel(1, work, [0, 1, 2]) == [0, 10, 20] and most[0] == 1
    try:
        prepare.in_parallel(2, work, [0, 1, 2, 3, 4, 5])
    except ValueError as exc:
        assert str(exc) == "three"
    else:
        raise AssertionError("the error of one item was lost")


def test_a_fixture_layer_is_built_right_after_its_image_not_after_every_image(tmp_path,
                                                                              monkeypatch):
    """Two builds at once: the last manager image builds while the first image's fixture
    layer does; the layers no longer wait for every manager image."""
    import threading

    config = _config(platform=["ubuntu"])
    first_layer = threading.Event()
    events: list[str] = []

    class Building(_building(tmp_path)):
        def build_image(self, platform, manager):
            if manager == "mise":  # the last image: done only once a layer was built
                assert first_layer.wait(10), "no fixture layer was built before the last image"
            events.append(f"image {platform}-{manager}")
            return ImageRef(f"govm-matrix/{platform}-{manager}:0", "sha256:0",
                            f"{platform}-{manager}", True, 0.0)

        def fixture_image(self, image, fixtures):
            events.append(f"layer {image.layer}")
            first_layer.set()

    monkeypatch.setattr(prepare, "MatrixSession", lambda config, progress: Building(config))
    monkeypatch.setattr(prepare.engine, "reap", lambda cli: 0)
    built = prepare.build_images(config, lambda line: None, jobs=2)
    assert events == ["image ubuntu-manual", "layer ubuntu-manual", "image ubuntu-mise",
                      "layer ubuntu-mise"]
    assert sorted(built) == ["ubuntu/manual", "ubuntu/mise"]


def test_a_manager_on_a_layer_an_earlier_one_builds_is_built_last():
    pairs = [("ubuntu", "distro"), ("ubuntu", "distro-alternatives"), ("ubuntu", "manual"),
             ("wsl2", "distro-alternatives"), ("wsl2", "distro"), ("wsl2", "mise")]
    assert prepare.build_order(pairs) == [
        ("ubuntu", "distro"), ("ubuntu", "manual"), ("wsl2", "distro-alternatives"),
        ("wsl2", "mise"), ("ubuntu", "distro-alternatives"), ("wsl2", "distro")]
    assert prepare.build_order(pairs[2:3] + pairs[5:]) == [("ubuntu", "manual"), ("wsl2", "mise")]


def _losing_builds(tmp_path, monkeypatch, away: int, wait: float):
    """build_images for ubuntu manual and mise, one job, whose first image build fails
    because the daemon stopped answering (for the ``away`` pings after it); the images
    built, in order."""
    from matrix.core.verdicts import Verdict
    from matrix.run.results import GroupOutcome

    config = _config(platform=["ubuntu"], scenario=["clean"])
    built: list[str] = []
    daemon = Pings()

    class Losing(_building(tmp_path, cli=daemon)):
        def build_image(self, platform, manager):
            if not built:
                built.append("cut short")
                daemon.first, daemon.failing = daemon.calls + 1, away  # the next pings
                return GroupOutcome(verdict=Verdict.ERROR,
                                    reason="Docker failed: ('Connection aborted.')")
            built.append(f"{platform}-{manager}")
            return ImageRef(f"govm-matrix/{platform}-{manager}:0", "sha256:0",
                            f"{platform}-{manager}", True, 0.0)

    monkeypatch.setattr(prepare.engine, "DAEMON_WAIT", wait)
    monkeypatch.setattr(prepare, "MatrixSession", lambda config, progress: Losing(config))
    monkeypatch.setattr(prepare.engine, "reap", lambda cli: 0)
    return prepare.build_images(config, lambda line: None, jobs=1), built


def test_an_image_build_cut_short_by_the_daemon_is_built_again_once_it_is_back(
        tmp_path, monkeypatch):
    from matrix.run.daemon import DaemonWatch

    images, built = _losing_builds(tmp_path, monkeypatch, away=1, wait=10.0)
    assert built == ["cut short", "ubuntu-manual", "ubuntu-mise"]
    assert all("image" in found for found in images.values())
    [event] = DaemonWatch(tmp_path / "run").state()["events"]
    assert event["during"] == "the build of image ubuntu-manual" and "away" in event


def test_a_daemon_gone_during_the_image_builds_is_each_cell_s_reason(tmp_path, monkeypatch):
    """No image is tried once the daemon is given up; the images file gives each cell the
    reason the cells' processes give (never the build's own error)."""
    images, built = _losing_builds(tmp_path, monkeypatch, away=10**6, wait=0.2)
    assert built == ["cut short"]
    for found in images.values():
        assert found["error"].startswith("the Docker daemon stopped answering at ")
        assert "(during the build of image ubuntu-manual)" in found["error"]
