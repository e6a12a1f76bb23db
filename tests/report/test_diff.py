from __future__ import annotations

import copy
import json

import pytest

from matrix.core.cells import Cell
from matrix.core.errors import MatrixError
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.verdicts import CHECKS
from matrix.report import build_report
from matrix.report.diff import diff_files, diff_reports, exit_code, is_regression, render_diff

from ..conftest import classic_matrix


def _cell(cell: Cell, verdict: str) -> dict:
    """A cell result as a run writes it: SHARED cells share GOPATH, INACTIVE ones find no go."""
    leg = f"go{cell.scenario.old}→go{cell.scenario.new}"
    checks = {}
    for name in CHECKS:
        check = verdict if verdict == "INACTIVE" or name == "gopath" else "PASS"
        checks[name] = {"check": name, "verdict": check,
                        "evidence": [f"{leg}: {check}: expected X, got Y ({name})"]}
    return {**cell.to_dict(), "group": cell.group, "shell_order": SHELL_CONTEXTS.index(cell.shell),
            "verdict": verdict, "error": None, "log_tail": [], "checks": checks,
            "run_seconds": 1.0}


def _report() -> dict:
    sel, _cells = classic_matrix()
    cells = [_cell(c, "SHARED" if c.shell in ("bash-login", "session") else "INACTIVE")
             for c in _cells]
    return build_report(cells, sel.to_dict(), {"network": "offline"})


def _set(report: dict, cell_id: str, verdict: str, check: str, evidence: str) -> None:
    cell = next(c for c in report["cells"] if c["id"] == cell_id)
    cell["verdict"] = verdict
    cell["checks"][check] = {"check": check, "verdict": verdict, "evidence": [evidence]}


def _shared_id(report: dict) -> str:
    return next(c["id"] for c in report["cells"] if c["verdict"] == "SHARED")


def test_identical_reports_have_no_regression():
    old = _report()
    diff = diff_reports(old, copy.deepcopy(old))
    assert diff["regressions"] == [] and diff["improvements"] == []
    assert diff["added"] == [] and diff["removed"] == []
    assert diff["unchanged"] == 76
    assert exit_code(diff) == 0
    assert "no verdict changed" in render_diff(diff)


def test_a_planted_leak_is_a_regression_that_names_the_cell():
    old = _report()
    new = copy.deepcopy(old)
    target = _shared_id(new)
    line = "go1.21.13→go1.22.10: LEAK: expected GOROOT unset, got GOROOT=/usr/local/go-1.21.13"
    _set(new, target, "LEAK", "goroot", line)
    diff = diff_reports(old, new)
    assert exit_code(diff) == 1
    assert [r["id"] for r in diff["regressions"]] == [target]
    change = diff["regressions"][0]
    assert (change["old"], change["new"]) == ("SHARED", "LEAK")
    assert change["checks"] == [{"check": "goroot", "old": "PASS", "new": "LEAK"}]
    assert change["evidence"] == [f"goroot: {line}"]
    assert diff["unchanged"] == 75
    text = render_diff(diff)
    assert "Regressions (1)" in text and target in text and line in text


def test_an_improvement_alone_exits_zero():
    old = _report()
    target = _shared_id(old)
    _set(old, target, "BROKEN", "build", "go1.21.13→go1.22.10: BROKEN: expected build, got exit 1")
    new = _report()
    diff = diff_reports(old, new)
    assert diff["regressions"] == []
    assert [c["id"] for c in diff["improvements"]] == [target]
    assert diff["improvements"][0]["checks"] == [{"check": "build", "old": "BROKEN",
                                                 "new": "PASS"}]
    assert exit_code(diff) == 0
    assert "Improvements and other changes (1)" in render_diff(diff)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("PASS", "LEAK", True), ("SHARED", "BROKEN", True), ("INACTIVE", "ERROR", True),
    ("UNSUPPORTED", "LEAK", True), ("LEAK", "ERROR", True), ("ERROR", "LEAK", True),
    ("BROKEN", "LEAK", True), ("LEAK", "LEAK", False), ("LEAK", "PASS", False),
    ("ERROR", "INACTIVE", False), ("SHARED", "PASS", False), (None, "LEAK", True),
])
def test_which_changes_are_regressions(old, new, expected):
    assert is_regression(old, new) is expected


