"""Warm-run speed of the matrix against its floor, both measured in this run.

    python bench/bench_matrix.py [--repeat 3] [--workers auto] [govm-matrix selection options]

1. A warm-up run builds whatever image is missing (reported, not timed).
2. The floor: one `docker run` of a manager image plus the probe runs of one cell (the three
   snapshots of one shell context: before, after and back), nothing else; median of 5.
3. The matrix, warm, --repeat times: wall time, time per cell, and whether any image was
   rebuilt or any artifact downloaded (a warm run must do neither).

Prints medians; these machines are noisy. The target: warm time per cell at most 2× the floor.
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
sys.path.insert(0, str(ROOT))

from matrix.build import engine as docker_env  # noqa: E402
from matrix.build.images import ImageBuilder  # noqa: E402
from matrix.core.platforms import get_platform  # noqa: E402
from matrix.managers import artifact_cache, get_manager  # noqa: E402
from matrix.run.runner import SHELL_ARGV, probe_archive, probe_snippet  # noqa: E402
from matrix.supply import pins  # noqa: E402
from matrix.supply.mirror import Mirror  # noqa: E402


def run_matrix(selection: list[str], workers: str, report_dir: str) -> tuple[float, dict]:
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "matrix.cli", "run", "-n", workers,
                           "--report-dir", report_dir, *selection],
                          capture_output=True, text=True)
    wall = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"matrix run failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr}")
    return wall, json.loads((Path(report_dir) / "matrix.json").read_text())


def floor_once(cli, image_tag: str, user: str, home: str) -> float:
    import testinfra

    started = time.monotonic()
    ctr = cli.containers.run(image_tag, ["sleep", "infinity"], detach=True,
                             network_mode="none", user=user, working_dir=home,
                             hostname="localhost", labels=docker_env.labels("bench"))
    try:
        ctr.put_archive("/tmp", probe_archive({"session.sh": "exit\n", "other.sh": "exit\n"}))
        host = testinfra.get_host(f"docker://{user}@{ctr.id}")
        for phase in ("base", "after", "back"):
            out = host.run("%s %s %s", *SHELL_ARGV["bash-login"],
                           probe_snippet(f"bash-login:{phase}"))
            assert out.rc == 0, out.stderr
    finally:
        ctr.remove(force=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", default="auto")
    args, selection = parser.parse_known_args()

    with tempfile.TemporaryDirectory() as tmp:
        warm_up, report = run_matrix(selection, args.workers, f"{tmp}/warm-up")
        built = [k for k, v in report["provenance"]["images"].items() if v["built"]]
        print(f"warm-up run: {warm_up:.1f} s, images built: {', '.join(built) or 'none'}")

        cli = docker_env.client()
        cache = artifact_cache()
        platform, manager = get_platform("ubuntu"), get_manager("manual")
        with Mirror(cache.mirror_dir) as mirror:
            image = ImageBuilder(cli, cache, lambda: mirror.url).manager(
                platform, manager, pins.DEFAULT_GO, pins.RUNNER_GO)
        floors = [floor_once(cli, image.tag, platform.user, platform.home) for _ in range(5)]
        floor = statistics.median(floors)

        index = cache.index()
        walls, rebuilt = [], []
        cells = report["summary"]["cells"]
        for i in range(args.repeat):
            wall, report = run_matrix(selection, args.workers, f"{tmp}/run{i}")
            walls.append(wall)
            rebuilt += [k for k, v in report["provenance"]["images"].items() if v["built"]]
        downloaded = [k for k, v in cache.index().items() if index.get(k) != v]

    wall = statistics.median(walls)
    per_cell = wall / cells
    print(f"cells: {cells}")
    print(f"warm wall time (median of {args.repeat}): {wall:.2f} s "
          f"(runs: {', '.join(f'{w:.2f}' for w in walls)})")
    print(f"warm time per cell: {per_cell:.3f} s")
    print(f"floor, one docker run + one cell's probe runs (median of 5): {floor:.3f} s "
          f"(runs: {', '.join(f'{f:.3f}' for f in floors)})")
    print(f"ratio per cell / floor: {per_cell / floor:.2f} (target <= 2.00)")
    print(f"images rebuilt in warm runs: {', '.join(rebuilt) or 'none'}")
    print(f"artifacts downloaded in warm runs: {', '.join(downloaded) or 'none'}")


if __name__ == "__main__":
    main()
