"""`govm-matrix doctor` with containers playing the machine: the project's images, the `matrix`
package copied in and run with the image's own python3, which has nothing but the standard
library. Each planted leftover in its own container must be found with the matrix's verdict
word, file and line; clean machines must have no LEAK or BROKEN finding; `--switch` must give
the matrix's own verdicts and put the selection back, also after Ctrl-C."""

from __future__ import annotations

import io
import json
import shlex
import tarfile
import time
from pathlib import Path

import pytest

import matrix
from matrix.build.commands import execute
from matrix.core.cells import Cell, Scenario
from matrix.core.fixtures import get_fixture
from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.report import build_report
from matrix.report.markdown import render_markdown
from matrix.report.merge import merge_all
from matrix.run.results import GroupOutcome, cell_result
from matrix.run.runner import Run

from .conftest import run_as

pytestmark = pytest.mark.docker

OLD, NEW = "1.21.13", "1.22.10"
USER, HOME = "ubuntu", "/home/ubuntu"
BAD = {"LEAK", "BROKEN"}
MISE_ROOT = f"{HOME}/.local/share/mise/installs/go"


@pytest.fixture(scope="module")
def package() -> bytes:
    """The matrix package as a tar archive for /opt/doctor, without its caches."""
    source = Path(matrix.__file__).resolve().parent
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(source, arcname="matrix",
                filter=lambda info: None if "__pycache__" in info.name else info)
    return buf.getvalue()


@pytest.fixture
def machine(image_for, start_container, package):
    """machine(manager, *(who, command), fixture=None) -> a container of ubuntu/<manager>
    (with ``fixture``'s image layer on it, when named) with doctor in /opt/doctor, after the
    set-up commands (as the user, or as root). Like a real machine, it has no install roots
    file of the matrix's images (doctor finds the installs itself)."""

    def make(manager: str, *setup: tuple[str, str], fixture: str | None = None):
        image = image_for("ubuntu", manager, (fixture,) if fixture else ())
        container = start_container(image.tag, USER)
        run_as(container, "root", "mkdir -p /opt/doctor && rm /opt/govm-matrix/roots.json")
        assert container.put_archive("/opt/doctor", package)
        for who, command in setup:
            status, out = run_as(container, who, command)
            assert status == 0, (command, out.decode(errors="replace"))
        return container

    return make


def doctor(container, *args: str) -> tuple[int, str, str]:
    out = execute(container.id, ["python3", "-m", "matrix.cli", "doctor", *args], USER, HOME,
                  {"PYTHONPATH": "/opt/doctor"})
    return out.exit_code, out.stdout.decode(errors="replace"), out.stderr.decode(errors="replace")


def doctor_json(container) -> tuple[int, dict]:
    status, out, err = doctor(container, "--json")
    assert status in (0, 1), err
    doc = json.loads(out)
    assert doc["exit_status"] == status
    return status, doc


def line_of(container, path: str, text: str) -> int:
    """The line of ``path`` that holds ``text`` (the last one)."""
    status, out = run_as(container, USER, f"grep -nF -- '{text}' {path} | tail -n 1")
    assert status == 0 and out, (path, text)
    return int(out.decode().split(":", 1)[0])


def findings(doc: dict, verdict: str, check: str) -> list[dict]:
    return [f for f in doc["findings"] if f["verdict"] == verdict and f["check"] == check]


SELECT_NEW = (USER, f"sudo ln -sfn /usr/local/go-{NEW} /usr/local/go")


