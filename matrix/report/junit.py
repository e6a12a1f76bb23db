"""The report as JUnit XML, so CI dashboards list every cell and show the findings.

One ``<testsuite name="govm-matrix">`` holds one ``<testcase>`` per cell (classname
``<platform>.<manager>``, name the cell id) with the cell's coordinates and verdict as
``<properties>``. ERROR becomes ``<error>`` with the log tail, LEAK and BROKEN become
``<failure>`` with the evidence, UNSUPPORTED, SKIPPED and INACTIVE become ``<skipped>``; PASS and
SHARED are plain passing test cases.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from ..core.verdicts import Verdict, verdict_of
from .model import VERDICT_MEANINGS

SUITE_NAME = "govm-matrix"
PROPERTIES = ("platform", "manager", "from", "to", "scope", "pollution", "shell", "verdict")
FAILURES = (Verdict.LEAK.value, Verdict.BROKEN.value)
SKIPS = (Verdict.UNSUPPORTED.value, Verdict.SKIPPED.value, Verdict.INACTIVE.value)
QUIET = (Verdict.PASS.value, Verdict.SHARED.value)

# Characters XML 1.0 cannot hold (log tails may carry terminal escapes).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: object) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _property_value(cell: dict, key: str) -> str:
    value = cell.get(key)
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def _evidence(cell: dict) -> list[str]:
    """The cell's evidence lines that are not PASS or SHARED, as ``<check>: <line>``."""
    lines = []
    for name, result in (cell.get("checks") or {}).items():
        if result.get("verdict") in QUIET:
            continue
        lines += [f"{name}: {line}" for line in result.get("evidence", [])
                  if verdict_of(line) not in QUIET]
    return lines


def _message(cell: dict, lines: list[str]) -> str:
    verdict = cell["verdict"]
    if cell.get("error"):
        return f"{verdict}: {cell['error']}"
    if lines:
        return f"{verdict}: {lines[0]}"
    return f"{verdict}: {VERDICT_MEANINGS[Verdict(verdict)]}"


def _testcase(suite: ET.Element, cell: dict) -> str:
    """Add the cell's testcase; returns its outcome: error, failure, skipped or passed."""
    case = ET.SubElement(suite, "testcase", {
        "classname": _clean(f"{cell['platform']}.{cell['manager']}"),
        "name": _clean(cell["id"]),
        "time": f"{float(cell.get('run_seconds') or 0.0):.3f}",
    })
    props = ET.SubElement(case, "properties")
    for key in PROPERTIES:
        ET.SubElement(props, "property", {"name": key, "value": _clean(_property_value(cell, key))})
    verdict = cell["verdict"]
    lines = _evidence(cell)
    if verdict == Verdict.ERROR.value:
        node = ET.SubElement(case, "error", {"message": _clean(_message(cell, lines)),
                                             "type": verdict})
        node.text = _clean("\n".join(cell.get("log_tail") or lines))
        return "error"
    if verdict in FAILURES:
        node = ET.SubElement(case, "failure", {"message": _clean(_message(cell, lines)),
                                               "type": verdict})
        node.text = _clean("\n".join(lines))
        return "failure"
    if verdict in SKIPS:
        ET.SubElement(case, "skipped", {"message": _clean(_message(cell, lines))})
        return "skipped"
    return "passed"


def render_junit(report: dict) -> str:
    """The report as a JUnit XML document (UTF-8 text with its XML declaration)."""
    cells = report.get("cells") or []
    suite = ET.Element("testsuite", {"name": SUITE_NAME})
    outcomes = [_testcase(suite, cell) for cell in cells]
    suite.set("tests", str(len(cells)))
    for outcome, attribute in (("failure", "failures"), ("error", "errors"),
                               ("skipped", "skipped")):
        suite.set(attribute, str(outcomes.count(outcome)))
    if report.get("generated_at"):
        suite.set("timestamp", _clean(report["generated_at"]).rstrip("Z"))
    ET.indent(suite)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            + ET.tostring(suite, encoding="unicode") + "\n")