def test_a_manager_that_stops_activating_is_a_regression():
    old = _report()
    target = _shared_id(old)
    new = copy.deepcopy(old)
    cell = next(c for c in new["cells"] if c["id"] == target)
    cell["verdict"] = "INACTIVE"
    cell["checks"] = {name: {"check": name, "verdict": "INACTIVE", "evidence": [
        "go1.21.13→go1.22.10: INACTIVE: expected go1.22.10 from mise, got no go on PATH"]}
        for name in cell["checks"]}
    diff = diff_reports(old, new)
    assert [(r["id"], r["old"], r["new"]) for r in diff["regressions"]] == [
        (target, "SHARED", "INACTIVE")]
    assert exit_code(diff) == 1
    # An old cell that recorded its manager inactive (a LEAK planted in a shell the manager
    # never reached) going INACTIVE is no regression; one that recorded it active is.
    for active, kind in ((False, "improvements"), (True, "regressions")):
        before = copy.deepcopy(old)
        old_cell = next(c for c in before["cells"] if c["id"] == target)
        old_cell.update(verdict="LEAK", active=active)
        assert [c["id"] for c in diff_reports(before, new)[kind]] == [target]


def test_a_change_between_findings_is_a_regression():
    old = _report()
    target = _shared_id(old)
    _set(old, target, "LEAK", "goroot", "x: LEAK: expected a, got b")
    new = copy.deepcopy(old)
    _set(new, target, "ERROR", "goroot", "ERROR: step 3 timed out")
    diff = diff_reports(old, new)
    assert [(r["old"], r["new"]) for r in diff["regressions"]] == [("LEAK", "ERROR")]
    assert exit_code(diff) == 1


def test_added_and_removed_cells_do_not_gate():
    old = _report()
    new = copy.deepcopy(old)
    gone = new["cells"].pop(0)
    extra = copy.deepcopy(new["cells"][-1])
    extra["id"] = extra["id"].replace("/global/", "/session/")
    new["cells"].append(extra)
    diff = diff_reports(old, new)
    assert diff["removed"] == [gone["id"]] and diff["added"] == [extra["id"]]
    assert exit_code(diff) == 0
    text = render_diff(diff)
    assert "Added (1)" in text and "Removed (1)" in text and "no verdict changed" in text


def _without_check(report: dict, name: str) -> dict:
    """The report as a harness without check ``name`` would have written it."""
    older = copy.deepcopy(report)
    older["checks"] = [c for c in older["checks"] if c != name]
    for cell in older["cells"]:
        cell["checks"].pop(name, None)
    return older


def test_a_check_only_the_new_report_ran_is_listed_apart_and_never_gated():
    new = _report()
    old = _without_check(new, "atomic")
    cell = next(c for c in new["cells"] if c["verdict"] == "SHARED")
    cell["verdict"] = "BROKEN"
    cell["checks"]["atomic"] = {"check": "atomic", "verdict": "BROKEN",
                                "evidence": ["BROKEN: expected X, got a window"]}
    diff = diff_reports(old, new)
    assert diff["regressions"] == [] and exit_code(diff) == 0
    assert diff["compared_checks"] == [c for c in CHECKS if c != "atomic"]
    assert diff["new_checks"]["atomic"] == [
        {"id": cell["id"], "verdict": "BROKEN", "evidence": ["BROKEN: expected X, got a window"]}]
    text = render_diff(diff)
    assert "only the new one ran atomic" in text
    assert "New check atomic (1 cells with a finding; not gated on)" in text
    assert cell["id"] in text


def test_a_regression_on_the_checks_both_ran_still_gates_across_harnesses():
    new = _report()
    old = _without_check(new, "atomic")
    cell = next(c for c in new["cells"] if c["verdict"] == "SHARED")
    cell["verdict"] = "LEAK"
    cell["checks"]["goroot"] = {"check": "goroot", "verdict": "LEAK",
                                "evidence": ["LEAK: expected X, got Y"]}
    diff = diff_reports(old, new)
    assert [c["id"] for c in diff["regressions"]] == [cell["id"]]
    assert diff["regressions"][0]["checks"] == [{"check": "goroot", "old": "PASS",
                                                 "new": "LEAK"}]


def test_reports_that_share_no_check_are_refused():
    old = _report()
    new = copy.deepcopy(old)
    new["checks"] = ["something-else"]
    with pytest.raises(MatrixError, match="share no check") as info:
        diff_reports(old, new)
    assert info.value.exit_code == 2
    assert "\n" not in str(info.value)


def test_files_are_loaded_with_the_schema_check(tmp_path):
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    report = _report()
    old.write_text(json.dumps(report))
    new.write_text(json.dumps(report)[:500])
    with pytest.raises(MatrixError, match="not a complete JSON document"):
        diff_files(old, new)
    new.write_text(json.dumps({**report, "schema_version": 99}))
    with pytest.raises(MatrixError, match="schema version 99"):
        diff_files(old, new)
    new.write_text(json.dumps(report))
    assert exit_code(diff_files(old, new)) == 0
