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

Reports from harnesses with different checks (a release that added the ``atomic`` check, say)
are compared on the checks both ran: each cell's verdict is taken as the worst of those checks,
so a check only one side ran never shows up as a change of behaviour. What the checks only the
new report ran found is listed apart (``new_checks``), never gated on: a new question is not a
regression. Reports that share no check at all are refused with exit status 2.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import MatrixError
from ..core.verdicts import Verdict, worst
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


def _check_changes(old_cell: dict, new_cell: dict, common: tuple[str, ...]) -> list[dict]:
    old_checks = old_cell.get("checks") or {}
    new_checks = new_cell.get("checks") or {}
    names = [n for n in dict.fromkeys([*new_checks, *old_checks]) if n in common]
    changes = []
    for name in names:
        before = (old_checks.get(name) or {}).get("verdict")
        after = (new_checks.get(name) or {}).get("verdict")
        if before != after:
            changes.append({"check": name, "old": before, "new": after})
    return changes


def _change(old_cell: dict, new_cell: dict, common: tuple[str, ...], was: str,
            now: str) -> dict:
    checks = _check_changes(old_cell, new_cell, common)
    new_checks = new_cell.get("checks") or {}
    evidence = [f"{change['check']}: {line}" for change in checks
                for line in (new_checks.get(change["check"]) or {}).get("evidence", [])]
    if new_cell.get("error"):
        evidence.insert(0, f"harness: {new_cell['error']}")
    return {"id": new_cell["id"], "old": was, "new": now, "checks": checks,
            "evidence": evidence}


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
    old_names, new_names = list(old.get("checks") or []), list(new.get("checks") or [])
    common = tuple(n for n in new_names if n in old_names)
    if not common:
        raise MatrixError(f"the reports share no check (old: {', '.join(old_names)}; new: "
                          f"{', '.join(new_names)}); compare reports of govm-matrix")
    only_new = [n for n in new_names if n not in old_names]
    before = _cells_by_id(old, "the old report")
    after = _cells_by_id(new, "the new report")
    diff: dict = {"regressions": [], "improvements": [], "unchanged": 0,
                  "added": [cid for cid in after if cid not in before],
                  "removed": [cid for cid in before if cid not in after],
                  "compared_checks": list(common), "new_checks": {}}
    if only_new or len(common) != len(old_names):
        diff["not_compared"] = {"only_old": [n for n in old_names if n not in common],
                                "only_new": only_new}
    for cid, new_cell in after.items():
        old_cell = before.get(cid)
        if old_cell is None:
            continue
        for name in only_new:
            found = (new_cell.get("checks") or {}).get(name) or {}
            if found.get("verdict") in FINDINGS:
                diff["new_checks"].setdefault(name, []).append(
                    {"id": cid, "verdict": found["verdict"],
                     "evidence": (found.get("evidence") or [])[:1]})
        was, now = _verdict_on(old_cell, common), _verdict_on(new_cell, common)
        if was == now:
            diff["unchanged"] += 1
            continue
        kind = ("regressions" if is_regression(was, now, was_active(old_cell))
                else "improvements")
        diff[kind].append(_change(old_cell, new_cell, common, was, now))
    return diff


def _verdict_on(cell: dict, checks: tuple[str, ...]) -> str:
    """The cell's verdict over ``checks`` only: the worst of them where the cell has them
    all (a cell that ran), else its own verdict (SKIPPED, UNSUPPORTED, ERROR have none)."""
    found = cell.get("checks") or {}
    if found and all(name in found for name in checks):
        return worst(found[name]["verdict"] for name in checks).value
    return cell["verdict"]


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
    skipped = diff.get("not_compared") or {}
    if skipped:
        out += ["", f"Compared on the checks both reports ran: "
                    f"{', '.join(diff['compared_checks'])}"
                + (f"; only the new one ran {', '.join(skipped['only_new'])}"
                   if skipped.get("only_new") else "")
                + (f"; only the old one ran {', '.join(skipped['only_old'])}"
                   if skipped.get("only_old") else "")]
    for name, found in (diff.get("new_checks") or {}).items():
        out += ["", f"New check {name} ({len(found)} cells with a finding; not gated on)"]
        out += [f"  {f['id']}: {_mark(f['verdict'])}" + (f" - {f['evidence'][0]}"
                                                         if f["evidence"] else "")
                for f in found[:20]]
        if len(found) > 20:
            out.append(f"  … and {len(found) - 20} more (see the JSON)")
    if diff["added"]:
        out += ["", f"Added ({len(diff['added'])}): only in the new report"]
        out += [f"  {cid}" for cid in diff["added"]]
    if diff["removed"]:
        out += ["", f"Removed ({len(diff['removed'])}): only in the old report"]
        out += [f"  {cid}" for cid in diff["removed"]]
    return "\n".join(out) + "\n"
