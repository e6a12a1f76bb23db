"""Warm speed of the matrix, side by side with and without the speed-ups, against the floor of
a container run, and the cost of running an unchanged matrix again: all measured in this run.

    python bench/bench_matrix.py [--repeat 3] [--interleave 1] [--workers auto]
                                 [--floor-samples 6] [--by-program]
                                 [govm-matrix selection options, e.g. --platform ubuntu]

1. A warm-up run builds whatever image is missing and measures the bare platforms' shells
   (reported, not timed).
2. The selection, warm, --repeat times each, alternating: with the speed-ups (parallel probes,
   build reuse, fixture layers, batched steps) and without them (--no-parallel-probes
   --no-build-reuse --no-fixture-layers --no-batched-steps), both --fresh so that nothing is
   reused; wall time of each, and the verdicts of both compared cell by cell. With
   --interleave N, each of those runs is the selection's N shards (--shard I/N) one after
   another, and the two kinds alternate shard by shard, so that both sample the same hours of
   a machine whose speed drifts; a run's wall time and busy core-seconds are its shards' sums.
3. Time per container run: each group's own run time (``run_seconds``), median over the groups
   of the fast runs.
4. Its floor, measured now for a sample of groups spread over the run times: one `docker run`
   of the group's image (start, one command, remove) plus the slowest single probe of that
   group run alone. For the probe, the group runs again, by itself and with each shell
   context's probe as its own `docker exec` (--no-parallel-probes --no-batched-steps), so that
   every probe finds the state it measures in the matrix (the fixtures applied, the version
   selected, the switch made) and does the same work (the build, and after a switch the
   install); the slowest of those steps is the probe. The ratio of each sampled group's run
   time to its floor.
5. An unchanged re-run (no --fresh): wall time, how many cells were reused, and whether its
   report has the same verdicts.
6. Where the container runs' time goes, on each side: their seconds summed over the groups
   (from each group's step log), by kind of step, and what is left of each run's seconds for
   Docker and the harness (starting the container, the execs, reading back). The atomic
   check's switching while observed lasts a fixed time (at least ATOMIC_MIN_SECONDS, in the
   clean runs from the older version to the newer) whatever the speed-ups do; the on/off
   ratio of the rest says what the speed-ups do to the part they can change. (A step's seconds
   are timed in the container when it shares an exec with others, and with its own `docker
   exec` when it has one, as on the side without the speed-ups.) And their seconds summed
   by manager: the speed-ups cut the harness's work, not what a manager's own commands cost.
7. The CPU's part: the core-seconds the whole machine was busy during each timed run (from
   /proc/stat, so run the bench on an otherwise idle machine), and the wall time that work
   needs at the least on this machine's cores. A wall time at that bound means the run is
   CPU-bound: running more of it at once cannot make it faster, only less work can. On a
   virtual machine, the core-seconds the host took from its CPUs meanwhile (steal) are told
   apart: they are not the matrix's work, and a run that lost many is slower for it.
8. With --by-program (as root), where that CPU goes: the core-seconds of each program that
   ended during each timed run, told apart as in a container or on the host, from the
   kernel's process accounting (accounting.py), and the Docker daemon's and containerd's
   meanwhile. It says whose work is left with the speed-ups: the harness's (the probe's
   python3, strace, the docker command, the shells) or the tools' own (go and its linker,
   a manager's program).

Prints medians; these machines are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from matrix.build import engine as docker_env  # noqa: E402
from matrix.core.platforms import get_platform  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import accounting  # noqa: E402


def cpu_seconds(stat: str | None = None) -> tuple[float, float] | None:
    """Core-seconds since boot (the first line of /proc/stat: user, nice, system, idle,
    iowait, irq, softirq, steal; guest time is inside user): those all CPUs were busy (all but
    idle, iowait and steal), and those the host took from this machine's virtual CPUs (steal),
    which no process here could use. None where there is no /proc/stat."""
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text()
        except OSError:
            return None
    ticks = [int(v) for v in stat.splitlines()[0].split()[1:9]]
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - ticks[3] - ticks[4] - ticks[7]) / tick, ticks[7] / tick


def run_matrix(args: list[str], workers: str, report_dir: str
               ) -> tuple[float, tuple[float, float] | None, dict]:
    """One run of the CLI: its wall time, the machine's busy and stolen core-seconds during
    it (``cpu_seconds``), and its report."""
    before = cpu_seconds()
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "matrix.cli", "run", "-n", workers,
                           "--report-dir", report_dir, *args], capture_output=True, text=True)
    wall = time.monotonic() - started
    after = cpu_seconds()
    if proc.returncode not in (0, 1):
        sys.exit(f"matrix run failed ({proc.returncode}):\n{proc.stdout[-2000:]}{proc.stderr}")
    used = None if before is None or after is None else (after[0] - before[0],
                                                         after[1] - before[1])
    return wall, used, json.loads((Path(report_dir) / "matrix.json").read_text())


def busy_median(cpu: list[tuple[float, float] | None]) -> float | None:
    """The median busy core-seconds of runs of one kind; None when a run was not measured."""
    if not cpu or None in cpu:
        return None
    return statistics.median(busy for busy, _ in cpu)


def cpu_line(walls: list[float], cpu: list[tuple[float, float] | None], cores: int) -> str:
    """What the CPUs did in runs of one kind: median busy core-seconds, the least wall time
    that work needs on ``cores`` cores, the median run's wall time against it, and the median
    core-seconds the host took meanwhile (steal: the cores were not all this machine's)."""
    work = busy_median(cpu)
    if work is None:
        return "CPU: not measured (no /proc/stat)"
    bound = work / cores
    return (f"CPU busy {work:.1f} core-s (median), so at least {bound:.1f} s on {cores} "
            f"cores; wall / that bound {statistics.median(walls) / bound:.2f}; taken by the "
            f"host (steal) {statistics.median(stolen for _, stolen in cpu):.1f} core-s")


def verdicts(report: dict) -> dict[str, dict]:
    return {c["id"]: {"verdict": c["verdict"],
                      **{k: v["verdict"] for k, v in (c.get("checks") or {}).items()}}
            for c in report["cells"]}


def run_cells(report: dict) -> list[dict]:
    """The first cell of each group that ran in this report (its run's seconds and steps are
    the group's)."""
    seen: dict[str, dict] = {}
    for cell in report["cells"]:
        if cell.get("run_seconds") and cell["group"] not in seen:
            seen[cell["group"]] = cell
    return list(seen.values())


def group_runs(report: dict) -> list[dict]:
    """One entry per container run: its seconds, image, and what selects it on its own."""
    return [{"group": cell["group"], "seconds": cell["run_seconds"],
             "image": (cell.get("image") or {}).get("tag"), "platform": cell["platform"],
             "manager": cell["manager"], "from": cell["from"], "to": cell["to"],
             "scope": cell["scope"], "scenario": cell["scenario"]}
            for cell in run_cells(report)]


#: the kinds of step a container run's time is told in (``time_parts``), in the order printed
PARTS = ("snapshot phases", "interactive sessions", "script context", "switches",
         "atomic: traced reads and switch", "atomic: switching while observed", "fixtures",
         "other steps", "docker and the harness")
OBSERVING = "atomic: switching while observed"


def step_kind(name: str) -> str:
    """The kind of a step of the step log, by its name (runner.py)."""
    for prefix, kind in (("probe ", "snapshot phases"), ("interactive session",
                         "interactive sessions"), ("script", "script context"),
                         ("select go", "switches"), ("switch to go", "switches"),
                         ("pin go", "switches"), ("traced", "atomic: traced reads and switch"),
                         ("atomic: switches while observed", OBSERVING),
                         ("fixture ", "fixtures")):
        if name.startswith(prefix):
            return kind
    return "other steps"


def time_parts(report: dict) -> dict[str, float]:
    """The container runs' seconds summed over the groups of a report, by kind of step; what
    a run's steps do not account for is Docker's and the harness's."""
    parts = dict.fromkeys(PARTS, 0.0)
    for cell in run_cells(report):
        if not cell.get("steps"):
            continue
        for step in cell["steps"]:
            parts[step_kind(step["step"])] += step["seconds"]
        parts["docker and the harness"] += max(
            0.0, cell["run_seconds"] - sum(step["seconds"] for step in cell["steps"]))
    return parts


def parts_lines(on: dict[str, float], off: dict[str, float]) -> list[str]:
    """The table of ``time_parts`` on and off, and the on/off ratio without the time-bound
    observing."""
    lines = [f"  {'':34} {'on':>8} {'off':>8}"]
    lines += [f"  {kind:34} {on[kind]:8.1f} {off[kind]:8.1f}" for kind in PARTS]
    lines.append(f"  {'all':34} {sum(on.values()):8.1f} {sum(off.values()):8.1f}")
    rest_on = sum(on.values()) - on[OBSERVING]
    rest_off = sum(off.values()) - off[OBSERVING]
    if rest_off > 0:
        lines.append(f"  on/off without the switching while observed (a fixed time): "
                     f"{rest_on / rest_off:.2f}")
    return lines


def manager_lines(on: dict, off: dict) -> list[str]:
    """The container runs' seconds summed by manager on each side (the reports of the last
    run of each), with the number of runs and the ratio: the speed-ups cut the harness's work,
    not what a manager's own commands cost in the shells."""
    totals: dict[str, dict] = {}
    for side, report in (("on", on), ("off", off)):
        for group in group_runs(report):
            entry = totals.setdefault(group["manager"], {"on": 0.0, "off": 0.0, "runs": 0})
            entry[side] += group["seconds"]
            entry["runs"] += side == "on"
    lines = [f"  {'':24} {'runs':>5} {'on':>8} {'off':>8} {'on/off':>7}"]
    for manager, entry in sorted(totals.items()):
        ratio = f"{entry['on'] / entry['off']:.2f}" if entry["off"] else "-"
        lines.append(f"  {manager:24} {entry['runs']:5d} {entry['on']:8.1f} "
                     f"{entry['off']:8.1f} {ratio:>7}")
    return lines


#: the selection options the floor's run of one group sets itself, and those that could
#: leave the group out of it
NARROWED = ("--platform", "--manager", "--go", "--scope", "--scenario", "--shard", "-k")


def narrowed(selection: list[str], entry: dict) -> list[str]:
    """The bench's own options (a --matrix file, the network, manager sources) with the
    selection narrowed to the group of ``entry`` (both directions between its two versions:
    the CLI selects versions, not a direction)."""
    kept, skip = [], False
    for arg in selection:
        if skip:
            skip = False
        elif arg in NARROWED:
            skip = True
        elif not arg.startswith(tuple(f"{name}=" for name in NARROWED)):
            kept.append(arg)
    return [*kept, "--platform", entry["platform"], "--manager", entry["manager"],
            "--go", f"{entry['from']},{entry['to']}", "--scope", entry["scope"],
            "--scenario", entry["scenario"]]


def docker_run_seconds(cli, entry: dict) -> float:
    """One `docker run` of the group's image: start, one command, remove."""
    platform = get_platform(entry["platform"])
    started = time.monotonic()
    cli.containers.run(entry["image"], ["true"], remove=True, network_mode="none",
                       user=platform.user, working_dir=platform.home, hostname="localhost",
                       labels=docker_env.labels("bench"))
    return time.monotonic() - started


def slowest_probe_alone(selection: list[str], entry: dict, report_dir: str) -> tuple[float, str]:
    """The group's slowest single probe, alone: the group run again by itself (no other
    container running), each shell context's probe its own step; its seconds and name."""
    _, _, report = run_matrix([*narrowed(selection, entry), "--fresh",
                               "--no-parallel-probes", "--no-batched-steps"], "0", report_dir)
    for cell in report["cells"]:
        if cell["group"] == entry["group"] and cell.get("steps"):
            probes = [(step["seconds"], step["step"]) for step in cell["steps"]
                      if step["step"].startswith("probe ")]
            if probes:
                return max(probes)
            sys.exit(f"floor: {entry['group']} ran no probe of its own")
    sys.exit(f"floor: {entry['group']} did not run again on its own")


SLOW_FLAGS = ("--no-parallel-probes", "--no-build-reuse", "--no-fixture-layers",
              "--no-batched-steps")


def timed_runs(selection: list[str], workers: str, tmp: str, repeat: int, interleave: int,
               by_program: bool = False
               ) -> tuple[dict[str, list[float]], dict[str, list[tuple[float, float] | None]],
                          dict, dict[str, list[dict[str, float]]]]:
    """The timed runs, with the speed-ups ("fast") and without them ("slow"), alternating:
    run by run, or with ``interleave`` > 1 shard by shard. Each kind's wall times and busy
    and stolen core-seconds, one per repeat (a run's shards summed), the last run of each
    kind's cells as one report, and with ``by_program`` each run's CPU seconds by program
    (``accounting.measured``)."""
    shards = ([["--shard", f"{i}/{interleave}"] for i in range(1, interleave + 1)]
              if interleave > 1 else [[]])
    walls: dict[str, list[float]] = {"fast": [], "slow": []}
    cpu: dict[str, list[tuple[float, float] | None]] = {"fast": [], "slow": []}
    reports: dict = {}
    programs: dict[str, list[dict[str, float]]] = {"fast": [], "slow": []}
    for i in range(repeat):
        wall = {"fast": 0.0, "slow": 0.0}
        took_by_program: dict[str, Counter] = {"fast": Counter(), "slow": Counter()}
        used: dict[str, tuple[float, float] | None] = {"fast": (0.0, 0.0), "slow": (0.0, 0.0)}
        cells: dict[str, list] = {"fast": [], "slow": []}
        for j, shard in enumerate(shards):
            for kind, flags in (("fast", ()), ("slow", SLOW_FLAGS)):
                measuring = (accounting.measured(Path(f"{tmp}/{kind}{i}-{j}.acct"))
                             if by_program else contextlib.nullcontext({}))
                with measuring as found:
                    seconds, took, report = run_matrix([*selection, *shard, "--fresh", *flags],
                                                       workers, f"{tmp}/{kind}{i}-{j}")
                took_by_program[kind].update(found)
                wall[kind] += seconds
                so_far = used[kind]
                used[kind] = None if took is None or so_far is None else (
                    so_far[0] + took[0], so_far[1] + took[1])
                cells[kind] += report["cells"]
        for kind in ("fast", "slow"):
            walls[kind].append(wall[kind])
            cpu[kind].append(used[kind])
            reports[kind] = {"cells": cells[kind], "summary": {"cells": len(cells[kind])}}
            if by_program:
                programs[kind].append(dict(took_by_program[kind]))
    return walls, cpu, reports, programs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--interleave", type=int, default=1, metavar="N")
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--floor-samples", type=int, default=6)
    parser.add_argument("--by-program", action="store_true")
    args, selection = parser.parse_known_args()
    if args.by_program:
        if os.geteuid() != 0:
            sys.exit("bench: --by-program turns the kernel's process accounting on, which "
                     "needs root; run the bench as root, or leave --by-program out")
        # a bench stopped by SIGTERM turns accounting off as Ctrl-C does
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.interleave < 1:
        sys.exit("bench: --interleave takes a number of shards, 1 or more")
    if args.interleave > 1 and any(a == "--shard" or a.startswith("--shard=")
                                   for a in selection):
        sys.exit("bench: --interleave makes its own shards; leave --shard out, or use "
                 "--interleave 1")

    with tempfile.TemporaryDirectory() as tmp:
        warm_up, _, _ = run_matrix(selection, args.workers, f"{tmp}/warm-up")
        print(f"warm-up run: {warm_up:.1f} s (builds what is missing; not counted)")
        walls, cpu, reports, programs = timed_runs(selection, args.workers, tmp, args.repeat,
                                                    args.interleave, args.by_program)
        fast, slow = walls["fast"], walls["slow"]
        fast_cpu, slow_cpu = cpu["fast"], cpu["slow"]
        rerun, _, reports["again"] = run_matrix(selection, args.workers, f"{tmp}/again")

        cli = docker_env.client()
        groups = sorted(group_runs(reports["fast"]), key=lambda g: g["seconds"])
        step = max(1, len(groups) // max(1, args.floor_samples))
        sample = groups[step // 2::step][:args.floor_samples]
        ratios = []
        for i, entry in enumerate(sample):
            started = docker_run_seconds(cli, entry)
            probe, probe_step = slowest_probe_alone(selection, entry, f"{tmp}/floor{i}")
            floor = started + probe
            ratios.append((entry["seconds"] / floor, entry["seconds"], floor, entry["group"],
                           started, probe, probe_step))

    cells = reports["fast"]["summary"]["cells"]
    same = verdicts(reports["fast"]) == verdicts(reports["slow"])
    changed = sum(1 for k, v in verdicts(reports["fast"]).items()
                  if verdicts(reports["slow"]).get(k) != v)
    fast_wall, slow_wall = statistics.median(fast), statistics.median(slow)
    per_run = statistics.median(g["seconds"] for g in groups) if groups else 0.0
    print(f"cells: {cells}; container runs: {len(groups)}")
    if args.interleave > 1:
        print(f"each timed run: {args.interleave} shards in a row, the two kinds alternating "
              "shard by shard (wall and busy core-seconds summed over its shards)")
    print(f"warm wall, speed-ups on  (median of {args.repeat}): {fast_wall:.1f} s "
          f"(runs: {', '.join(f'{w:.1f}' for w in fast)})")
    print(f"warm wall, speed-ups off (median of {args.repeat}): {slow_wall:.1f} s "
          f"(runs: {', '.join(f'{w:.1f}' for w in slow)})")
    print(f"ratio on/off: {fast_wall / slow_wall:.2f} (target <= 0.33)")
    cores = os.cpu_count() or 1
    print(f"  on:  {cpu_line(fast, fast_cpu, cores)}")
    print(f"  off: {cpu_line(slow, slow_cpu, cores)}")
    print("container runs' seconds summed over the groups, by kind of step (last run of each):")
    for line in parts_lines(time_parts(reports["fast"]), time_parts(reports["slow"])):
        print(line)
    print("container runs' seconds summed by manager (last run of each):")
    for line in manager_lines(reports["fast"], reports["slow"]):
        print(line)
    if args.by_program:
        print(f"CPU core-seconds by program, in containers and on the host (median of "
              f"{args.repeat}; process accounting):")
        busy = (busy_median(fast_cpu), busy_median(slow_cpu))
        for line in accounting.table(programs["fast"], programs["slow"],
                                     busy=None if None in busy else busy):
            print(line)
    print(f"verdicts with and without the speed-ups: "
          f"{'the same in every cell and check' if same else f'{changed} cells differ'}")
    print(f"time per container run (median over {len(groups)} runs): {per_run:.2f} s")
    for ratio, seconds, floor, group, started, probe, probe_step in ratios:
        print(f"  {group}: {seconds:.2f} s, floor {floor:.2f} s (docker run {started:.2f} s + "
              f"{probe_step} {probe:.2f} s), ratio {ratio:.2f}")
    if ratios:
        print(f"run / floor (median of {len(ratios)} sampled runs): "
              f"{statistics.median(r[0] for r in ratios):.2f} (target <= 2.00)")
    reused = reports["again"]["summary"].get("reused", 0)
    again_same = verdicts(reports["again"]) == verdicts(reports["fast"])
    print(f"unchanged re-run: {rerun:.1f} s (target < 30 s), {reused} of "
          f"{reports['again']['summary']['cells']} cells reused, verdicts "
          f"{'the same' if again_same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
