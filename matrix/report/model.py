"""The report document: cells with verdicts and evidence, a summary, and provenance."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path

from .. import __version__
from ..core.errors import MatrixError
from ..core.platforms import PLATFORMS
from ..core.verdicts import CHECKS, SEVERITY, Verdict

SCHEMA = "govm-matrix/report"
SCHEMA_VERSION = 1

VERDICT_MEANINGS = {
    Verdict.PASS: "the new version is fully in effect and nothing of the old one is visible",
    Verdict.LEAK: "something of the old version (a path in its install root, its version) is "
                  "still in effect",
    Verdict.BROKEN: "the toolchain or the environment does not work as it should after the switch",
    Verdict.SHARED: "state shared by every version by the tool's design (e.g. one ~/go)",
    Verdict.INACTIVE: "the manager is not active in this shell context",
    Verdict.UNSUPPORTED: "the manager cannot do what the scenario asks",
    Verdict.SKIPPED: "an artifact that cannot be had here is missing; the reason names it and "
                     "the command that adds it",
    Verdict.ERROR: "the harness could not decide (build failed, step failed, timeout)",
}


def transition(cell: dict) -> str:
    """A cell's A→B, with the versions actually installed where they are not the ones asked
    for (a distribution's release of the series)."""
    text = f"{cell['from']}→{cell['to']}"
    installed = cell.get("installed") or {}
    if installed:
        text += (f" (installed {installed.get(cell['from'], cell['from'])}→"
                 f"{installed.get(cell['to'], cell['to'])})")
    return text


def build_report(cells: list[dict], selection: dict, provenance: dict,
                 complete: bool = True, run_id: str | None = None) -> dict:
    """Assemble the report document from cell results (plain dicts) and provenance."""
    order = {name: float(i) for i, name in enumerate(PLATFORMS)}

    def place(cell: dict) -> float:  # a real host's rows right after the profile it stands for
        host = cell.get("real_host")
        return (order.get(host["stands_for"], 99.0) + 0.5 if host
                else order.get(cell["platform"], 99.0))

    cells = sorted(cells, key=lambda c: (place(c), c["platform"], c["manager"], c["from"],
                                         c["to"], c["scope"], c["shell_order"], c["id"]))
    counts = Counter(c["verdict"] for c in cells)
    from .answers import build_answers  # the answer first: computed from these very cells
    from .fidelity import build_fidelity

    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "harness": {"name": "govm-matrix", "version": __version__},
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "run_id": run_id,
        "complete": complete,
        "selection": selection,
        "checks": list(CHECKS),
        "verdicts": {v.value: VERDICT_MEANINGS[v] for v in SEVERITY},
        "summary": {
            "cells": len(cells),
            "by_verdict": {v.value: counts.get(v.value, 0) for v in SEVERITY},
            "harness_errors": counts.get(Verdict.ERROR.value, 0),
            # cells whose container run was kept from an earlier run of the same inputs
            "reused": sum(1 for c in cells if c.get("reused")),
        },
        # the answer is the emulated matrix's; real hosts are weighed against it in fidelity
        "answers": build_answers([c for c in cells if not c.get("real_host")]),
        **({"fidelity": fidelity} if (fidelity := build_fidelity(cells)) else {}),
        "provenance": provenance,
        "cells": cells,
    }


def load_report(path: str | Path) -> dict:
    """Read a report, refusing other schemas and versions with a clear message."""
    try:
        data = json.loads(Path(path).read_text())
    except OSError as exc:
        raise MatrixError(f"cannot read report {path}: {exc.strerror}") from None
    except ValueError:
        raise MatrixError(f"{path} is not a complete JSON document (truncated?)") from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise MatrixError(f"{path} is not a govm-matrix report")
    if data.get("schema_version") != SCHEMA_VERSION:
        raise MatrixError(f"{path} has report schema version {data.get('schema_version')}, "
                          f"this govm-matrix reads version {SCHEMA_VERSION}")
    return data


def slim_report(report: dict) -> dict:
    """Only what a comparison needs (each cell's id, axes and verdicts, per check): a baseline
    small enough to commit, free of snapshots, logs and machine details."""
    keep = ("id", "platform", "manager", "from", "to", "scope", "scenario", "pollution",
            "shell", "group", "shell_order", "verdict", "active")
    slim = {k: v for k, v in report.items() if k not in ("cells", "provenance")}
    slim["provenance"] = {"network": (report.get("provenance") or {}).get("network")}
    slim["cells"] = [
        {**{k: cell[k] for k in keep if k in cell},
         "checks": {name: {"check": name, "verdict": res["verdict"], "evidence": []}
                    for name, res in cell["checks"].items()}}
        for cell in report["cells"]]
    return slim
