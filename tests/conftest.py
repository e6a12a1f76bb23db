from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).parent / "data" / "snapshots"


def load_run(name: str) -> dict:
    """A recorded container run (see tests/data/record.py), deep-copied for mutation: the
    cell it ran for and ``run``, the RunResult as plain data."""
    return copy.deepcopy(json.loads((SNAPSHOTS / f"{name}.json").read_text()))


def snap(recording: dict, shell: str, phase: str) -> dict:
    """One snapshot of a recording, for a test to mutate in place."""
    return recording["run"]["snapshots"][f"{shell}:{phase}"]


def replay(recording: dict, shell: str) -> dict:
    """The cell result the matrix gives for ``shell`` of a recorded run: the same function a
    matrix run calls (session.cell_result), on the recorded RunResult."""
    from matrix.core.cells import Cell, Scenario
    from matrix.core.definition import builtin_definition
    from matrix.managers import with_manager_scenarios
    from matrix.run.results import GroupOutcome, cell_result
    from matrix.run.runner import RunResult

    scenario = Scenario(recording["old"], recording["new"], recording["scope"],
                        tuple(recording["fixtures"]), "-".join(recording["fixtures"]) or "clean")
    cell = Cell(recording["platform"], recording["manager"], scenario, shell)
    definition = with_manager_scenarios(builtin_definition())
    outcome = GroupOutcome(run=RunResult(**recording["run"]), shells=recording.get("shells"))
    return cell_result(cell, outcome, definition)


class Pings:
    """A Docker client whose ping fails (the connection refused, as by a daemon that is gone)
    ``failing`` times from its ``first``-th call on and answers every other time; ``calls``
    counts them."""

    def __init__(self, failing: int = 0, first: int = 1) -> None:
        self.failing, self.first, self.calls = failing, first, 0

    def ping(self):
        self.calls += 1
        if self.first <= self.calls < self.first + self.failing:
            raise ConnectionError("Connection refused")
        return True


def unavailable(reason: str):
    """Skip a test whose prerequisite (a Docker Engine, the browser) is missing, except under
    CI (``CI`` set), where a skip would hide that the project's own CI left a part untested:
    there it fails, naming what is missing."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client():
    """A Docker client, or a skip that names why (tests marked `docker` need the engine)."""
    from matrix.build import engine as docker_env
    from matrix.core.errors import MatrixError

    try:
        cli = docker_env.client()
    except MatrixError as exc:
        unavailable(f"needs a Docker Engine: {exc}")
    yield cli
    cli.close()


def classic_matrix():
    """A fixed synthetic matrix for report tests: manual and mise, clean global switches, both
    directions on every platform (76 cells in 12 groups), whatever adapters exist."""
    from matrix.core.cells import build_cells
    from matrix.core.definition import Definition, ScenarioSpec
    from matrix.run.config import make_selection

    sel = make_selection(managers=["manual", "mise"], scopes=["global"])
    return sel, build_cells(sel, Definition(scenarios=[ScenarioSpec("clean")]))


#: modules whose module-scoped fixtures are costly (a second Docker daemon loaded with images;
#: the matrix's own run of each manager to compare with): each stays on one worker
ONE_WORKER = ("tests/docker/test_daemon_loss.py", "tests/docker/test_doctor.py")


def pytest_xdist_make_scheduler(config, log):
    """Tests go to whichever worker is free, container tests too (the images they share are
    built once, under a lock, and each test looks only at its own run's containers), except
    the modules of ONE_WORKER, each whole on one worker. (Marks are not used for this: xdist's
    grouping by mark does not hold for node ids with a folder in them.)"""
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in ONE_WORKER else nodeid

    return Scheduling(config, log)
