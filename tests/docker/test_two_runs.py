"""Two runs at once on one machine, sharing the daemon and the cache (two CI jobs, or a
maintainer's subset while the full matrix runs): both finish with their own complete reports,
neither removes the other's containers, and nothing is left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from matrix import LABEL
from matrix.build import engine

pytestmark = pytest.mark.docker


def _run(tmp_path, name: str, manager: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    return subprocess.Popen(
        [sys.executable, "-m", "matrix.cli", "run", "--platform", "ubuntu", "--manager",
         manager, "--scope", "global", "--scenario", "clean", "--network", "offline", "-n", "0",
         "--fresh", "--report-dir", str(tmp_path / name)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def test_two_runs_at_once_finish_with_their_own_reports(docker_client, image_for, tmp_path):
    for manager in ("manual", "mise"):
        image_for("ubuntu", manager)  # built before, so that both runs only run cells
    seen_runs: set[str] = set()
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            # as listed (no look at each: the runs remove theirs meanwhile)
            for ctr in engine.labelled(docker_client, LABEL):
                seen_runs.add(ctr.attrs["Labels"].get(engine.RUN_LABEL, ""))
            time.sleep(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    first, second = _run(tmp_path, "first", "manual"), _run(tmp_path, "second", "mise")
    out_first, _ = first.communicate(timeout=1200)
    out_second, _ = second.communicate(timeout=1200)
    stop.set()
    watcher.join()
    assert first.returncode == 0, out_first[-3000:]
    assert second.returncode == 0, out_second[-3000:]
    reports = {name: json.loads((tmp_path / name / "matrix.json").read_text())
               for name in ("first", "second")}
    assert {c["manager"] for c in reports["first"]["cells"]} == {"manual"}
    assert {c["manager"] for c in reports["second"]["cells"]} == {"mise"}
    for report in reports.values():
        assert report["summary"]["cells"] == 12 and report["summary"]["harness_errors"] == 0
        assert not [k for k, v in report["provenance"]["images"].items() if v.get("built")]
    runs = {report["run_id"] for report in reports.values()}
    assert len(runs) == 2 and None not in runs
    # Both runs had containers up at some point (another run on this machine, such as a full
    # matrix, may have had its own: only these two count).
    assert runs <= seen_runs
    left = [c for c in engine.labelled(docker_client, LABEL)
            if c.attrs["Labels"].get(engine.RUN_LABEL) in runs]
    assert not left