@pytest.mark.parametrize("manager, setup", [
    ("manual", ()),
    ("mise", ((USER, f"~/.local/bin/mise use -g go@{NEW}"),)),
])
def test_a_clean_machine_has_no_leak_or_broken(machine, manager, setup):
    container = machine(manager, *setup)
    started = time.monotonic()
    status, doc = doctor_json(container)
    assert time.monotonic() - started < 60  # "in seconds", even on a busy machine
    assert status == 0, [f["line"] for f in doc["findings"]]
    assert not [f for f in doc["findings"] if f["verdict"] in BAD]
    kind = {"manual": "manual", "mise": "mise"}[manager]
    assert {(i["version"], i["kind"]) for i in doc["installs"]} >= {(OLD, kind), (NEW, kind)}
    session = doc["contexts"]["session"]
    assert session["version"] == (OLD if manager == "manual" else NEW)
    assert session["build"]["status"] == 0
    # contexts the user's set-up does not reach have no go: INACTIVE, not a failure
    inactive = [c for f in doc["findings"] if f["verdict"] == "INACTIVE" for c in f["contexts"]]
    assert "sh" in inactive
    # read-only: nothing of doctor's is left behind
    _, left = run_as(container, "root", "ls -a /tmp")
    assert b"govm-doctor" not in left and b"govm-build" not in left


def test_a_stale_goroot_in_the_profile_is_a_leak_with_its_line(machine):
    planted = f"export GOROOT=/usr/local/go-{OLD}"
    container = machine("manual", SELECT_NEW, (USER, f"echo '{planted}' >> ~/.profile"))
    status, doc = doctor_json(container)
    assert status == 1
    (leak,) = findings(doc, "LEAK", "goroot")
    line = line_of(container, "~/.profile", planted)
    assert leak["where"] == [{"file": "~/.profile", "line": line, "text": planted}]
    assert {"bash-login", "session"} <= set(leak["contexts"])
    assert leak["line"] == (f"LEAK: GOROOT exported in ~/.profile line {line} points at "
                            f"go{OLD} (/usr/local/go-{OLD}) while go{NEW} runs: remove that "
                            "line")
    (broken,) = findings(doc, "BROKEN", "build")  # the compiler refuses the mixed toolchain
    assert "does not match go tool version" in broken["message"]


def test_a_stale_goroot_in_bashrc_leaks_into_mise_shells(machine):
    planted = f"export GOROOT={MISE_ROOT}/{OLD}"
    container = machine("mise", (USER, f"~/.local/bin/mise use -g go@{NEW}"),
                        (USER, f"echo '{planted}' >> ~/.bashrc"))
    status, doc = doctor_json(container)
    assert status == 1
    (leak,) = findings(doc, "LEAK", "goroot")
    line = line_of(container, "~/.bashrc", planted)
    assert leak["where"][0] == {"file": "~/.bashrc", "line": line, "text": planted}
    assert "bash-interactive" in leak["contexts"]
    assert f"points at go{OLD}" in leak["message"] and f"while go{NEW} runs" in leak["message"]


def test_debian_s_go_before_the_manual_install_is_broken(machine):
    # Debian's go packages installed with dpkg, in the layer the matrix's distro-go fixture
    # builds (a package install of half a minute, done once)
    assert get_fixture("distro-go").image_commands == (
        "dpkg -i /opt/govm-matrix/debs/*.deb >/dev/null",)
    container = machine("manual", SELECT_NEW, fixture="distro-go")
    status, doc = doctor_json(container)
    assert status == 1
    (broken,) = findings(doc, "BROKEN", "path")
    assert broken["message"].startswith("the distribution's package /usr/bin/go (go1.19")
    assert broken["message"].endswith("comes before manual's /usr/local/go/bin on PATH, so "
                                      "manual's go never runs")
    assert "bash-login" in broken["contexts"]
    assert "sudo apt-get remove golang-go" in broken["fix"]
    distro = [i for i in doc["installs"] if i["kind"] == "distro"]
    assert distro and distro[0]["version"].startswith("1.19")
    path = doc["contexts"]["bash-login"]["path"]
    assert [(e["entry"], e["shadowed"]) for e in path if e["go"]][:2] == [
        ("/usr/bin", False), ("/usr/local/go/bin", True)]


