"""The Docker daemon going away in the middle of a real run: a second daemon the test owns (its
own socket, data root and network namespace: the machine's daemon is never touched) holds the
ubuntu/manual images; the test kills it while the run's containers are up, and either starts it
again or leaves it away. What a user sees is checked: one line, reasons in words, a complete
report, and no labelled container left once a later run has passed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time

import docker
import pytest

from matrix import LABEL
from matrix.build import engine

from ..conftest import unavailable
from .second_daemon import SecondDaemon, remove_stale

pytestmark = pytest.mark.docker

SELECTION = ["--platform", "ubuntu", "--manager", "manual", "--scope", "global",
             "--scenario", "clean", "--network", "offline", "-n", "0", "--fresh"]


@pytest.fixture(scope="module")
def daemon2(docker_client, image_for):
    missing = [t for t in ("dockerd", "nsenter", "unshare") if not shutil.which(t)]
    if os.geteuid() != 0 or missing:
        unavailable(f"a second Docker daemon needs root and {', '.join(missing) or 'dockerd'}")
    remove_stale()
    manual = docker_client.images.get(image_for("ubuntu", "manual").tag)
    ancestors = {h["Id"] for h in manual.history() if h.get("Id", "<missing>") != "<missing>"}
    tags = [t for image in docker_client.images.list(name="govm-matrix/*")
            if image.id in ancestors or image.id == manual.id for t in image.tags]
    daemon = SecondDaemon()
    try:
        daemon.start()
        saved = subprocess.Popen(["docker", "save", *tags], stdout=subprocess.PIPE)
        loaded = subprocess.run(["docker", "-H", daemon.url, "load", "-q"], stdin=saved.stdout,
                                capture_output=True, text=True)
        saved.wait()
        assert loaded.returncode == 0 and saved.returncode == 0, loaded.stderr
        yield daemon
    finally:
        daemon.close()


def _client(daemon) -> docker.DockerClient:
    return docker.DockerClient(base_url=daemon.url, version="1.41", timeout=60)


def _labelled(daemon) -> list:
    cli = _client(daemon)
    try:  # as listed: the run under test removes its containers while the killer looks
        return engine.labelled(cli, LABEL)
    finally:
        cli.close()


def _run(daemon, tmp_path, name: str, wait: float, env_extra=None):
    env = {**os.environ, "DOCKER_HOST": daemon.url, "GOVM_MATRIX_DAEMON_WAIT": str(wait),
           **(env_extra or {})}
    env.pop("CI", None)  # the run under test is an ordinary user's
    return subprocess.Popen([sys.executable, "-m", "matrix.cli", "run", *SELECTION,
                             "--report-dir", str(tmp_path / name)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)


def _kill_when_a_cell_runs(daemon, restart_after: float | None) -> threading.Thread:
    """Kill the daemon (SIGKILL: no clean shutdown) once a group's container has been up
    for two seconds (not the controller's own short ones, e.g. the shells' measuring); start
    it again after ``restart_after`` seconds, if given."""
    def work():
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            running = [c for c in _labelled(daemon) if c.status == "running"
                       and f"{LABEL}.cell" in (c.attrs.get("Labels") or {})]
            if running:
                break
            time.sleep(0.5)
        time.sleep(2)
        daemon.kill()
        if restart_after is not None:
            time.sleep(restart_after)
            daemon.start()
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def test_a_daemon_that_comes_back_is_waited_for_and_the_run_completes(daemon2, tmp_path):
    killer = _kill_when_a_cell_runs(daemon2, restart_after=5)
    proc = _run(daemon2, tmp_path, "back", wait=120)
    out, _ = proc.communicate(timeout=900)
    killer.join(timeout=60)
    report = json.loads((tmp_path / "back" / "matrix.json").read_text())
    assert proc.returncode == 0, out[-3000:]
    [event] = report["events"]
    assert "the Docker daemon stopped answering at" in event and "answered again" in event
    assert out.count("the Docker daemon stopped answering") == 1, out[-3000:]
    assert report["summary"]["cells"] == 12 and report["summary"]["harness_errors"] == 0
    assert not [c for c in _labelled(daemon2)]


def test_a_daemon_that_stays_away_ends_the_run_with_reasons_and_the_next_run_cleans_up(
        daemon2, tmp_path):
    killer = _kill_when_a_cell_runs(daemon2, restart_after=None)
    proc = _run(daemon2, tmp_path, "gone", wait=5)
    out, _ = proc.communicate(timeout=900)
    killer.join(timeout=60)
    report = json.loads((tmp_path / "gone" / "matrix.json").read_text())
    assert proc.returncode == 1, out[-3000:]
    errors = [c for c in report["cells"] if c["verdict"] == "ERROR"]
    assert errors and report["summary"]["cells"] == 12
    for cell in errors:
        assert "the Docker daemon stopped answering at" in cell["error"]
        assert "did not answer again within 5 s: this cell could not run" in cell["error"]
        assert "Error(" not in cell["error"] and "\n" not in cell["error"]
    [event] = report["events"]
    assert event.endswith(f"{len(errors)} cells could not run")
    assert out.count("the Docker daemon stopped answering") == 1, out[-3000:]
    assert "could not be removed now" in out  # its own clean-up could not reach the daemon

    daemon2.start()
    left = _labelled(daemon2)
    assert left, "the killed run's containers should still be there before the next run"
    proc = _run(daemon2, tmp_path, "next", wait=120)
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out[-3000:]
    assert f"removed {len(left)} containers left by runs that are no longer alive" in out
    assert not _labelled(daemon2)


def test_a_daemon_gone_before_the_cells_reached_it_is_a_loss_not_a_harness_error(daemon2,
                                                                                tmp_path):
    """Killed as the controller says its images are ready: the cells' process has not made
    its client yet (or has only just), and waits for the daemon like any group would."""
    if not daemon2.running:  # an earlier test stopped before it started it again
        daemon2.start()
    proc = _run(daemon2, tmp_path, "early", wait=5, env_extra={"PYTHONUNBUFFERED": "1"})
    lines = []
    try:
        for line in proc.stdout:
            lines.append(line)
            if "images: ready; running the cells" in line:
                daemon2.kill()
                break
        lines.append(proc.communicate(timeout=900)[0])
    finally:
        if not daemon2.running:
            daemon2.start()
    out = "".join(lines)
    report = json.loads((tmp_path / "early" / "matrix.json").read_text())
    assert proc.returncode == 1, out[-3000:]
    errors = [c for c in report["cells"] if c["verdict"] == "ERROR"]
    assert errors and report["summary"]["cells"] == 12
    for cell in errors:
        assert cell["error"].startswith("the Docker daemon stopped answering at "), cell["error"]
        assert "did not answer again within 5 s: this cell could not run" in cell["error"]
    [event] = report["events"]
    assert event.endswith(f"{len(errors)} cells could not run")
