"""The probe's own stand-ins for json, subprocess, tempfile and shutil give what those give."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parents[2] / "matrix" / "run" / "probe" / "probe.py"


@pytest.fixture(scope="module")
def probe():
    spec = importlib.util.spec_from_file_location("probe_stdlib_under_test", PROBE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _loaded_at_start(*modules: str) -> str:
    """Which of ``modules`` the probe has loaded once imported as probe.sh imports it."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import probe; "
            f"print(' '.join(sorted(m for m in {modules!r} if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-I", "-S", "-c", code, str(PROBE.parent)],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_the_probe_imports_none_of_the_modules_it_stands_in_for():
    assert _loaded_at_start("json", "subprocess", "tempfile", "shutil", "re", "enum") == ""


def test_the_probe_starts_without_openssl_and_reads_a_file_with_its_sha256(probe, tmp_path,
                                                                       monkeypatch):
    assert _loaded_at_start("hashlib", "_hashlib") == ""
    monkeypatch.setattr(probe, "BUILDS", str(tmp_path / "builds"))
    target = tmp_path / "go"
    target.write_bytes(b"a go binary")
    assert probe.file_digest(str(target)) == hashlib.sha256(b"a go binary").hexdigest()


VERSION = "go version go1.22.10 linux/amd64"


def _shell_go(command="/usr/local/go/bin/go", output=VERSION, status=0):
    return {"command": command, "version_output": output, "status": status}


def test_go_version_is_the_shell_s_when_the_shell_ran_path_s_go(probe, monkeypatch):
    monkeypatch.delenv("GOVM_BUILD_REUSE", raising=False)
    got = probe.shell_version("/usr/local/go/bin/go", _shell_go())
    assert (got["status"], got["stdout"], got["stderr"]) == (0, VERSION + "\n", "")
    assert got["argv"] == ["/usr/local/go/bin/go", "version"] and got["reused"]


@pytest.mark.parametrize("shell_go", [
    _shell_go(command="go"),  # a function or an alias named go
    _shell_go(command="/usr/local/go-1.21.13/bin/go"),  # a stale hash, another path
    _shell_go(command=None, output="sh: 1: go: not found", status=127),
    _shell_go(status=1),
    _shell_go(output="go: downloading go1.22.10 (linux/amd64)\n" + VERSION),  # stderr mixed in
    _shell_go(output="go: cannot find GOROOT directory: /nowhere"),
], ids=["function", "other path", "not found", "failed", "two lines", "no version"])
def test_go_version_runs_again_where_the_shell_s_answer_may_differ(probe, monkeypatch,
                                                                    shell_go):
    monkeypatch.delenv("GOVM_BUILD_REUSE", raising=False)
    assert probe.shell_version("/usr/local/go/bin/go", shell_go) is None


def test_go_version_runs_again_without_reuse(probe, monkeypatch):
    monkeypatch.setenv("GOVM_BUILD_REUSE", "0")
    assert probe.shell_version("/usr/local/go/bin/go", _shell_go()) is None