def test_a_goenv_toolchain_pin_is_a_leak_naming_the_goenv_file(machine):
    container = machine("manual", SELECT_NEW,
                        (USER, f"/usr/local/go-{NEW}/bin/go env -w GOTOOLCHAIN=go{OLD}"))
    status, doc = doctor_json(container)
    assert status == 1
    (leak,) = findings(doc, "LEAK", "gotoolchain")
    assert leak["where"] == [{"file": "~/.config/go/env", "line": 1,
                              "text": f"GOTOOLCHAIN=go{OLD}"}]
    assert leak["line"] == (f"LEAK: GOTOOLCHAIN=go{OLD} in the GOENV file ~/.config/go/env "
                            f"line 1 forces go{OLD} while go{NEW} is on PATH: run `go env -u "
                            "GOTOOLCHAIN`")
    assert doc["contexts"]["session"]["gotoolchain"]["from"] == "GOENV file"


def test_a_gopath_inside_an_old_root_is_a_leak_with_its_line(machine):
    planted = f"export GOPATH=/usr/local/go-{OLD}/gopath"
    container = machine("manual", SELECT_NEW, (USER, f"echo '{planted}' >> ~/.profile"))
    status, doc = doctor_json(container)
    assert status == 1
    (leak,) = findings(doc, "LEAK", "gopath")
    line = line_of(container, "~/.profile", planted)
    assert leak["message"] == (f"GOPATH /usr/local/go-{OLD}/gopath (exported in ~/.profile line "
                               f"{line}) belongs to go{OLD} while go{NEW} runs")
    assert {"bash-login", "session"} <= set(leak["contexts"])


@pytest.fixture(scope="module")
def matrix_reports(docker_client, image_for):
    """matrix_reports(manager) -> the matrix's own report of ubuntu/<manager> global OLD→NEW,
    every shell context (each made once)."""
    made: dict[str, dict] = {}

    def make(manager: str) -> dict:
        if manager not in made:
            plat, man = get_platform("ubuntu"), get_manager(manager)
            result = Run(docker_client, image_for("ubuntu", manager), plat, man, OLD, NEW,
                         "global", plat.shells, name="doctor-compare").execute()
            assert result.error is None, result.log_tail
            cells = [cell_result(Cell("ubuntu", manager, Scenario(OLD, NEW, "global"), shell),
                                 GroupOutcome(run=result)) for shell in plat.shells]
            made[manager] = build_report(cells, {"platforms": ["ubuntu"], "managers": [manager],
                                                 "go": [OLD, NEW], "scopes": ["global"]},
                                         {"network": "offline"}, run_id="matrix")
        return made[manager]

    return make


def switch_report(container, manager: str = "manual") -> tuple[int, str, dict]:
    status, out, err = doctor(container, "--switch", f"{OLD},{NEW}", "--manager", manager,
                              "--yes", "--report-dir", "/tmp/doctor-report")
    assert status in (0, 1), err
    _, text = run_as(container, USER, "cat /tmp/doctor-report/matrix.json")
    return status, err, json.loads(text)


@pytest.mark.parametrize("manager, setup", [
    ("manual", ()),  # the image selects OLD
    ("mise", ((USER, f"~/.local/bin/mise use -g go@{OLD}"),)),
])
def test_switch_gives_the_matrix_s_verdicts(matrix_reports, machine, manager, setup):
    matrix_report = matrix_reports(manager)
    expected = {c["shell"]: {k: v["verdict"] for k, v in c["checks"].items() if k != "atomic"}
                for c in matrix_report["cells"]}
    container = machine(manager, *setup)
    status, err, report = switch_report(container, manager)
    cells = {c["shell"]: c for c in report["cells"]}
    assert report["selection"]["platforms"] == ["linux"]
    assert report["host"]["name"] == "linux" and report["host"]["stands_for"] == "ubuntu"
    assert cells["bash-login"]["id"] == f"linux/{manager}/{OLD}→{NEW}/global/bash-login"
    compared = sorted(set(expected) & set(cells))
    assert compared == sorted(expected)  # every context the matrix has on ubuntu
    for shell in compared:
        assert "atomic" not in cells[shell]["checks"]
        got = {k: v["verdict"] for k, v in cells[shell]["checks"].items()}
        assert got == expected[shell], (shell, cells[shell]["checks"])
    assert status == (1 if any(c["verdict"] in BAD for c in report["cells"]) else 0)
    # the selection it found (OLD) is the one it leaves
    current = get_manager(manager).current(get_platform("ubuntu"))
    _, now = run_as(container, USER, f"bash -lc {shlex.quote(current)}")
    assert now.decode().strip().splitlines()[-1] == OLD
    assert f"{manager}'s selection is {OLD} again" in err
    # merged into the published matrix: real-host rows, and a fidelity section that agrees
    merged = merge_all([matrix_report, report], ["matrix.json", "real-linux.json"])
    rows = [c for c in merged["cells"] if c["platform"] == "real-linux"]
    assert [c["shell"] for c in rows] == [c["shell"] for c in report["cells"]]
    fid = merged["fidelity"]
    assert (fid["compared"], fid["agree"], fid["disagree"]) == (len(compared), len(compared),
                                                                [])


