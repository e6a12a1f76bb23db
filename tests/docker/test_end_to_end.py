"""govm-matrix run as a user runs it: workers, one report, reuse, failures, Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from matrix.build import engine
from matrix.build.images import images_root
from matrix.supply.cache import ArtifactCache

# Container tests share images (built once, under a lock) and the Docker engine; each looks
# only at its own run's containers, so any xdist worker may run them (tests/conftest.py).
pytestmark = pytest.mark.docker


CLEAN = ("--scenario", "clean", "--scope", "global")


def copy_images(dest):
    """A maintainer's modified copy of every build context, laid out as GOVM_MATRIX_IMAGES
    expects: base and platform folders, and managers/<name>/ for each manager's layer (and
    the layer it shares with another adapter)."""
    from matrix.managers import available, get_manager

    shutil.copytree(images_root(), dest)
    for name in available():
        manager = get_manager(name)
        files = manager.context()
        shared = manager.shared_layer()
        if shared is not None:  # the layer below, in its subfolder (distro's packages/)
            files.update({f"{manager.SHARED_LAYER}/{n}": p for n, p in shared[1].items()})
        for file_name, path in files.items():
            target = dest / "managers" / name / file_name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    return dest


def run_cli(*args: str, env: dict | None = None, timeout: int = 1500):
    return subprocess.run([sys.executable, "-m", "matrix.cli", "run", *args],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def containers_of(docker_client, run_id: str) -> list:
    return engine.labelled(docker_client, f"{engine.RUN_LABEL}={run_id}")


def test_workers_write_one_report_and_a_second_run_reuses_everything(tmp_path, docker_client):
    args = ["--platform", "ubuntu,wsl2", "--manager", "manual", "-n", "2", *CLEAN,
            "-k", "session or bash-login"]
    first = run_cli(*args, "--report-dir", str(tmp_path / "one"))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
    # The images are built (or found) first, by the controlling process, a line per layer.
    progress = [ln for ln in first.stdout.splitlines() if ln.startswith("govm-matrix: image")]
    for layer in ("base", "ubuntu", "wsl2", "ubuntu-manual", "wsl2-manual"):
        assert any(ln.startswith(f"govm-matrix: image {layer}: ") for ln in progress), progress
    assert first.stdout.index("govm-matrix: images: ready") < first.stdout.index("[100%]")
    report = json.loads((tmp_path / "one" / "matrix.json").read_text())
    assert report["summary"]["cells"] == 12  # 2 platforms × 2 directions × 3 shells
    assert {c["shell"] for c in report["cells"]} == {"session", "other-session", "bash-login"}
    assert {c["platform"] for c in report["cells"]} == {"ubuntu", "wsl2"}
    md = (tmp_path / "one" / "matrix.md").read_text()
    assert "## ubuntu × manual" in md and "## wsl2 × manual" in md
    assert not containers_of(docker_client, report["run_id"])

    index_before = ArtifactCache().index()
    second = run_cli(*args, "--report-dir", str(tmp_path / "two"))
    assert second.returncode == 0, second.stdout[-3000:]
    again = json.loads((tmp_path / "two" / "matrix.json").read_text())
    assert all(not image["built"] for image in again["provenance"]["images"].values())
    # nothing this run installs from was fetched again (the artifact cache is the machine's:
    # a test on another worker may add its own entries to the index meanwhile)
    used = {artifact["key"] for artifact in again["provenance"]["artifacts"]}
    assert used and used <= set(index_before)
    assert {k: v for k, v in ArtifactCache().index().items() if k in used} == {
        k: v for k, v in index_before.items() if k in used}
    verdicts = {c["id"]: c["verdict"] for c in report["cells"]}
    assert verdicts == {c["id"]: c["verdict"] for c in again["cells"]}


def test_a_failing_install_is_error_with_its_log_and_the_rest_runs(tmp_path, docker_client):
    images = copy_images(tmp_path / "images")
    install = images / "managers" / "mise" / "install.sh"
    install.write_text(install.read_text().replace(
        "set -eu\n", "set -eu\necho 'planted install failure' >&2; exit 7\n", 1))
    dangling = {i.id for i in docker_client.images.list(
        filters={"dangling": True, "label": "io.govm-matrix"})}
    proc = run_cli("--platform", "ubuntu", "--manager", "manual,mise", "-n", "0", *CLEAN,
                   "--report-dir", str(tmp_path / "r"), env={"GOVM_MATRIX_IMAGES": str(images)})
    assert proc.returncode == 1, proc.stdout[-3000:]
    report = json.loads((tmp_path / "r" / "matrix.json").read_text())
    by_manager = {}
    for cell in report["cells"]:
        by_manager.setdefault(cell["manager"], set()).add(cell["verdict"])
    assert by_manager["mise"] == {"ERROR"}
    assert "ERROR" not in by_manager["manual"]
    mise_cell = next(c for c in report["cells"] if c["manager"] == "mise")
    assert "ubuntu-mise failed to build" in mise_cell["error"]
    assert any("planted install failure" in line for line in mise_cell["log_tail"])
    assert "planted install failure" in (tmp_path / "r" / "matrix.md").read_text()
    after = {i.id for i in docker_client.images.list(
        filters={"dangling": True, "label": "io.govm-matrix"})}
    assert after <= dangling  # the failed build left no step images behind


def test_ctrl_c_leaves_no_container(tmp_path, docker_client):
    # Ctrl-C as the first of the run's six containers starts (Docker's own event, not a
    # poll that a loaded machine can make late enough to miss the whole run).
    started = time.time_ns()
    since = started // 10**9  # whole seconds: a previous run's events can share it
    proc = subprocess.Popen(
        [sys.executable, "-m", "matrix.cli", "run", "--platform", "ubuntu", "--manager",
         "manual", "-n", "0", "--scenario", "clean", "--fresh", "--report-dir", str(tmp_path)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        # as in a terminal, whatever started these tests (a background job ignores SIGINT,
        # and its children inherit that)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    events = docker_client.events(since=since, until=since + 600, decode=True, filters={
        "type": "container", "event": "start", "label": "io.govm-matrix.run"})
    # this run's containers only: another run on the machine may start its own meanwhile
    mine = f":{proc.pid}:"
    run_id = next((e["Actor"]["Attributes"]["io.govm-matrix.run"] for e in events
                   if e["timeNano"] >= started
                   and mine in e["Actor"]["Attributes"].get("io.govm-matrix.owner", "")), None)
    events.close()
    assert run_id, "no container of the run appeared"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 130, out[-2000:]
    assert not containers_of(docker_client, run_id)


def _verdicts(path) -> dict:
    report = json.loads(path.read_text())
    return {c["id"]: (c["verdict"], {k: v["verdict"] for k, v in c["checks"].items()})
            for c in report["cells"]}


def test_three_shards_merged_equal_the_single_run(tmp_path):
    selection = ["--platform", "ubuntu", "--manager", "manual,mise", "-n", "0", *CLEAN]
    single = run_cli(*selection, "--report-dir", str(tmp_path / "single"))
    assert single.returncode == 0, single.stdout[-2000:]
    for index in (1, 2, 3):
        shard = run_cli(*selection, "--shard", f"{index}/3",
                        "--report-dir", str(tmp_path / f"shard{index}"))
        assert shard.returncode == 0, shard.stdout[-2000:]
    merge = subprocess.run(
        [sys.executable, "-m", "matrix.cli", "merge", "--report-dir", str(tmp_path / "merged"),
         *(str(tmp_path / f"shard{i}" / "matrix.json") for i in (3, 1, 2))],
        capture_output=True, text=True)
    assert merge.returncode == 0, merge.stderr
    merged = _verdicts(tmp_path / "merged" / "matrix.json")
    assert merged == _verdicts(tmp_path / "single" / "matrix.json")
    assert len(merged) == 24
    sizes = [len(json.loads((tmp_path / f"shard{i}" / "matrix.json").read_text())["cells"])
             for i in (1, 2, 3)]
    assert sorted(sizes) == [6, 6, 12]  # whole groups (6 shell contexts each) per shard


def test_an_empty_shard_still_writes_a_mergeable_report(tmp_path):
    # ubuntu × manual is two groups: the third of three shards holds none.
    proc = run_cli("--platform", "ubuntu", "--manager", "manual", "--shard", "3/3", "-n", "0",
                   *CLEAN, "--report-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-2000:]
    report = json.loads((tmp_path / "matrix.json").read_text())
    assert report["shard"]["index"] == 3 and report["cells"] == []


def test_baseline_gates_on_a_planted_regression_only(tmp_path):
    selection = ["--platform", "ubuntu", "--manager", "manual", "-n", "0", "-k", "bash-login",
                 *CLEAN]
    clean = run_cli(*selection, "--report-dir", str(tmp_path / "clean"))
    assert clean.returncode == 0, clean.stdout[-2000:]
    baseline = tmp_path / "baseline.json"
    subprocess.run([sys.executable, "-m", "matrix.cli", "baseline",
                    str(tmp_path / "clean" / "matrix.json"), str(baseline)], check=True)
    same = run_cli(*selection, "--baseline", str(baseline), "--report-dir", str(tmp_path / "a"))
    assert same.returncode == 0, same.stdout[-2000:]
    assert "no verdict changed" in same.stdout

    # A release of the "manager" that leaves GOROOT exported in the login profile.
    images = copy_images(tmp_path / "images")
    install = images / "managers" / "manual" / "install.sh"
    install.write_text(install.read_text() + "append_line \"$PLATFORM_HOME/.profile\" "
                       "'export GOROOT=/usr/local/go-1.21.13'\n")
    worse = run_cli(*selection, "--baseline", str(baseline), "--report-dir", str(tmp_path / "b"),
                    env={"GOVM_MATRIX_IMAGES": str(images)})
    assert worse.returncode == 1, worse.stdout[-3000:]
    assert "ubuntu/manual/1.21.13→1.22.10/global/bash-login" in worse.stdout
    assert "LEAK" in worse.stdout


def test_manager_from_a_local_build(tmp_path):
    local = tmp_path / "mise"
    shutil.copy(ArtifactCache().mirror_dir / "mise" / "mise-v2026.9.15-linux-x64", local)
    proc = run_cli("--platform", "ubuntu", "--manager", "mise", "-n", "0", "-k", "session",
                   *CLEAN,
                   "--manager-source", f"mise={local}", "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-2000:]
    report = json.loads((tmp_path / "r" / "matrix.json").read_text())
    installed = report["provenance"]["managers"]["mise"]["installed"]
    assert installed["source"].startswith("mise binary local/")
    assert any(a["source"] == f"local build {local}" for a in report["provenance"]["artifacts"])
    assert {c["verdict"] for c in report["cells"]} <= {"PASS", "SHARED"}


CORP = """
schema_version = 1
include_default = false

