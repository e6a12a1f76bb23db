"""`govm-matrix doctor` from the command line: bad input is one line and exit 2, the JSON
document parses, and the whole doctor path runs on the standard library alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from matrix.core.platforms import SHELL_CONTEXTS


def govm(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "matrix.cli", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300,
                          stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("args, message", [
    (["--switch", "1.21.13,1.22.10", "--manager", "manual"],
     "doctor --switch changes manual's selection on this machine while it runs (and selects "
     "the original again at the end): add --yes to go ahead"),
    (["--switch", "1.21.13,1.22.10", "--manager", "nvm", "--yes"],
     "unknown manager 'nvm'; valid managers: "),
    (["--switch", "1.21.13,1.22.10", "--yes"], "--switch needs --manager; valid managers: "),
    (["--switch", "1.21.13", "--manager", "manual", "--yes"],
     "--switch takes two different versions A,B"),
    (["--switch", "1.21.13,1.22.10", "--manager", "manual", "--scope", "session", "--yes"],
     "manual has no session scope (it has: global)"),
    (["--switch", "1.21.13,1.22.10", "--manager", "sdkman", "--yes"],
     "doctor --switch cannot put sdkman's selection back (its adapter cannot read which "
     "version is selected), so it does not switch sdkman; it can for: "),
    (["--manager", "mise"], "--manager go with --switch A,B"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    proc = govm("doctor", *args, "--report-dir", str(tmp_path / "reports"))
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert not (tmp_path / "reports").exists()


def test_json_parses_and_names_every_context():
    proc = govm("doctor", "--json")
    assert proc.returncode in (0, 1), proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["schema"] == "govm-matrix/doctor" and doc["read_only"] is True
    assert {"bash-login", "bash-interactive", "sh", "session"} <= set(doc["contexts"])
    assert set(doc["contexts"]) <= set(SHELL_CONTEXTS)
    assert doc["exit_status"] == proc.returncode
    assert all(f["verdict"] and f["fix"] and f["contexts"] for f in doc["findings"])


def test_doctor_needs_nothing_but_the_standard_library():
    """A pipx install on a machine with no Docker: with every third-party package the project
    depends on made unimportable, `doctor --json` still runs and so does its --switch
    refusal."""
    script = textwrap.dedent("""
        import importlib.abc, runpy, sys
        BLOCKED = {"docker", "requests", "urllib3", "filelock", "pytest", "testinfra",
                   "trustme", "xdist", "tomli", "selenium"}
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{name} is not installed here")
        sys.meta_path.insert(0, Block())
        sys.argv = ["govm-matrix", "doctor", *sys.argv[1:]]
        runpy.run_module("matrix.cli", run_name="__main__")
    """)
    proc = subprocess.run([sys.executable, "-c", script, "--json"], capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode in (0, 1), proc.stderr[-2000:]
    assert json.loads(proc.stdout)["schema"] == "govm-matrix/doctor"
    proc = subprocess.run([sys.executable, "-c", script, "--switch", "1.21.13,1.22.10",
                           "--manager", "sdkman", "--yes"], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "cannot put sdkman's selection back" in proc.stderr, \
        proc.stderr[-2000:]
