from __future__ import annotations

import json

import pytest

from matrix.core.cells import Cell, Scenario
from matrix.core.errors import MatrixError
from matrix.core.verdicts import Verdict
from matrix.report import SCHEMA_VERSION, build_report, load_report, write_reports
from matrix.report.write import render_json
from matrix.run.results import GroupOutcome, cell_result


def _cells() -> list[dict]:
    ok = Cell("ubuntu", "manual", Scenario("1.21.13", "1.22.10"), "sh")
    failed = Cell("wsl2", "mise", Scenario("1.21.13", "1.22.10"), "bash-login")
    return [
        cell_result(ok, GroupOutcome(verdict=Verdict.UNSUPPORTED, reason="no such scope")),
        cell_result(failed, GroupOutcome(verdict=Verdict.ERROR, reason="image wsl2-mise failed",
                                         log_tail=["step 8: exit 1"])),
    ]


def test_report_is_versioned_and_counts_verdicts():
    report = build_report(_cells(), {"platforms": ["ubuntu", "wsl2"]}, {"network": "offline"})
    assert report["schema_version"] == SCHEMA_VERSION
    assert report["summary"]["cells"] == 2
    assert report["summary"]["by_verdict"]["ERROR"] == 1
    assert report["summary"]["harness_errors"] == 1
    assert [c["platform"] for c in report["cells"]] == ["ubuntu", "wsl2"]


def test_markdown_reads_without_colour_and_carries_the_log_tail(tmp_path):
    report = build_report(_cells(), {}, {"network": "offline"})
    paths = write_reports(report, tmp_path)
    assert sorted(p.name for p in paths) == ["junit.xml", "matrix.html", "matrix.json", "matrix.md"]
    md = (tmp_path / "matrix.md").read_text()
    assert "| platform | manual | mise |" in md
    assert "? ERROR" in md and "– UNSUPPORTED" in md
    assert "step 8: exit 1" in md
    # a cell that did not run is one line with its reason, not a heading of its own
    assert "- – UNSUPPORTED: 1 cell of manual (ubuntu): no such scope" in md
    assert "### ubuntu/manual/" not in md and "### wsl2/mise/" in md
    assert json.loads((tmp_path / "matrix.json").read_text())["summary"]["cells"] == 2
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_json_is_the_report_with_one_line_per_cell():
    report = build_report(_cells(), {"platforms": ["ubuntu", "wsl2"]}, {"network": "offline"})
    text = render_json(report)
    assert json.loads(text) == report
    lines = text.splitlines()
    for cell in report["cells"]:
        assert sum(1 for line in lines if f'"id":"{cell["id"]}"' in line) == 1
    assert lines[1] == ' "schema": "govm-matrix/report",'  # the rest stays indented
    for edge in ({}, {"cells": []}, {"a": 1}, {"cells": [{"id": "x"}], "z": [1]}):
        assert json.loads(render_json(edge)) == edge


def test_load_report_refuses_other_schemas_and_truncation(tmp_path):
    report = build_report(_cells(), {}, {})
    good = tmp_path / "good.json"
    good.write_text(json.dumps(report))
    assert load_report(good)["summary"]["cells"] == 2
    truncated = tmp_path / "cut.json"
    truncated.write_text(json.dumps(report)[:200])
    with pytest.raises(MatrixError, match="not a complete JSON document"):
        load_report(truncated)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({**report, "schema_version": 99}))
    with pytest.raises(MatrixError, match="schema version 99"):
        load_report(other)
