"""The closed set of verdicts and how they combine."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

# The checks every cell gets, in report order (their classification is in ``matrix.checks``).
CHECKS = ("goroot", "path", "gopath", "gobin", "gotoolchain", "version", "build", "atomic")


class Verdict(str, Enum):
    PASS = "PASS"
    LEAK = "LEAK"
    BROKEN = "BROKEN"
    SHARED = "SHARED"
    INACTIVE = "INACTIVE"
    UNSUPPORTED = "UNSUPPORTED"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"

    @property
    def symbol(self) -> str:
        """A text mark so the report reads without colour."""
        return SYMBOLS[self]


SYMBOLS = {
    Verdict.PASS: "✓",
    Verdict.LEAK: "✗",
    Verdict.BROKEN: "‼",
    Verdict.SHARED: "≈",
    Verdict.INACTIVE: "○",
    Verdict.UNSUPPORTED: "–",
    Verdict.SKIPPED: "»",
    Verdict.ERROR: "?",
}

# Worst first: a harness error hides nothing, a leak is the finding this tool exists for,
# a broken toolchain is usually its consequence.
SEVERITY = [
    Verdict.ERROR,
    Verdict.LEAK,
    Verdict.BROKEN,
    Verdict.UNSUPPORTED,
    Verdict.SKIPPED,
    Verdict.INACTIVE,
    Verdict.SHARED,
    Verdict.PASS,
]


def worst(verdicts) -> Verdict:
    """The most severe of the given verdicts (PASS for none)."""
    ranked = [SEVERITY.index(Verdict(v)) for v in verdicts]
    return SEVERITY[min(ranked)] if ranked else Verdict.PASS


NAMES = frozenset(v.value for v in Verdict)


def verdict_of(evidence: str) -> str | None:
    """Evidence reads "[<leg>: ]<VERDICT>: expected …, got …"; the verdict word in it."""
    return next((part for part in evidence.split(": ")[:3] if part in NAMES), None)


def parse_verdicts(value: str, option: str) -> set[str]:
    """A comma-separated list of verdict names, validated."""
    from .errors import MatrixError

    wanted = {p.strip().upper() for p in (value or "").split(",") if p.strip()}
    bad = wanted - NAMES
    if bad:
        raise MatrixError(f"unknown verdict(s) {', '.join(sorted(bad))} in {option}; "
                          f"valid verdicts: {', '.join(sorted(NAMES))}")
    return wanted


@dataclass
class CheckResult:
    """One check's verdict and every mismatch found, each as 'expected X, got Y'."""

    check: str
    verdict: Verdict = Verdict.PASS
    evidence: list[str] = field(default_factory=list)

    def add(self, verdict: Verdict, evidence: str) -> None:
        self.verdict = worst([self.verdict, verdict])
        self.evidence.append(f"{verdict.value}: {evidence}")

    def to_dict(self) -> dict:
        return {"check": self.check, "verdict": self.verdict.value, "evidence": list(self.evidence)}