[fixtures.corp-profile]
description = "a corporate /etc/profile.d script that pins GOROOT to the old Go"
env = { GOFLAGS = "-mod=mod" }

[[fixtures.corp-profile.files]]
path = "/etc/profile.d/corp-go.sh"
as = "root"
content = "export GOROOT={old_root}\\n"

[[scenarios]]
name = "corp"
pollution = ["corp-profile"]
platforms = ["ubuntu"]
managers = ["manual"]
"""


def test_a_user_defined_fixture_from_a_file_outside_the_repository(tmp_path):
    matrix_file = tmp_path / "corp.toml"
    matrix_file.write_text(CORP)
    proc = run_cli("--matrix", str(matrix_file), "--scope", "global", "-n", "0",
                   "-k", "bash-login", "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 0, proc.stdout[-3000:]
    report = json.loads((tmp_path / "r" / "matrix.json").read_text())
    assert {c["id"] for c in report["cells"]} == {
        "ubuntu/manual/1.21.13→1.22.10/global+corp/bash-login",
        "ubuntu/manual/1.22.10→1.21.13/global+corp/bash-login"}
    cell = report["cells"][0]
    assert cell["pollution"] == ["corp-profile"]
    assert cell["pollution_fixtures"][0]["description"].startswith("a corporate")
    assert cell["checks"]["goroot"]["verdict"] == "LEAK"
    assert cell["snapshots"]["after"]["env"]["GOFLAGS"] == "-mod=mod"
    assert "global+corp" in (tmp_path / "r" / "matrix.md").read_text()
