"""Compare two reports cell by cell: which verdicts got worse, which got better.

A version manager's maintainers run the matrix before and after a change and gate on the
difference. The comparison is by cell id and by the cell verdict:

- a **regression** is a cell whose verdict changed *to* LEAK, BROKEN or ERROR. That covers a
  change from PASS, SHARED, INACTIVE or UNSUPPORTED to one of those three, and also a change
  between two of them (LEAK→BROKEN, BROKEN→ERROR, ERROR→LEAK, ...): the cell is still a
  finding, but a different one, and whoever gates on the comparison wants to look at it.
  A cell whose manager was active in the old report (its recorded ``active``) and that is
  INACTIVE now is a regression too: the manager stopped working in that shell;
- an **improvement** is any other change of verdict: out of LEAK/BROKEN/ERROR, or between
  PASS, SHARED, INACTIVE and UNSUPPORTED where the manager did not stop being active (such
  a move is listed, never gated on);
- cells only in the new report are **added**, cells only in the old one **removed**; neither
  gates, since a different selection is not a different behaviour.

Both reports must come from the same harness checks (the same ``checks`` list); comparing
reports whose checks differ is refused with exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import MatrixError
from ..core.verdicts import Verdict
from .model import SCHEMA, SCHEMA_VERSION, load_report

FINDINGS = (Verdict.LEAK.value, Verdict.BROKEN.value, Verdict.ERROR.value)
EXIT_REGRESSION = 1


ACTIVE_VERDICTS = (Verdict.PASS.value, Verdict.SHARED.value)


def was_active(cell: dict | None) -> bool:
    """Whether the manager was in effect in the cell's shell: the ``active`` the run recorded,
    or (for reports from before it was recorded) a PASS or SHARED verdict."""
    if not cell:
        return False
    if "active" in cell:
        return bool(cell["active"])
    return cell.get("verdict") in ACTIVE_VERDICTS


def is_regression(old: str | None, new: str | None, old_active: bool = False) -> bool:
    """Whether a change of a cell verdict from ``old`` to ``new`` counts as a regression:
    to LEAK, BROKEN or ERROR, or to INACTIVE in a cell where the manager was active (a
    release that stops activating in a shell must not pass a maintainer's gate)."""
    if old == new:
        return False
    return new in FINDINGS or (new == Verdict.INACTIVE.value and old_active)


def _require_report(doc: dict, name: str) -> None:
    if (not isinstance(doc, dict) or doc.get("schema") != SCHEMA
            or not isinstance(doc.get("cells"), list)):
        raise MatrixError(f"{name} is not a govm-matrix report")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{name} has report schema version {doc.get('schema_version')}, "
                          f"this govm-matrix reads version {SCHEMA_VERSION}")


def _cells_by_id(doc: dict, name: str) -> dict[str, dict]:
    cells: dict[str, dict] = {}
    for cell in doc["cells"]:
        if cell["id"] in cells:
            raise MatrixError(f"{name} holds cell {cell['id']} twice; it is not a single report")
        cells[cell["id"]] = cell
    return cells


def _check_changes(old_cell: dict, new_cell: dict) -> list[dict]:
    old_checks = old_cell.get("checks") or {}
    new_checks = new_cell.get("checks") or {}
    names = list(dict.fromkeys([*new_checks, *old_checks]))
    changes = []
    for name in names:
        before = (old_checks.get(name) or {}).get("verdict")
        after = (new_checks.get(name) or {}).get("verdict")
        if before != after:
            changes.append({"check": name, "old": before, "new": after})
    return changes


def _change(old_cell: dict, new_cell: dict) -> dict:
    checks = _check_changes(old_cell, new_cell)
    new_checks = new_cell.get("checks") or {}
    evidence = [f"{change['check']}: {line}" for change in checks
                for line in (new_checks.get(change["check"]) or {}).get("evidence", [])]
    if new_cell.get("error"):
        evidence.insert(0, f"harness: {new_cell['error']}")
    return {"id": new_cell["id"], "old": old_cell["verdict"], "new": new_cell["verdict"],
            "checks": checks, "evidence": evidence}


