"""Results kept by content and builds reused by their inputs: found again only for the very same
inputs, never half-written, never from a run that could not decide."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from matrix.run import reuse
from matrix.run.results import GroupOutcome
from matrix.run.reuse import ResultStore, harness_digest, manager_digest
from matrix.run.runner import RunResult

from ..conftest import load_run

INPUTS = {"image": "govm-matrix/ubuntu-manual:abc", "platform": "ubuntu", "manager": "manual",
          "adapter": "d1", "old": "1.21.13", "new": "1.22.10", "scope": "global",
          "shells": ["bash-login"], "fixtures": [], "engine": "20.10.24"}


def _outcome() -> GroupOutcome:
    return GroupOutcome(run=RunResult(**load_run("ubuntu-manual-clean")["run"]))


def test_a_kept_result_is_found_again_only_by_the_same_inputs(tmp_path):
    store = ResultStore(tmp_path)
    key = store.key(**INPUTS)
    store.put(key, _outcome(), "run-1")
    found = store.get(key)
    assert found.reused["run_id"] == "run-1" and found.run.snapshots
    assert found.image is None and found.shells is None  # set by the run that finds it
    for name, other in (("image", "govm-matrix/ubuntu-manual:abd"), ("old", "1.21.12"),
                        ("scope", "session"), ("engine", "24.0.0"), ("adapter", "d2"),
                        ("fixtures", [{"name": "stale-goroot"}]), ("shells", ["sh"])):
        changed = store.key(**{**INPUTS, name: other})
        assert changed != key and store.get(changed) is None, name


def test_fresh_finds_nothing_and_keeps_what_runs(tmp_path):
    ResultStore(tmp_path).put(ResultStore.key(**INPUTS), _outcome(), "run-1")
    fresh = ResultStore(tmp_path, fresh=True)
    assert fresh.get(fresh.key(**INPUTS)) is None
    fresh.put(fresh.key(**INPUTS), _outcome(), "run-2")
    assert ResultStore(tmp_path).get(ResultStore.key(**INPUTS)).reused["run_id"] == "run-2"


def test_a_half_written_or_foreign_file_is_not_a_result(tmp_path):
    store = ResultStore(tmp_path)
    key = store.key(**INPUTS)
    path = store._path(key)
    path.parent.mkdir(parents=True)
    path.write_text('{"data": {"run": ')
    assert store.get(key) is None
    path.write_text(json.dumps({"something": "else"}))
    assert store.get(key) is None


def test_a_result_that_cannot_be_written_leaves_nothing(tmp_path, monkeypatch):
    store = ResultStore(tmp_path)
    key = store.key(**INPUTS)

    opened = os.fdopen

    class Full:  # the disk fills up halfway through the document
        def __init__(self, fd, *args, **kwargs):
            self.fh = opened(fd, *args, **kwargs)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, text):
            self.fh.write(text[:len(text) // 2])
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fdopen", Full)
    store.put(key, _outcome(), "run-1")
    assert store.get(key) is None
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def _copy_package(tmp_path: Path, folder: str = "") -> Path:
    """A copy of the package (or of one ``folder`` of it) to change."""
    copy = tmp_path / (folder or "matrix")
    shutil.copytree(reuse._PACKAGE / folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def key_again(monkeypatch):
    """``INPUTS``' key with the harness digest taken again (after a change the test made);
    the digest is taken again after the test too, once its changes are undone."""
    def key() -> str:
        reuse.harness_digest.cache_clear()
        return ResultStore.key(**INPUTS)

    yield key
    monkeypatch.undo()
    reuse.harness_digest.cache_clear()


@pytest.mark.parametrize("part", ["run/probe/probe.py", "checks/goroot.py", "run/runner.py",
                                  "core/fixtures.py", "managers/base.py", "build/commands.py"])
def test_changing_the_probe_the_checks_or_the_runner_changes_every_key(tmp_path, monkeypatch,
                                                                       key_again, part):
    copy = _copy_package(tmp_path)
    monkeypatch.setattr(reuse, "_PACKAGE", copy)
    before = key_again()
    with open(copy / part, "a") as fh:
        fh.write("\n# changed\n")
    assert key_again() != before


def test_another_testinfra_changes_every_key(monkeypatch, key_again):
    before = key_again()
    monkeypatch.setattr(reuse, "_testinfra_version", lambda: "0.0.1")
    assert key_again() != before


# The modules a container run imports that are not in the harness's digest, and why a change
# to one cannot change a kept result without changing its key some other way.
OUTSIDE_THE_DIGEST = {
    "__init__.py": "the package's version, which is in the digest, and its label",
    "run/__init__.py": "a docstring",
    "build/__init__.py": "a docstring",
    "supply/__init__.py": "a docstring",
    "build/engine.py": "the labels a container carries, and the words of a failure: a run "
                       "that fails is never kept",
    "build/images.py": "the images, whose tags (digests of their contents) are in the key",
    "managers/__init__.py": "the managers by name; each one's own folder is in the key",
    "supply/": "what the images are built from, in their tags",
}


def test_every_module_a_container_run_imports_is_in_the_digest_or_reaches_the_key_otherwise():
    code = ("import sys, matrix.run.runner, matrix.run.results, matrix.run.shells, "
            "matrix.run.steps\n"
            "print('\\n'.join(m.__file__ for n, m in sys.modules.items() "
            "if n == 'matrix' or n.startswith('matrix.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    imported = {Path(f).resolve().relative_to(reuse._PACKAGE).as_posix() for f in out.split()}
    assert "build/commands.py" in imported  # the list is what a run imports

    def covered(path: str, parts) -> bool:
        return any(path == p or path.startswith(p.rstrip("/") + "/") for p in parts)

    loose = sorted(p for p in imported
                   if not covered(p, reuse.HARNESS) and not covered(p, OUTSIDE_THE_DIGEST))
    assert not loose, f"add them to reuse.HARNESS, or say here why not: {loose}"


def test_a_run_that_turns_a_speed_up_off_finds_only_results_taken_the_same_way(tmp_path,
                                                                                monkeypatch):
    from matrix.build.images import ImageRef
    from matrix.run import config as run_config
    from matrix.run.prepare import runnable_cells
    from matrix.run.session import MatrixSession

    monkeypatch.setenv("GOVM_MATRIX_CACHE", str(tmp_path / "cache"))
    values = {"platform": ["ubuntu"], "manager": ["manual"], "scope": ["global"],
              "scenario": ["clean"], "network": "offline"}
    image = ImageRef("govm-matrix/ubuntu-manual:0", "sha256:0", "ubuntu-manual", False, 0.0)

    def key(**toggles) -> str:
        config = run_config.parse({**values, **toggles}, run_id="r")
        session = MatrixSession(config)
        session._engine = "28.2.2"  # no daemon asked
        return session.group_key(runnable_cells(config)[0], image)

    keys = [key(), *(key(**{t: True}) for t in ("no_parallel_probes", "no_build_reuse",
                                                "no_fixture_layers", "no_batched_steps"))]
    assert len(set(keys)) == len(keys)
    assert key() == keys[0] and key(no_build_reuse=True) == keys[2]


def test_a_manager_s_folder_is_its_own_digest():
    from matrix.managers import get_manager

    assert manager_digest(get_manager("manual")) != manager_digest(get_manager("mise"))
    assert len(harness_digest()) == 64


@pytest.mark.parametrize(("manager", "changed", "affected"), [
    ("sdkman_local", "sdkman/__init__.py", True),  # its adapter is SDKMAN's class
    ("asdf_015", "asdf/golang.py", True),  # it types asdf-golang's commands
    ("sdkman_local", "sdkman_local/install.sh", True),
    ("sdkman", "sdkman_local/__init__.py", False),
    ("manual", "sdkman/__init__.py", False),
])
def test_a_manager_s_digest_covers_the_managers_it_takes_code_from(tmp_path, manager, changed,
                                                                    affected):
    managers = _copy_package(tmp_path, "managers")
    before = reuse.folders_digest(managers / manager)
    with open(managers / changed, "a") as fh:
        fh.write("\n# changed\n")
    assert (reuse.folders_digest(managers / manager) != before) is affected


# -- builds reused inside a container run (probe.py, run here on its own) ------------------
@pytest.fixture
def probe(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "probe_under_test", Path(reuse.__file__).parent / "probe" / "probe.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    hello = tmp_path / "hello.go"
    hello.write_text("package main\nfunc main() { println(1) }\n")
    go = tmp_path / "go"
    go.write_bytes(b"a go binary")
    root = tmp_path / "goroot"  # what toolchain_state looks at
    for name in module.STD_DIRS:
        (root / "src" / name).mkdir(parents=True, exist_ok=True)
    tools = root / "pkg" / "tool" / "linux_amd64"
    tools.mkdir(parents=True)
    for name in module.TOOLS:
        (tools / name).write_bytes(b"a tool")
    monkeypatch.setitem(ENV, "GOROOT", str(root))
    monkeypatch.setitem(ENV, "GOTOOLDIR", str(tools))
    monkeypatch.setattr(module, "HELLO", str(hello))
    monkeypatch.setattr(module, "BUILDS", str(tmp_path / "builds"))
    monkeypatch.chdir(tmp_path)  # no go.mod here: the build is of hello.go
    module.go_path = str(go)
    calls, installs = [], []
    monkeypatch.setattr(module, "build", lambda go, install_too=False: calls.append(go)
                        or {"status": 0, "runtime_version": "go1.22.10"})
    monkeypatch.setattr(module, "install_module", lambda go: installs.append(go)
                        or {"target": "/home/u/go/bin/hello", "status": 0, "ran": 0})
    module.calls, module.installs = calls, installs
    return module


ENV = {"GOROOT": "/usr/local/go-1.22.10", "GOPATH": "/home/u/go"}


def test_an_identical_build_is_reused_and_says_so(probe):
    first = probe.reused_build(probe.go_path, ENV, True, "bash-login:after")
    again = probe.reused_build(probe.go_path, dict(ENV), True, "sh:after")
    assert len(probe.calls) == 1 and "reused" not in first
    assert again["reused"]["from"] == "bash-login:after"
    assert again["runtime_version"] == "go1.22.10"
    assert len(probe.installs) == 1 and "reused" not in first["install"]
    assert again["install"]["reused"]["from"] == "bash-login:after"


def test_an_install_reuses_the_build_of_a_probe_that_did_not_install(probe):
    """The base phase builds; the phase back on the same version builds the same and also
    installs: only the install is done again, and each part says where it came from."""
    base = probe.reused_build(probe.go_path, ENV, False, "session:base")
    back = probe.reused_build(probe.go_path, ENV, True, "session:back")
    assert len(probe.calls) == 1 and "install" not in base
    assert back["reused"]["from"] == "session:base"
    assert len(probe.installs) == 1 and back["install"]["status"] == 0
    assert "reused" not in back["install"]
    # and a probe that does not install takes the build alone from one that did
    alone = probe.reused_build(probe.go_path, ENV, False, "sh:back")
    assert len(probe.calls) == 1 and "install" not in alone


def test_a_failed_build_is_not_installed(probe, monkeypatch):
    monkeypatch.setattr(probe, "build", lambda go, install_too=False: probe.calls.append(go)
                        or {"status": 1, "stderr": "compile: version mismatch"})
    result = probe.reused_build(probe.go_path, ENV, True, "session:after")
    assert result["status"] == 1 and "install" not in result and probe.installs == []


def test_identical_builds_at_once_build_once(probe, monkeypatch):
    """Probes of one phase run at once: the second waits for the first one's build rather
    than building the same thing beside it."""
    started = threading.Barrier(2)

    def slow(go, install_too=False):
        probe.calls.append(go)
        time.sleep(0.3)
        return {"status": 0, "runtime_version": "go1.22.10"}

    monkeypatch.setattr(probe, "build", slow)
    results = {}

    def one(label):
        started.wait()
        results[label] = probe.reused_build(probe.go_path, ENV, True, label)

    threads = [threading.Thread(target=one, args=(label,)) for label in ("sh:after",
                                                                          "bash-login:after")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(probe.calls) == 1
    reused = [label for label, result in results.items() if "reused" in result]
    assert len(reused) == 1 and results[reused[0]]["runtime_version"] == "go1.22.10"
    builder = ({"sh:after", "bash-login:after"} - set(reused)).pop()
    assert results[reused[0]]["reused"]["from"] == builder


@pytest.mark.parametrize("change", ["binary", "env", "source", "cgo", "goenv-file", "go.env",
                                    "off"])
def test_any_different_input_builds_and_installs_again(probe, change, monkeypatch, tmp_path):
    """Also what the C compiler's flags come from, which the probe's `go env` leaves out: the
    environment, the GOENV file and GOROOT/go.env."""
    goenv = tmp_path / "goenv"
    goenv.write_text("GOFLAGS=-mod=mod\n")
    monkeypatch.setitem(ENV, "GOENV", str(goenv))
    probe.reused_build(probe.go_path, ENV, True, "bash-login:after")
    env = dict(ENV)
    if change == "binary":
        Path(probe.go_path).write_bytes(b"another go binary")
    elif change == "env":
        env["GOPATH"] = "/tmp/go"  # the install target too
    elif change == "source":
        Path(probe.HELLO).write_text("package main\nfunc main() { println(2) }\n")
    elif change == "cgo":
        monkeypatch.setenv("CGO_CFLAGS", "-O0")
    elif change == "goenv-file":
        goenv.write_text("GOFLAGS=-mod=mod\nCGO_CFLAGS=-O0\n")
    elif change == "go.env":
        (Path(ENV["GOROOT"]) / "go.env").write_text("CGO_LDFLAGS=-lm\n")
    else:
        monkeypatch.setenv("GOVM_BUILD_REUSE", "0")
    result = probe.reused_build(probe.go_path, env, True, "sh:after")
    assert len(probe.calls) == 2 and "reused" not in result
    if change != "off":  # off, build() installs in the folder it built in (not stubbed here)
        assert len(probe.installs) == 2 and "reused" not in result["install"]


@pytest.mark.parametrize("change", ["rewrite", "mode", "remove", "add", "unset"])
def test_a_toolchain_that_changed_since_builds_again(probe, change, monkeypatch):
    """A switch between two probes of the same go may reinstall, break or remove the
    toolchain under it: the probe after it builds, and installs, again."""
    probe.reused_build(probe.go_path, ENV, False, "session:base")
    tools, std = Path(ENV["GOTOOLDIR"]), Path(ENV["GOROOT"]) / "src"
    env = dict(ENV)
    if change == "rewrite":
        (tools / "compile").write_bytes(b"another tool")
    elif change == "mode":
        (tools / "link").chmod(0o644)
    elif change == "remove":
        (tools / "asm").unlink()
    elif change == "add":
        (std / "fmt" / "print.go").write_text("package fmt\n")
    else:
        del env["GOTOOLDIR"]
    result = probe.reused_build(probe.go_path, env, True, "session:back")
    assert len(probe.calls) == 2 and "reused" not in result
    # a toolchain not all there has no key: build() installs in its own folder (stubbed here)
    assert "reused" not in result.get("install", {})


def test_a_module_folder_s_files_are_inputs(probe, tmp_path):
    module = tmp_path / "proj"
    module.mkdir()
    (module / "go.mod").write_text("module hello\n\ngo 1.21\n")
    (module / "main.go").write_text("package main\nfunc main() {}\n")
    os.chdir(module)
    key = probe.build_key(probe.go_path, ENV)
    (module / "go.mod").write_text("module hello\n\ngo 1.21\n\ntoolchain go1.22.10\n")
    assert probe.build_key(probe.go_path, ENV) != key
    assert probe.build_key(probe.go_path, None) is None  # no go env: never reused


def test_a_settled_binary_is_read_once_and_any_write_reads_it_again(probe, monkeypatch):
    """The go binary's digest is kept by the file's identity, so that a 144 MB mise shim is
    not read by every probe; a write moves the change time even when the size and the
    modification time are put back, and the file is read again."""
    reads = []
    real_digest = probe._digest_file
    monkeypatch.setattr(probe, "_digest_file",
                        lambda path, h: reads.append(path) or real_digest(path, h))
    monkeypatch.setattr(probe, "SETTLED", -1.0)  # the test's binary has just been written
    first = probe.file_digest(probe.go_path)
    assert probe.file_digest(probe.go_path) == first and len(reads) == 1
    stat = os.stat(probe.go_path)
    time.sleep(0.01)
    Path(probe.go_path).write_bytes(b"a go binarz")  # the same size
    os.utime(probe.go_path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert probe.file_digest(probe.go_path) != first and len(reads) == 2


def test_a_binary_changed_just_now_is_read_every_time(probe, monkeypatch):
    reads = []
    real_digest = probe._digest_file
    monkeypatch.setattr(probe, "_digest_file",
                        lambda path, h: reads.append(path) or real_digest(path, h))
    key = probe.build_key(probe.go_path, ENV)
    assert probe.build_key(probe.go_path, ENV) == key
    assert reads.count(os.path.realpath(probe.go_path)) == 2


# -- `go env` read by name (probe.py's read_go_env) -----------------------------------------
FAKE_GO = """#!{python}
import json, os, sys
with open(os.environ["FAKE_GO_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\\n")
if os.environ.get("FAKE_GO_FAIL"):
    sys.stderr.write("go: downloading go1.23.0: toolchain not available\\n")
    sys.exit(1)
version = os.environ.get("FAKE_GO_VERSION", "go1.22.10")
env = {{"GOVERSION": version, "GOOS": "linux", "GOARCH": "amd64", "GOROOT": "/opt/" + version,
       "GOTOOLDIR": "/opt/" + version + "/pkg/tool/linux_amd64", "GOPATH": "/home/u/go",
       "GOTOOLCHAIN": "auto", "GOBIN": "", "CGO_CFLAGS": "-O2 -g", "PKG_CONFIG": "pkg-config",
       "GOGCCFLAGS": "-fPIC -m64 -fdebug-prefix-map=/tmp/go-build1=/tmp/go-build"}}
if version == "go1.19.8":  # a go before toolchain switching has no GOTOOLCHAIN
    del env["GOTOOLCHAIN"]
names = sys.argv[3:]
print(json.dumps({{n: env.get(n, "") for n in names}} if names else env))
"""


@pytest.fixture
def fake_go(probe, tmp_path, monkeypatch):
    go = tmp_path / "fake" / "go"
    go.parent.mkdir()
    go.write_text(FAKE_GO.format(python=sys.executable))
    go.chmod(0o755)
    log = tmp_path / "go.log"
    log.touch()
    monkeypatch.setenv("FAKE_GO_LOG", str(log))
    monkeypatch.delenv("GOVM_BUILD_REUSE", raising=False)
    return str(go), lambda: [line.split()[2:] for line in log.read_text().splitlines()]


def test_go_env_is_read_in_full_once_then_by_name_with_the_same_values(probe, fake_go):
    go, calls = fake_go
    first, error = probe.read_go_env(go)
    assert error is None and not set(probe.COSTLY_ENV) & set(first)
    assert first["GOTOOLCHAIN"] == "auto" and first["GOBIN"] == ""
    again, error = probe.read_go_env(go)
    assert again == first and error is None
    assert calls()[0] == [] and sorted(calls()[1]) == sorted(first)


def test_another_toolchain_answering_is_read_in_full_and_keeps_its_own_names(probe, fake_go,
                                                                              monkeypatch):
    """The same go binary handing over to another toolchain (GOTOOLCHAIN), or one that has
    fewer variables: no name that toolchain does not print shows up with an empty value."""
    go, calls = fake_go
    newer, _ = probe.read_go_env(go)
    monkeypatch.setenv("FAKE_GO_VERSION", "go1.19.8")
    older, _ = probe.read_go_env(go)
    assert "GOTOOLCHAIN" not in older and older["GOVERSION"] == "go1.19.8"
    assert [len(c) > 0 for c in calls()] == [False, True, False]  # asked by name, then in full
    again, _ = probe.read_go_env(go)
    assert again == older and "GOTOOLCHAIN" not in again and len(calls()[-1]) > 0
    monkeypatch.delenv("FAKE_GO_VERSION")
    assert probe.read_go_env(go)[0] == newer and len(calls()) == 5 and len(calls()[-1]) > 0


def test_a_failing_go_env_by_name_is_the_error(probe, fake_go, monkeypatch):
    go, calls = fake_go
    probe.read_go_env(go)
    monkeypatch.setenv("FAKE_GO_FAIL", "1")
    values, error = probe.read_go_env(go)
    assert values is None and "toolchain not available" in error and len(calls()) == 2


def test_without_reuse_go_env_is_read_in_full_every_time(probe, fake_go, monkeypatch):
    go, calls = fake_go
    monkeypatch.setenv("GOVM_BUILD_REUSE", "0")
    assert probe.read_go_env(go) == probe.read_go_env(go)
    assert calls() == [[], []]
