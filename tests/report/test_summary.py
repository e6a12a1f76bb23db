from __future__ import annotations

from matrix.core.cells import Cell
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.verdicts import CHECKS
from matrix.report import build_report
from matrix.report.markdown import render_markdown
from matrix.report.summary import DEFAULT_LIMIT, render_summary

from ..conftest import classic_matrix


def _cell(cell: Cell, verdict: str, evidence_lines: int, width: int, tail: int) -> dict:
    leg = f"go{cell.scenario.old}→go{cell.scenario.new}"
    checks = {}
    for name in CHECKS:
        lines = [f"{leg}: {verdict}: expected {name} #{i}, got " + "x" * width
                 for i in range(evidence_lines)]
        checks[name] = {"check": name, "verdict": verdict, "evidence": lines}
    return {**cell.to_dict(), "group": cell.group, "shell_order": SHELL_CONTEXTS.index(cell.shell),
            "verdict": verdict, "error": "step 4 timed out" if verdict == "ERROR" else None,
            "log_tail": [f"log line {i} " + "y" * width for i in range(tail)], "checks": checks,
            "run_seconds": 1.0}


def _report(evidence_lines: int = 2, width: int = 20, tail: int = 3) -> dict:
    sel, _cells = classic_matrix()
    cells = [_cell(c, "ERROR" if i % 7 == 0 else "LEAK", evidence_lines, width, tail)
             for i, c in enumerate(_cells)]
    prov = {"network": "offline",
            "artifacts": [{"key": f"go/{i}.tar.gz", "sha256": "ab" * 32, "source": "s" * width,
                           "origin_digest": "sha256:00"} for i in range(40)]}
    return build_report(cells, sel.to_dict(), prov)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| ")]


def _headings(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("### ")]


def test_a_report_that_fits_is_the_full_markdown():
    report = _report()
    assert render_summary(report) == render_markdown(report)


def test_a_huge_report_is_trimmed_under_the_limit_keeping_every_row():
    report = _report(evidence_lines=20, width=4000, tail=20)
    full = render_markdown(report)
    assert _size(full) > DEFAULT_LIMIT
    summary = render_summary(report)
    assert _size(summary) <= DEFAULT_LIMIT
    assert _table_rows(summary) == _table_rows(full)
    assert len(_table_rows(summary)) > 64
    assert _headings(summary) == _headings(full)
    assert "matrix.json has everything" in summary
    assert "evidence lines" in summary


def test_trimming_goes_evidence_first_then_log_tails_then_artifacts():
    report = _report(evidence_lines=3, width=300, tail=15)
    full = render_markdown(report)
    # Enough room for the tables, the log tails and the artifacts, but not the evidence.
    evidence_size = sum(_size(line) + 1 for line in full.splitlines() if "expected " in line)
    limit = _size(full) - evidence_size + 30_000
    summary = render_summary(report, limit=limit)
    assert _size(summary) <= limit
    assert "log line 14" in summary and "- artifact `go/39.tar.gz`" in summary
    assert "expected goroot #0" in summary and "expected goroot #1" not in summary
    note = summary.split("_This summary was trimmed")[1]
    assert "evidence lines beyond the first of each cell" in note and "log tails" not in note
    # Less room: the log tails go too, the artifact lines last.
    tables = "\n".join(_table_rows(full))
    smaller = render_summary(report, limit=_size(tables) + 30_000)
    assert "log line 14" not in smaller and "log tails" in smaller
    assert "every cell's evidence lines" in smaller and "expected goroot #" not in smaller
    assert "- artifact `go/39.tar.gz`" in smaller
    assert "step 4 timed out" in smaller
    assert _table_rows(smaller) == _table_rows(full)


def test_tables_alone_over_the_limit_are_kept_and_the_summary_says_so():
    report = _report(evidence_lines=5, width=500, tail=10)
    full = render_markdown(report)
    summary = render_summary(report, limit=2000)
    assert _table_rows(summary) == _table_rows(full)
    assert _headings(summary) == _headings(full)
    assert "Even the tables alone exceed 2000 bytes" in summary
    assert "artifact lines of the Provenance section" in summary
    assert "- artifact `" not in summary and "log line" not in summary
    assert "expected goroot #" not in summary
    for cell in report["cells"]:
        assert cell["id"] in summary


def test_the_most_trimmed_summary_still_says_which_release_ran_past_its_pin():
    report = _report(evidence_lines=5, width=500, tail=10)
    drift = {"tool": "SDKMAN", "pinned": "5.19.0", "ran": "5.20.0",
             "checked_against": "https://example.invalid/5.20.0/checksums_sha256.txt"}
    report["provenance"]["artifacts"][0]["drift"] = [drift]
    summary = render_summary(report, limit=2000)
    assert "- artifact `" not in summary  # every artifact line went
    assert ("Upstream moved past a pin: SDKMAN 5.20.0 ran, not the pinned 5.19.0; checked "
            "against https://example.invalid/5.20.0/checksums_sha256.txt") in summary