COMMANDS = [
    ["sh", "-c", "echo out; echo err >&2; exit 3"],
    ["sh", "-c", "printf 'a\\r\\nb\\rc\\n'"],  # universal newlines, as text=True reads
    ["sh", "-c", "printf '\\377\\n'"],  # not UTF-8
    ["sh", "-c", "pwd"],
    ["sh", "-c", "echo ${GOVM_T-unset}"],
    ["sh", "-c", "kill -9 $$"],  # a signal: its negative number
    # SIGPIPE back to its default in the child (Python ignores it): yes dies of it silently
    ["sh", "-c", "yes | head -n 1"],
    ["sh", "-c", "ls /proc/self/fd"],  # nothing of the parent's above 2
    ["sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo; head -c 200000 /dev/zero >&2"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=range(len(COMMANDS)))
def test_run_gives_what_subprocess_gives(probe, argv, tmp_path):
    inherited = os.open(os.devnull, os.O_RDONLY)
    os.set_inheritable(inherited, True)
    env = {**os.environ, "GOVM_T": "a value"}
    try:
        got = probe.run(argv, cwd=str(tmp_path), env=env)
        want = subprocess.run(argv, capture_output=True, text=True, cwd=str(tmp_path), env=env,
                              errors="replace")
    finally:
        os.close(inherited)
    assert (got["status"], got["stdout"], got["stderr"]) == (
        want.returncode, want.stdout[-4000:], want.stderr[-4000:])


def test_run_without_cwd_or_env_is_here_with_this_environment(probe, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GOVM_T", "inherited")
    out = probe.run(["sh", "-c", "pwd; echo $GOVM_T"])
    assert out["stdout"] == f"{tmp_path}\ninherited\n" and out["status"] == 0


def test_run_of_a_missing_program_or_folder_is_127_with_the_error(probe, tmp_path):
    missing = probe.run([str(tmp_path / "go"), "version"])
    assert missing["status"] == 127
    assert missing["stderr"] == f"[Errno 2] No such file or directory: '{tmp_path / 'go'}'"
    assert probe.run(["sh", "-c", "true"], cwd=str(tmp_path / "nowhere"))["status"] == 127


def test_run_out_of_time_is_124_and_the_program_is_gone(probe, monkeypatch, tmp_path):
    monkeypatch.setattr(probe, "TIMEOUT", 0.5)
    monkeypatch.setattr(probe, "TIMED_OUT", [])
    pid_file = tmp_path / "pid"
    out = probe.run(["sh", "-c", f"echo $$ > {pid_file}; exec sleep 30"])
    assert out["status"] == 124 and out["stderr"] == "timeout after 0.5s"
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)
    # the snapshot names what ran out of time (a go can exit 124 by itself)
    assert probe.TIMED_OUT == [f"sh -c echo $$ > {pid_file}; exec sleep 30"]
    probe.run(["sh", "-c", "exit 124"])
    assert len(probe.TIMED_OUT) == 1


def test_a_reused_build_brings_what_ran_out_of_time_in_it(probe, monkeypatch, tmp_path):
    monkeypatch.setattr(probe, "BUILDS", str(tmp_path))
    monkeypatch.setattr(probe, "TIMED_OUT", ["go version"])

    def build():
        probe.TIMED_OUT.append("go build -o hello .")
        return {"status": 124}

    assert probe._kept("k", "sh:after", build) == {"status": 124}
    monkeypatch.setattr(probe, "TIMED_OUT", [])  # the next probe
    reused = probe._kept("k", "bash-login:after", lambda: pytest.fail("built again"))
    assert reused["reused"]["from"] == "sh:after" and "timed_out" not in reused
    assert probe.TIMED_OUT == ["go build -o hello ."]


DOCUMENTS = [
    {"b": [1, 2.5, None, True, False, -0.0, 1e300, 12345678901234567890],
     "a": {"z": "ü \u2028 \" \\ \n \t \x01 \ud83d\ude00", "é": ""}},
    [], {}, "", "text", 0, {"GOROOT": "/usr/local/go", "CGO_ENABLED": "0"},
]


@pytest.mark.parametrize("document", DOCUMENTS, ids=range(len(DOCUMENTS)))
def test_loads_and_dumps_are_json_s(probe, document):
    text = json.dumps(document, sort_keys=True)
    assert probe.dumps(document) == text
    assert repr(probe.loads(text)) == repr(json.loads(text))
    spaced = f" \n\t{json.dumps(document, indent=2)}\r\n "
    assert repr(probe.loads(spaced)) == repr(json.loads(spaced))


def test_loads_of_what_go_env_json_prints(probe):
    text = '{\n\t"AR": "ar",\n\t"GOFLAGS": "-ldflags=\\u003c\\u0026\\u003e",\n\t"X": "\\u2028"\n}\n'
    assert probe.loads(text) == json.loads(text) == {"AR": "ar", "GOFLAGS": "-ldflags=<&>",
                                                     "X": "\u2028"}


@pytest.mark.parametrize("text", ["", "  ", "{", "[1,]", "1 2", "{'a': 1}", '{"a": 1} x',
                                  "nul"])
def test_loads_of_no_json_is_a_value_error(probe, text):
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        probe.loads(text)


def test_dumps_refuses_what_json_refuses(probe):
    looped: list = []
    looped.append(looped)
    for bad in (object(), {1: "a", "b": 2}, looped):
        with pytest.raises((TypeError, ValueError)):
            json.dumps(bad, sort_keys=True)
        with pytest.raises((TypeError, ValueError)):
            probe.dumps(bad)
    assert probe.dumps({"after": "a failure"}) == '{"after": "a failure"}'


def test_without_json_s_c_parts_the_json_module_does_it(probe, monkeypatch):
    monkeypatch.setitem(sys.modules, "_json", None)  # import _json fails
    loads, dumps = probe._json_codec()
    assert loads is json.loads
    assert dumps({"b": 1, "a": [None]}) == '{"a": [null], "b": 1}'


def test_which_is_shutil_s(probe, tmp_path):
    folders = []
    for name in ("a", "b", "c", "d"):
        (tmp_path / name).mkdir()
        folders.append(str(tmp_path / name))
    (tmp_path / "a" / "go").write_text("not executable")
    (tmp_path / "b" / "go").mkdir()  # a folder named go
    for name in ("c", "d"):
        (tmp_path / name / "go").write_text("#!/bin/sh\n")
        (tmp_path / name / "go").chmod(0o755)
    for path in (os.pathsep.join(folders), os.pathsep.join(folders[:2]), "",
                 os.pathsep.join([folders[3], folders[3], folders[2]]),
                 os.pathsep + folders[2]):
        assert probe.which("go", path) == shutil.which("go", path=path)
    assert probe.which("go", os.pathsep.join(folders)) == str(tmp_path / "c" / "go")


def test_temporary_files_and_folders(probe, tmp_path, monkeypatch):
    fd, path = probe.temporary(str(tmp_path), prefix=".")
    os.close(fd)
    assert Path(path).parent == tmp_path and Path(path).name.startswith(".")
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o600)
    assert probe.temporary(str(tmp_path))[1] != path
    monkeypatch.setenv("TMPDIR", str(tmp_path / "missing"))  # tempfile would go on to /tmp
    monkeypatch.setenv("TEMP", str(tmp_path))
    folder = probe.temporary_dir("govm-build-")
    assert Path(folder).parent == tmp_path and Path(folder).name.startswith("govm-build-")
    assert oct(os.stat(folder).st_mode & 0o777) == oct(0o700)


def test_copy_and_remove_tree(probe, tmp_path):
    source = tmp_path / "hello.go"
    source.write_text("package main\n")
    source.chmod(0o640)
    work = tmp_path / "work"
    (work / "sub" / "deeper").mkdir(parents=True)
    probe.copy(str(source), str(work / "main.go"))
    assert (work / "main.go").read_text() == "package main\n"
    assert oct((work / "main.go").stat().st_mode & 0o777) == oct(0o640)
    (work / "sub" / "deeper" / "f").write_text("x")
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "inside").write_text("x")
    (work / "sub" / "link").symlink_to(kept)  # removed, not followed
    probe.remove_tree(str(work))
    assert not work.exists() and (kept / "inside").exists()
    probe.remove_tree(str(tmp_path / "never-there"))  # no error, as ignore_errors=True
