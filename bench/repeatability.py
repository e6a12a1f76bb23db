"""Repeatability, measured: the same selection run N times, each from scratch (--fresh), and
how many cells ever changed verdict, or any check's verdict, between the runs.

    python bench/repeatability.py [--runs 3] [--workers auto] [govm-matrix selection options]

Prints the cells and checks that changed (none, if the matrix is as repeatable as it claims),
the wall time of each run, and the median.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(selection: list[str], workers: str, folder: str) -> tuple[float, dict]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "matrix.cli", "run", "-n", workers, "--fresh",
                           "--report-dir", folder, *selection], capture_output=True, text=True,
                          cwd=ROOT)
    if proc.returncode not in (0, 1):
        sys.exit(f"matrix run failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr}")
    return time.monotonic() - started, json.loads((Path(folder) / "matrix.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", default="auto")
    args, selection = parser.parse_known_args()
    seen: dict[str, dict[str, set[str]]] = {}
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs):
            wall, report = run(selection, args.workers, f"{tmp}/run{i}")
            walls.append(wall)
            for cell in report["cells"]:
                found = seen.setdefault(cell["id"], {})
                found.setdefault("cell", set()).add(cell["verdict"])
                for name, check in (cell.get("checks") or {}).items():
                    found.setdefault(name, set()).add(check["verdict"])
            print(f"run {i + 1}: {wall:.1f} s, {report['summary']['cells']} cells")
    changed = {cid: {k: sorted(v) for k, v in found.items() if len(v) > 1}
               for cid, found in seen.items()}
    changed = {cid: found for cid, found in changed.items() if found}
    cells_changed = sum(1 for found in changed.values() if "cell" in found)
    print(f"cells whose verdict changed between {args.runs} runs: {cells_changed} of "
          f"{len(seen)}")
    print(f"cells with any check that changed: {len(changed)} of {len(seen)}")
    for cid, found in sorted(changed.items()):
        print(f"  {cid}: " + "; ".join(f"{k} {' / '.join(v)}" for k, v in found.items()))
    print(f"wall time per run: median {statistics.median(walls):.1f} s "
          f"({', '.join(f'{w:.1f}' for w in walls)})")


if __name__ == "__main__":
    main()