def diff_reports(old: dict, new: dict) -> dict:
    """The verdict changes from report ``old`` to report ``new``, as plain data.

    Returns ``regressions`` and ``improvements`` (lists of changes, in the new report's cell
    order), ``added`` and ``removed`` (cell ids) and ``unchanged`` (how many cells are in both
    with the same verdict). A change is ``{id, old, new, checks, evidence}``: ``checks`` lists
    ``{check, old, new}`` for each check whose verdict changed, ``evidence`` the new cell's
    evidence lines of those checks as ``"<check>: <line>"`` (after the harness error, if any).
    """
    _require_report(old, "the old report")
    _require_report(new, "the new report")
    if list(old.get("checks") or []) != list(new.get("checks") or []):
        raise MatrixError(f"the reports ran different checks (old: "
                          f"{', '.join(old.get('checks') or [])}; new: "
                          f"{', '.join(new.get('checks') or [])}); compare reports of the same "
                          f"govm-matrix checks")
    before = _cells_by_id(old, "the old report")
    after = _cells_by_id(new, "the new report")
    diff: dict = {"regressions": [], "improvements": [], "unchanged": 0,
                  "added": [cid for cid in after if cid not in before],
                  "removed": [cid for cid in before if cid not in after]}
    for cid, new_cell in after.items():
        old_cell = before.get(cid)
        if old_cell is None:
            continue
        if old_cell["verdict"] == new_cell["verdict"]:
            diff["unchanged"] += 1
            continue
        kind = ("regressions" if is_regression(old_cell["verdict"], new_cell["verdict"],
                                               was_active(old_cell))
                else "improvements")
        diff[kind].append(_change(old_cell, new_cell))
    return diff


def diff_files(old_path: str | Path, new_path: str | Path) -> dict:
    """Load two report files (refusing other schemas and truncated JSON) and compare them."""
    return diff_reports(load_report(old_path), load_report(new_path))


def exit_code(diff: dict) -> int:
    """1 when the comparison holds a regression, else 0."""
    return EXIT_REGRESSION if diff["regressions"] else 0


def _mark(verdict: str | None) -> str:
    if verdict is None:
        return "(none)"
    return f"{Verdict(verdict).symbol} {verdict}"


def _render_change(change: dict) -> list[str]:
    lines = [f"  {change['id']}: {_mark(change['old'])} → {_mark(change['new'])}"]
    for check in change["checks"]:
        lines.append(f"    {check['check']}: {_mark(check['old'])} → {_mark(check['new'])}")
    lines += [f"      - {line}" for line in change["evidence"]]
    return lines


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def render_diff(diff: dict) -> str:
    """The comparison as readable text: a summary line, then each non-empty group."""
    counts = (f"{_plural(len(diff['regressions']), 'regression')}, "
              f"{_plural(len(diff['improvements']), 'improvement')}, "
              f"{len(diff['added'])} added, {len(diff['removed'])} removed, "
              f"{diff['unchanged']} unchanged")
    out = [f"govm-matrix comparison: {counts}"]
    if not diff["regressions"] and not diff["improvements"]:
        out += ["", f"no verdict changed in the {diff['unchanged']} cells both reports hold"]
    if diff["regressions"]:
        out += ["", f"Regressions ({len(diff['regressions'])}): now LEAK, BROKEN or ERROR"]
        for change in diff["regressions"]:
            out += _render_change(change)
    if diff["improvements"]:
        out += ["", f"Improvements and other changes ({len(diff['improvements'])})"]
        for change in diff["improvements"]:
            out += _render_change(change)
    if diff["added"]:
        out += ["", f"Added ({len(diff['added'])}): only in the new report"]
        out += [f"  {cid}" for cid in diff["added"]]
    if diff["removed"]:
        out += ["", f"Removed ({len(diff['removed'])}): only in the old report"]
        out += [f"  {cid}" for cid in diff["removed"]]
    return "\n".join(out) + "\n"
