from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from matrix.core.cells import Cell
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.verdicts import CHECKS
from matrix.report import build_report
from matrix.report.junit import render_junit

from ..conftest import classic_matrix

# Verdicts planted on the first cells of the default matrix; the rest are SHARED or INACTIVE.
PLANTED = ["ERROR", "LEAK", "BROKEN", "UNSUPPORTED", "PASS"]


def _cell(cell: Cell, verdict: str) -> dict:
    leg = f"go{cell.scenario.old}→go{cell.scenario.new}"
    checks = {name: {"check": name, "verdict": "PASS",
                     "evidence": [f"{leg}: PASS: expected {name} fine, got it"]} for name in CHECKS}
    if verdict not in ("PASS", "ERROR"):
        checks["goroot"] = {"check": "goroot", "verdict": verdict,
                            "evidence": [f"{leg}: {verdict}: expected GOROOT unset, "
                                         f"got GOROOT=/usr/local/go-1.21.13",
                                         f"{leg}: PASS: go env GOROOT is fine"]}
    error = "image wsl2-mise failed: step 8 exit 1" if verdict == "ERROR" else None
    log_tail = ["step 8: curl <mirror>", "\x1b[31mexit status 1\x1b[0m"] if error else []
    return {**cell.to_dict(), "group": cell.group, "shell_order": SHELL_CONTEXTS.index(cell.shell),
            "verdict": verdict, "error": error, "log_tail": log_tail, "checks": checks,
            "run_seconds": 2.5}


def _report() -> dict:
    sel, _cells = classic_matrix()
    cells = []
    for i, cell in enumerate(_cells):
        default = "SHARED" if cell.shell in ("bash-login", "session") else "INACTIVE"
        cells.append(_cell(cell, PLANTED[i] if i < len(PLANTED) else default))
    return build_report(cells, sel.to_dict(), {"network": "offline"})


def _cases(suite: ET.Element) -> dict[str, ET.Element]:
    return {case.get("name"): case for case in suite.iter("testcase")}


def test_junit_parses_with_one_testcase_per_cell():
    report = _report()
    suite = ET.fromstring(render_junit(report))
    assert suite.tag == "testsuite" and suite.get("name") == "govm-matrix"
    cases = _cases(suite)
    assert len(cases) == 76 == int(suite.get("tests"))
    assert list(cases) == [c["id"] for c in report["cells"]]
    first = report["cells"][0]
    assert cases[first["id"]].get("classname") == f"{first['platform']}.{first['manager']}"


def test_counts_match_the_verdicts():
    report = _report()
    suite = ET.fromstring(render_junit(report))
    counts = Counter(c["verdict"] for c in report["cells"])
    assert int(suite.get("errors")) == counts["ERROR"] == 1
    assert int(suite.get("failures")) == counts["LEAK"] + counts["BROKEN"] == 2
    assert int(suite.get("skipped")) == counts["UNSUPPORTED"] + counts["INACTIVE"]
    assert len(suite.findall("testcase/error")) == 1
    assert len(suite.findall("testcase/failure")) == 2
    assert len(suite.findall("testcase/skipped")) == int(suite.get("skipped"))


def test_every_testcase_carries_its_properties():
    report = _report()
    cases = _cases(ET.fromstring(render_junit(report)))
    for cell in report["cells"]:
        props = {p.get("name"): p.get("value")
                 for p in cases[cell["id"]].findall("properties/property")}
        assert props == {"platform": cell["platform"], "manager": cell["manager"],
                         "from": cell["from"], "to": cell["to"], "scope": cell["scope"],
                         "pollution": "", "shell": cell["shell"], "verdict": cell["verdict"]}


def test_findings_carry_their_evidence_and_errors_their_log_tail():
    report = _report()
    cases = _cases(ET.fromstring(render_junit(report)))
    by_verdict = {c["verdict"]: c for c in report["cells"]}
    leak = cases[by_verdict["LEAK"]["id"]].find("failure")
    assert leak.get("type") == "LEAK"
    assert "LEAK: expected GOROOT unset, got GOROOT=/usr/local/go-1.21.13" in leak.get("message")
    assert leak.text.startswith("goroot: go1.")
    assert "PASS" not in leak.text
    error = cases[by_verdict["ERROR"]["id"]].find("error")
    assert "image wsl2-mise failed" in error.get("message")
    assert "step 8: curl <mirror>" in error.text and "exit status 1" in error.text
    assert "\x1b" not in error.text
    skipped = cases[by_verdict["UNSUPPORTED"]["id"]].find("skipped")
    assert skipped.get("message").startswith("UNSUPPORTED: ")
    passed = cases[by_verdict["PASS"]["id"]]
    shared = cases[by_verdict["SHARED"]["id"]]
    for case in (passed, shared):
        assert [child.tag for child in case] == ["properties"]


def test_an_empty_report_is_an_empty_suite():
    suite = ET.fromstring(render_junit(build_report([], {}, {})))
    assert suite.get("tests") == "0" and suite.findall("testcase") == []
