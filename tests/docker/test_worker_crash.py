"""A cell whose worker dies before handing its result over is ERROR in the report, and every
other cell of the run is still there: the results are read back from every process that
handed them over, the workers that died after them included."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.docker

# Loaded with -p into the controller and each worker: every cell is SKIPPED at once (no
# container runs), except the one named, whose worker dies in it. xdist gives the dead
# worker's group to a new worker, which runs the group's cells again and dies in the same one,
# until it gives up: the group's other cells were handed over only by workers that died.
PLUGIN = '''
import os

from matrix.core.verdicts import Verdict
from matrix.run import session
from matrix.run.results import error_cell


def evaluate(self, cell):
    if cell.id == os.environ["GOVM_TEST_DIE_IN"]:
        os._exit(3)
    return error_cell(cell, Verdict.SKIPPED, "planted: no container run")


session.MatrixSession.evaluate = evaluate
'''


def test_a_dead_worker_s_cell_is_error_and_the_others_are_kept(image_for, tmp_path):
    image_for("ubuntu", "manual")  # built before: the run only prepares and runs its cells
    (tmp_path / "planted_cells.py").write_text(PLUGIN)
    selection = ["--platform", "ubuntu", "--manager", "manual", "--scope", "global",
                 "--scenario", "clean"]
    ids = subprocess.run([sys.executable, "-m", "matrix.cli", "list", *selection],
                         capture_output=True, text=True, check=True).stdout.split()
    dies = ids[-1]  # the last of its group, so that the others run before it
    env = {**os.environ, "GOVM_TEST_DIE_IN": dies,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "matrix.cli", "run", *selection, "--network", "offline", "-n", "2",
         "--report-dir", str(tmp_path / "report"), "--", "-p", "planted_cells"],
        capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]
    report = json.loads((tmp_path / "report" / "matrix.json").read_text())
    verdicts = {c["id"]: c["verdict"] for c in report["cells"]}
    assert sorted(verdicts) == sorted(ids)
    assert verdicts.pop(dies) == "ERROR"
    assert set(verdicts.values()) == {"SKIPPED"}
    dead = next(c for c in report["cells"] if c["id"] == dies)
    assert "the cell's test failed" in dead["error"]
