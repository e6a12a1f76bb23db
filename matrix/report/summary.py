"""The Markdown report sized for a GitHub job summary (at most 1 MiB per step).

The full Markdown rendering is used when it fits. Otherwise detail is trimmed, least useful
first, until it does: the Evidence section's per-cell evidence lines (down to none; the cell
headings with their verdicts stay), then the log tails, then the artifact lines of the
Provenance section. No verdict and no row of any matrix table is ever dropped; when even the
tables alone exceed the limit they are kept whole and the summary says so. A trimmed summary
ends with a line naming what was trimmed and pointing to matrix.json, which has everything.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.verdicts import Verdict, verdict_of
from .markdown import render_markdown

GITHUB_SUMMARY_LIMIT = 1024 * 1024
DEFAULT_LIMIT = GITHUB_SUMMARY_LIMIT - 4096
QUIET = (Verdict.PASS.value, Verdict.SHARED.value)


@dataclass(frozen=True)
class Trim:
    """How much detail to keep: evidence lines per cell, log tail lines, artifact lines."""

    evidence: int | None = None
    log_tail: int | None = None
    artifacts: bool = True

    def describe(self) -> list[str]:
        parts = []
        if self.evidence == 0:
            parts.append("every cell's evidence lines (the cell headings and verdicts are kept)")
        elif self.evidence == 1:
            parts.append("evidence lines beyond the first of each cell")
        elif self.evidence is not None:
            parts.append(f"evidence lines beyond the first {self.evidence} of each cell")
        if self.log_tail == 0:
            parts.append("the log tails")
        elif self.log_tail == 1:
            parts.append("log tails but for their last line")
        elif self.log_tail is not None:
            parts.append(f"log tails beyond their last {self.log_tail} lines")
        if not self.artifacts:
            parts.append("the artifact lines of the Provenance section")
        return parts


# Tried in order until the summary fits; each step keeps less than the one before.
STEPS = (
    Trim(),
    Trim(evidence=6),
    Trim(evidence=3),
    Trim(evidence=1),
    Trim(evidence=0),
    Trim(evidence=0, log_tail=10),
    Trim(evidence=0, log_tail=5),
    Trim(evidence=0, log_tail=2),
    Trim(evidence=0, log_tail=0),
    Trim(evidence=0, log_tail=0, artifacts=False),
)


def _trim_checks(checks: dict, keep: int) -> dict:
    """The checks with at most ``keep`` shown (not PASS or SHARED) evidence lines in all."""
    out = {}
    for name, result in checks.items():
        lines = []
        for line in result.get("evidence", []):
            if verdict_of(line) in QUIET:
                continue
            if keep > 0:
                lines.append(line)
                keep -= 1
        out[name] = {**result, "evidence": lines}
    return out


def _trim_cell(cell: dict, trim: Trim) -> dict:
    cell = dict(cell)
    if trim.evidence is not None:
        cell["checks"] = _trim_checks(cell.get("checks") or {}, trim.evidence)
    if trim.log_tail is not None:
        tail = list(cell.get("log_tail") or [])
        cell["log_tail"] = tail[len(tail) - trim.log_tail:] if trim.log_tail else []
    return cell


def trimmed_report(report: dict, trim: Trim) -> dict:
    """A shallow copy of the report with the detail ``trim`` names removed (verdicts kept)."""
    out = dict(report)
    out["cells"] = [_trim_cell(cell, trim) for cell in report.get("cells") or []]
    if not trim.artifacts:
        # every artifact line goes, but the releases that ran instead of their pins stay
        kept = [{"key": a["key"], "drift": a["drift"]}
                for a in (report.get("provenance") or {}).get("artifacts") or []
                if a.get("drift")]
        out["provenance"] = {**(report.get("provenance") or {}), "artifacts": kept}
    return out


def _note(trim: Trim, limit: int, over: bool) -> str:
    note = (f"_This summary was trimmed to fit a GitHub job summary ({limit} bytes): "
            f"{'; '.join(trim.describe())}. Every verdict and every table row is kept; "
            f"matrix.json has everything._")
    if over:
        note += (f"\n\n_Even the tables alone exceed {limit} bytes; they are kept whole, so "
                 f"this summary is larger than the limit._")
    return note


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _with_note(report: dict, trim: Trim, limit: int, over: bool) -> str:
    return render_markdown(trimmed_report(report, trim)) + "\n" + _note(trim, limit, over) + "\n"


def render_summary(report: dict, limit: int = DEFAULT_LIMIT) -> str:
    """The Markdown report, trimmed as the module describes when over ``limit`` UTF-8 bytes."""
    full = render_markdown(report)
    if _size(full) <= limit:
        return full
    for trim in STEPS[1:]:
        text = _with_note(report, trim, limit, over=False)
        if _size(text) <= limit:
            return text
    return _with_note(report, STEPS[-1], limit, over=True)
