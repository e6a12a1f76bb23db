"""The benchmark's floor runs the sampled group itself, alone: the run it starts selects that
group and keeps the bench's other options."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_matrix.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_matrix", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENTRY = {"group": "wsl2/mise/1.22.10→1.21.13/directory+gopath-tmp", "seconds": 6.1,
         "image": "govm-matrix/wsl2-mise:0", "platform": "wsl2", "manager": "mise",
         "from": "1.22.10", "to": "1.21.13", "scope": "directory", "scenario": "gopath-tmp"}


def test_the_floor_s_run_selects_only_the_group_and_keeps_the_bench_s_other_options():
    bench = load_bench()
    selection = ["--platform", "ubuntu,wsl2", "--manager=manual", "--matrix", "my.toml",
                 "--scope", "global", "--go=1.21.13,1.22.10", "--network", "offline",
                 "--scenario", "clean", "--manager-source", "mise=./mise", "--shard", "2/3",
                 "-k", "bash"]
    assert bench.narrowed(selection, ENTRY) == [
        "--matrix", "my.toml", "--network", "offline", "--manager-source", "mise=./mise",
        "--platform", "wsl2", "--manager", "mise", "--go", "1.22.10,1.21.13",
        "--scope", "directory", "--scenario", "gopath-tmp"]


def test_each_container_run_is_one_entry_with_what_selects_it():
    bench = load_bench()
    cell = {"platform": "wsl2", "manager": "mise", "from": "1.22.10", "to": "1.21.13",
            "scope": "directory", "scenario": "gopath-tmp", "group": ENTRY["group"],
            "image": {"tag": ENTRY["image"]}}
    report = {"cells": [{**cell, "shell": "sh", "run_seconds": 6.1},
                        {**cell, "shell": "bash-login", "run_seconds": 6.1},
                        {**cell, "group": "reused", "shell": "sh", "run_seconds": None}]}
    assert bench.group_runs(report) == [ENTRY]


def test_the_floor_s_probe_is_the_slowest_probe_step_of_the_group_run_by_itself(monkeypatch):
    bench = load_bench()
    calls = []
    other = {"group": "wsl2/mise/1.21.13→1.22.10/directory+gopath-tmp",
             "steps": [{"step": "probe sh base", "seconds": 9.0}]}
    ours = {"group": ENTRY["group"],
            "steps": [{"step": "select go1.22.10", "seconds": 2.0},
                      {"step": "probe bash-login base", "seconds": 0.31},
                      {"step": "probe bash-interactive after", "seconds": 0.52},
                      {"step": "interactive session", "seconds": 1.4},
                      {"step": "probe sh back", "seconds": 0.05}]}

    def run_matrix(args, workers, report_dir):
        calls.append((args, workers))
        return 1.0, (2.0, 0.0), {"cells": [other, ours]}

    monkeypatch.setattr(bench, "run_matrix", run_matrix)
    assert bench.slowest_probe_alone([], ENTRY, "unused") == (0.52,
                                                              "probe bash-interactive after")
    (args, workers), = calls
    assert workers == "0" and args[-3:] == ["--fresh", "--no-parallel-probes",
                                             "--no-batched-steps"]


def test_busy_core_seconds_count_every_state_but_idle_iowait_and_steal(monkeypatch):
    bench = load_bench()
    monkeypatch.setattr(bench.os, "sysconf", lambda name: 100)
    # user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    stat = "cpu  1000 20 300 9000 400 5 6 7 500 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
    assert bench.cpu_seconds(stat) == ((1000 + 20 + 300 + 5 + 6) / 100, 7 / 100)


def test_a_run_s_cpu_seconds_are_the_difference_over_its_time(monkeypatch, tmp_path):
    bench = load_bench()
    readings = iter([(100.0, 3.0), (340.0, 8.5)])
    monkeypatch.setattr(bench, "cpu_seconds", lambda: next(readings))
    (tmp_path / "matrix.json").write_text('{"cells": []}')
    monkeypatch.setattr(bench.subprocess, "run",
                        lambda *a, **k: bench.subprocess.CompletedProcess(a, 0, "", ""))
    wall, cpu, report = bench.run_matrix([], "2", str(tmp_path))
    assert cpu == (240.0, 5.5) and report == {"cells": []} and wall >= 0


def test_the_cpu_line_sets_the_median_wall_against_the_least_time_its_work_needs():
    bench = load_bench()
    line = bench.cpu_line([100.0, 130.0, 120.0], [(200.0, 1.0), (240.0, 9.0), (260.0, 4.0)], 2)
    # 240 core-seconds need at least 120 s on two cores; the median wall is 120 s; the host
    # took a median of 4 core-seconds
    assert line == ("CPU busy 240.0 core-s (median), so at least 120.0 s on 2 cores; "
                    "wall / that bound 1.00; taken by the host (steal) 4.0 core-s")
    assert bench.cpu_line([100.0], [None], 2) == "CPU: not measured (no /proc/stat)"


def test_a_container_run_s_time_is_told_by_kind_of_step_once_per_group():
    bench = load_bench()
    steps = [{"step": "read install roots", "seconds": 0.01},
             {"step": "fixture distro-go", "seconds": 0.5},
             {"step": "select go1.21.13", "seconds": 0.02},
             {"step": "probe base: bash-login, sh at once", "seconds": 0.8},
             {"step": "interactive session", "seconds": 1.3},
             {"step": "switch to go1.22.10", "seconds": 0.03},
             {"step": "probe bash-login after", "seconds": 0.4},
             {"step": "script", "seconds": 0.6}, {"step": "script switches", "seconds": 0.01},
             {"step": "traced at once: go version in bash-login", "seconds": 0.2},
             {"step": "traced: sudo ln -sfn", "seconds": 0.1},
             {"step": "atomic: switches while observed", "seconds": 4.5},
             {"step": "pin go1.22.10 in ~/proj", "seconds": 0.05}]
    group = {"group": "g", "run_seconds": 9.0, "steps": steps}
    report = {"cells": [{**group, "shell": "sh"}, {**group, "shell": "bash-login"},
                        {"group": "reused", "run_seconds": None, "steps": []}]}
    parts = bench.time_parts(report)
    assert parts == pytest.approx({
        "snapshot phases": 1.2, "interactive sessions": 1.3, "script context": 0.61,
        "switches": 0.1, "atomic: traced reads and switch": 0.3,
        "atomic: switching while observed": 4.5, "fixtures": 0.5, "other steps": 0.01,
        "docker and the harness": 9.0 - 8.52})
    off = {**parts, "atomic: switching while observed": 4.5, "snapshot phases": 5.2}
    lines = bench.parts_lines(parts, off)
    assert lines[1].split() == ["snapshot", "phases", "1.2", "5.2"]
    assert lines[-2].split()[-2:] == ["9.0", "13.0"]
    # without the 4.5 s of observing, which no speed-up shortens: 4.5 against 8.5
    assert lines[-1].endswith("(a fixed time): 0.53")


def test_the_container_runs_seconds_are_summed_by_manager_on_each_side():
    bench = load_bench()

    def report(*groups):
        return {"cells": [{**ENTRY, "group": name, "manager": manager, "image": {},
                           "run_seconds": seconds} for name, manager, seconds in groups]}

    on = report(("a", "mise", 3.0), ("b", "mise", 2.0), ("c", "manual", 1.0))
    off = report(("a", "mise", 6.0), ("b", "mise", 4.0), ("c", "manual", 4.0))
    lines = bench.manager_lines(on, off)
    assert lines[0].split() == ["runs", "on", "off", "on/off"]
    assert [line.split() for line in lines[1:]] == [
        ["manual", "1", "1.0", "4.0", "0.25"], ["mise", "2", "5.0", "10.0", "0.50"]]


def test_interleaved_runs_alternate_the_two_kinds_shard_by_shard_and_sum_them(monkeypatch):
    bench = load_bench()
    calls = []

    def run_matrix(args, workers, report_dir):
        calls.append(args)
        shard = args[args.index("--shard") + 1]
        slow = "--no-build-reuse" in args
        return (10.0 if slow else 3.0), ((18.0, 1.5) if slow else None if shard == "2/2"
                                         else (5.0, 0.5)), {
            "cells": [{"id": f"{shard} {'slow' if slow else 'fast'}"}]}

    monkeypatch.setattr(bench, "run_matrix", run_matrix)
    walls, cpu, reports, programs = bench.timed_runs(["--platform", "ubuntu"], "2", "tmp", 2, 2)
    kinds = [("--no-build-reuse" in args, args[args.index("--shard") + 1]) for args in calls]
    assert kinds == [(False, "1/2"), (True, "1/2"), (False, "2/2"), (True, "2/2")] * 2
    assert all(args[:2] == ["--platform", "ubuntu"] and "--fresh" in args for args in calls)
    assert walls == {"fast": [6.0, 6.0], "slow": [20.0, 20.0]}
    # a shard without /proc/stat leaves its run's busy and stolen core-seconds unmeasured
    assert cpu == {"fast": [None, None], "slow": [(36.0, 3.0), (36.0, 3.0)]}
    assert [c["id"] for c in reports["fast"]["cells"]] == ["1/2 fast", "2/2 fast"]
    assert reports["slow"]["summary"] == {"cells": 2}
    assert programs == {"fast": [], "slow": []}  # not asked for


def test_without_interleaving_each_timed_run_is_the_whole_selection(monkeypatch):
    bench = load_bench()
    calls = []

    def run_matrix(args, workers, report_dir):
        calls.append(args)
        return 1.0, (2.0, 0.0), {"cells": []}

    monkeypatch.setattr(bench, "run_matrix", run_matrix)
    walls, _, _, _ = bench.timed_runs([], "2", "tmp", 3, 1)
    assert not any("--shard" in args for args in calls)
    assert [("--no-build-reuse" in args) for args in calls] == [False, True] * 3
    assert walls == {"fast": [1.0] * 3, "slow": [1.0] * 3}


def _record(accounting, name: str, pid: int, ppid: int, utime: int, stime: int = 0) -> bytes:
    return accounting.RECORD.pack(0, accounting.VERSION, 0, 0, 0, 0, pid, ppid, 0, 0.0,
                                  utime, stime, 0, 0, 0, 0, 0, 0, name.encode())


def test_cpu_is_told_by_program_and_by_side_from_the_order_processes_ended():
    accounting = load_bench().accounting
    ended = [  # children end before their parents; pid 30 is used again on the host at the end
        _record(accounting, "link", 31, 30, 50),
        _record(accounting, "go", 30, 20, 20, 5),
        _record(accounting, "sh", 20, 10, 1),
        _record(accounting, "runc", 50, 10, 3),
        _record(accounting, "exe", 51, 50, 2),
        _record(accounting, "containerd-shim", 10, 1, 4),
        _record(accounting, "python3", 40, 2, 0x2000 | 100),  # 100 << 3 ticks: 8 s
        _record(accounting, "go", 30, 2, 7),
    ]
    found = accounting.records(b"".join(ended))
    assert found[0] == ("link", 0.5, 31, 30) and found[6] == ("python3", 8.0, 40, 2)
    assert accounting.by_program(found) == pytest.approx({
        "container: link": 0.5, "container: go": 0.25, "container: sh": 0.01,
        "host: runc": 0.03, "host: exe": 0.02, "host: containerd-shim": 0.04,
        "host: python3": 8.0, "host: go": 0.07})


def test_an_accounting_file_of_another_format_is_refused():
    accounting = load_bench().accounting
    record = bytearray(_record(accounting, "go", 1, 0, 1))
    record[1] = 2
    with pytest.raises(accounting.AccountingError, match="version 2"):
        accounting.records(bytes(record))


def test_the_program_table_gives_medians_the_biggest_first_then_the_rest_all_and_no_record_s():
    accounting = load_bench().accounting
    on = [{"container: go": 4.0, "host: docker": 1.0}, {"container: go": 6.0},
          {"container: go": 5.0, "host: docker": 3.0}]
    off = [{"container: go": 9.0, "container: link": 2.0}]
    lines = accounting.table(on, off, rows=2, busy=(10.0, 12.5))
    assert [line.split()[-2:] for line in lines[1:]] == [
        ["5.0", "9.0"], ["0.0", "2.0"], ["1.0", "0.0"], ["6.0", "11.0"], ["4.0", "1.5"]]
    # the biggest on either side first: link, which only the side without the speed-ups ran
    assert [line.split()[:2] for line in lines[1:3]] == [["container:", "go"],
                                                         ["container:", "link"]]
    assert "the rest (1 programs)" in lines[3] and "in no process's record" in lines[5]
    assert len(accounting.table(on, off)) == 5  # no busy core-seconds, no such line


def test_accounting_is_off_after_the_block_even_when_it_fails(monkeypatch, tmp_path):
    accounting = load_bench().accounting
    calls, daemons = [], iter([100.0, 102.5])
    monkeypatch.setattr(accounting, "switch", lambda path: calls.append(path))
    monkeypatch.setattr(accounting, "daemon_seconds", lambda: next(daemons))
    path = tmp_path / "run.acct"
    with accounting.measured(path) as found:
        path.write_bytes(_record(accounting, "go", 7, 1, 30))
        assert found == {}  # filled once the block is over
    assert found == pytest.approx({"host: go": 0.3, "host: dockerd, containerd": 2.5})
    assert calls == [path, None] and not path.exists()
    with pytest.raises(RuntimeError), accounting.measured(path):
        raise RuntimeError("the run failed")
    assert calls[-1] is None


def test_each_timed_run_s_programs_are_its_shards_summed(monkeypatch):
    bench = load_bench()
    monkeypatch.setattr(bench, "run_matrix", lambda args, workers, report_dir: (
        1.0, (2.0, 0.0), {"cells": []}))

    @contextlib.contextmanager
    def measured(path):
        found = {}
        yield found
        found["container: go"] = 2.0 if "slow" in path.name else 1.0

    monkeypatch.setattr(bench.accounting, "measured", measured)
    _, _, _, programs = bench.timed_runs([], "2", "tmp", 2, 3, by_program=True)
    assert programs == {"fast": [{"container: go": 3.0}] * 2,
                        "slow": [{"container: go": 6.0}] * 2}