def test_a_real_host_that_leaks_where_the_profile_does_not_is_in_fidelity(matrix_reports,
                                                                          machine):
    matrix_report = matrix_reports("manual")
    planted = f"export GOROOT=/usr/local/go-{OLD}"
    container = machine("manual", (USER, f"echo '{planted}' >> ~/.profile"))
    status, _, report = switch_report(container)
    assert status == 1
    merged = merge_all([matrix_report, report], ["matrix.json", "real-linux.json"])
    differ = {d["real"].rsplit("/", 1)[1]: d for d in merged["fidelity"]["disagree"]}
    assert "bash-login" in differ and "sh" not in differ  # only login shells read ~/.profile
    goroot = differ["bash-login"]["checks"]["goroot"]
    assert (goroot["real"], goroot["emulated"]) == ("LEAK", "PASS")
    assert any(f"/usr/local/go-{OLD}" in line for line in goroot["real_evidence"])
    assert differ["bash-login"]["emulated"] == f"ubuntu/manual/{OLD}→{NEW}/global/bash-login"
    md = render_markdown(merged)
    assert f"### `real-linux/manual/{OLD}→{NEW}/global/bash-login` vs `ubuntu/manual/" in md


def test_switch_puts_the_selection_back_after_ctrl_c(machine):
    container = machine("manual", SELECT_NEW)  # the user's selection: NEW
    container.exec_run(
        ["sh", "-c", "python3 -m matrix.cli doctor --switch "
                     f"{OLD},{NEW} --manager manual --yes --report-dir /tmp/r "
                     ">/tmp/d.out 2>/tmp/d.err & echo $! >/tmp/d.pid; wait $!; "
                     "echo $? >/tmp/d.rc"],
        user=USER, workdir=HOME, environment={"PYTHONPATH": "/opt/doctor"}, detach=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # doctor selects OLD first: the selection changed
        _, link = run_as(container, USER, "readlink /usr/local/go")
        if link.decode().strip() == f"/usr/local/go-{OLD}":
            break
        time.sleep(0.1)
    else:
        pytest.fail("doctor never switched")
    run_as(container, USER, "kill -INT $(cat /tmp/d.pid)")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, _ = run_as(container, USER, "test -s /tmp/d.rc")
        if status == 0:
            break
        time.sleep(0.2)
    _, rc = run_as(container, USER, "cat /tmp/d.rc")
    _, err = run_as(container, USER, "cat /tmp/d.err")
    err = err.decode(errors="replace")
    assert rc.decode().strip() == "130", err
    assert f"manual's selection is {NEW} again" in err and "interrupted" in err
    _, link = run_as(container, USER, "readlink /usr/local/go")
    assert link.decode().strip() == f"/usr/local/go-{NEW}"
    _, left = run_as(container, "root", "ls -a /tmp")
    assert b"govm-doctor" not in left
    _, reports = run_as(container, USER, "ls /tmp/r 2>&1")
    assert b"matrix.json" not in reports  # an interrupted switch writes no report
