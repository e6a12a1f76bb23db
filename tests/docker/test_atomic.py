"""Switch atomicity on purpose-built switches: one that removes the toolchain's link, sleeps,
then makes it again must be caught (from its trace, whatever the observer happened to see),
and one that renames a new link over the old one must not. Repeated runs give the same
verdict: the verdict is the mechanism's."""

from __future__ import annotations

import pytest

from matrix.core.cells import Cell, Scenario
from matrix.core.platforms import get_platform
from matrix.core.verdicts import Verdict
from matrix.managers.base import q
from matrix.managers.manual import Manual
from matrix.run import runner
from matrix.run.results import GroupOutcome, cell_result
from matrix.run.runner import Run, RunOptions

pytestmark = pytest.mark.docker

OLD, NEW = "1.21.13", "1.22.10"


class RemoveSleepRestore(Manual):
    """The toolchain link removed, a pause, then made again: a window with no go at all."""

    def _select(self, version: str, scope: str, platform) -> str:
        return (f"sudo rm -f /usr/local/go && sleep 0.3 && "
                f"sudo ln -s {q('/usr/local/go-' + version)} /usr/local/go")


class RenameOver(Manual):
    """A new link made beside the old one and renamed over it: never a moment without one."""

    def _select(self, version: str, scope: str, platform) -> str:
        return (f"sudo ln -sfn {q('/usr/local/go-' + version)} /usr/local/go.new && "
                "sudo mv -T /usr/local/go.new /usr/local/go")


def _atomic(docker_client, image_for, manager) -> tuple[dict, dict]:
    platform = get_platform("ubuntu")
    run = Run(docker_client, image_for("ubuntu", "manual"), platform, manager, OLD, NEW,
              "global", platform.shells, (), name="atomic-" + type(manager).__name__).execute()
    assert run.error is None, run.log_tail
    cell = Cell("ubuntu", "manual", Scenario(OLD, NEW, "global"), "bash-login")
    result = cell_result(cell, GroupOutcome(run=run))
    return result["checks"]["atomic"], run.atomic


def test_a_switch_that_removes_then_restores_is_not_atomic(docker_client, image_for):
    verdicts = set()
    for _ in range(2):  # the same verdict each time: decided from the trace, not the race
        check, measured = _atomic(docker_client, image_for, RemoveSleepRestore())
        verdicts.add(check["verdict"])
        assert any(w["path"] == "/usr/local/go" and w["kind"] == "missing"
                   for w in measured["windows"]), measured["windows"]
        line = next(ln for ln in check["evidence"] if "/usr/local/go missing" in ln)
        assert line.startswith("BROKEN: expected `sudo rm -f /usr/local/go && sleep 0.3")
        assert "this shell reads /usr/local/go" in line
        assert measured["switches"] >= 2 and measured["observations"]["bash-login"]
    assert verdicts == {Verdict.BROKEN.value}


def test_a_rename_over_the_old_link_is_atomic(docker_client, image_for):
    for _ in range(2):
        check, measured = _atomic(docker_client, image_for, RenameOver())
        assert check["verdict"] == Verdict.PASS.value, check["evidence"]
        assert not [w for w in measured["windows"] if w["path"] == "/usr/local/go"]
        observed = measured["observations"]["bash-login"]
        assert observed and all(o["status"] == 0 for o in observed)
        assert check["evidence"][-1].startswith("PASS: atomic: ")
        # the first switch waits for every observer's first observation, which sees what
        # the traced switch before them left
        firsts = {s: o[0]["version"] for s, o in measured["observations"].items()}
        assert set(firsts.values()) == {f"go{NEW}"}, firsts
        # then at least ATOMIC_SWITCHES switches, for at least ATOMIC_MIN_SECONDS, that the
        # observers see happen: both versions, by each of them
        assert measured["switches"] >= runner.ATOMIC_SWITCHES, measured["switches"]
        assert runner.ATOMIC_MIN_SECONDS <= measured["seconds"] < runner.ATOMIC_SECONDS + 1
        seen = {s: {o["version"] for o in obs} for s, obs in measured["observations"].items()}
        assert all(v == {f"go{OLD}", f"go{NEW}"} for v in seen.values()), seen


def test_the_shipped_manual_switch_is_judged_from_its_own_trace(docker_client, image_for):
    """`ln -sfn` as coreutils does it today (a temporary link renamed over the old one)."""
    check, measured = _atomic(docker_client, image_for, Manual())
    renames = [w for w in measured["windows"] if w["path"] == "/usr/local/go"]
    assert check["verdict"] == (Verdict.BROKEN.value if renames else Verdict.PASS.value)


def test_only_the_contexts_the_manager_reaches_are_measured_and_at_once_reads_the_same(
        docker_client, image_for):
    """The traced reads and the observers run where the verdict needs them (the manager in
    effect at base, by the check's own test), and the reads taken at once are the reads taken
    one after another."""
    platform = get_platform("ubuntu")
    runs = {}
    for parallel in (True, False):
        run = Run(docker_client, image_for("ubuntu", "manual"), platform, Manual(), OLD, NEW,
                  "global", platform.shells, (), name=f"atomic-contexts-{parallel}",
                  options=RunOptions(parallel_probes=parallel)).execute()
        assert run.error is None, run.log_tail
        runs[parallel] = run
    run = runs[True]
    verdicts = {shell: cell_result(Cell("ubuntu", "manual", Scenario(OLD, NEW, "global"),
                                        shell), GroupOutcome(run=run))["checks"]["atomic"]
                for shell in platform.shells}
    inactive = {s for s, check in verdicts.items() if check["verdict"] == "INACTIVE"}
    assert inactive and inactive != set(platform.shells), verdicts
    measured = set(platform.shells) - inactive
    assert set(run.atomic["observations"]) == measured
    assert set(run.atomic["reads"]) == measured
    assert all(run.atomic["observations"][s] for s in measured)
    assert any(step["step"] == "atomic: contexts measured" for step in run.steps)
    assert {s: sorted(r) for s, r in run.atomic["reads"].items()} == \
        {s: sorted(r) for s, r in runs[False].atomic["reads"].items()}
    assert all(run.atomic["reads"][s] for s in measured - {"other-session"})
