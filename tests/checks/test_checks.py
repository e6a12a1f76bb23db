"""Classification on recorded container runs: planted leaks must be found, clean switches pass.

Every test replays a recorded run (tests/data/record.py) through the function a matrix run
uses (``replay``), so what is asserted here is what the matrix reports. Mutation tests change
one fact of a recorded snapshot and assert both sides: the damaged case is reported with its
own evidence line, and the undamaged counterpart is not.
"""

from __future__ import annotations

import pytest

from matrix.checks.leg import Leg
from matrix.core.verdicts import verdict_of, worst
from matrix.run.runner import expectations

from ..conftest import load_run, replay, snap

P, L, B, S, OFF, E = ("PASS", "LEAK", "BROKEN", "SHARED", "INACTIVE", "ERROR")
OLD_ROOT, NEW_ROOT = "/usr/local/go-1.21.13", "/usr/local/go-1.22.10"


def verdicts(result: dict) -> dict[str, str]:
    return {name: check["verdict"] for name, check in result["checks"].items()}


def lines(result: dict, check: str, verdict: str | None = None) -> list[str]:
    """The evidence lines of one check, only those of ``verdict`` when given."""
    found = result["checks"][check]["evidence"]
    return [ln for ln in found if verdict is None or verdict_of(ln) == verdict]


LEGS = {"out": "go1.21.13→go1.22.10: ", "back": "back to go1.21.13: ",
        "again": "go1.22.10 again: ", "trip": "round trip base→back: ",
        "trip-again": "round trip after→again: ",
        "elsewhere": "go1.21.13→go1.22.10 elsewhere, here still go1.21.13: ", "any": ""}


def one(result: dict, check: str, verdict: str, start: str, leg: str = "out") -> str:
    """The single evidence line of ``check`` in ``leg`` (the switch out, the way back, the
    session's switch again, or a round trip) with ``verdict`` that begins with ``start``: fails
    when there is none or more than one, so that each detection is pinned to its own line."""
    found = [ln for ln in lines(result, check, verdict)
             if ln.startswith(LEGS[leg]) and ln.split(f"{verdict}: ", 1)[-1].startswith(start)]
    assert len(found) == 1, (start, lines(result, check))
    return found[0]


def leg_verdicts(result: dict, check: str, leg: str = "out") -> set[str]:
    """The verdicts of one check's evidence lines in one leg."""
    return {verdict_of(ln) for ln in lines(result, check) if ln.startswith(LEGS[leg])}


# -- recorded runs, as they are ------------------------------------------------------------
@pytest.mark.parametrize("shell", ["bash-login", "session"])
def test_clean_manual_switch_passes(shell):
    result = replay(load_run("ubuntu-manual-clean"), shell)
    assert verdicts(result) == {"goroot": P, "path": P, "gopath": S, "gobin": S,
                                "gotoolchain": P, "version": P, "build": P, "atomic": P}
    assert result["verdict"] == S and result["active"] is True
    one(result, "path", P, "PATH is back to what it was", leg="trip")


@pytest.mark.parametrize("shell", ["bash-interactive", "sh"])
def test_manual_is_inactive_where_no_login_file_runs(shell):
    result = replay(load_run("ubuntu-manual-clean"), shell)
    assert set(verdicts(result).values()) == {OFF}
    assert result["active"] is False
    assert lines(result, "version", OFF)[0].endswith("(manual put nothing on PATH in this shell)")


def test_stale_goroot_breaks_the_build_on_the_way_out_and_the_way_back_is_clean():
    result = replay(load_run("ubuntu-manual-stale-goroot"), "bash-login")
    assert result["checks"]["goroot"]["verdict"] == L
    one(result, "goroot", L, "expected GOROOT unset or go1.22.10's root, got exported "
                             f"GOROOT={OLD_ROOT} (go1.21.13's root)")
    one(result, "goroot", P, f"exported GOROOT={OLD_ROOT} is go1.21.13's root", leg="back")
    assert leg_verdicts(result, "goroot", "back") == {P}
    build = one(result, "build", B, "expected `go build` to succeed")
    assert 'does not match go tool version "go1.22.10"' in build
    assert lines(result, "build", P) == ["back to go1.21.13: PASS: hello world built and ran "
                                         "with go1.21.13"]


def test_stale_goroot_is_found_even_where_the_manager_is_inactive():
    result = replay(load_run("ubuntu-manual-stale-goroot"), "bash-interactive")
    assert result["checks"]["goroot"]["verdict"] == L
    assert result["active"] is False


@pytest.mark.parametrize("shell", ["bash-login", "session"])
def test_etc_environment_goroot_leaks_in_login_shells(shell):
    result = replay(load_run("ubuntu-manual-etc-environment"), shell)
    one(result, "goroot", L, "expected GOROOT unset or go1.22.10's root, got exported "
                             f"GOROOT={OLD_ROOT}")
    one(result, "build", B, "expected `go build` to succeed")
    assert result["verdict"] == L


@pytest.mark.parametrize("shell", ["bash-interactive", "sh"])
def test_etc_environment_is_not_applied_where_no_login_runs(shell):
    result = replay(load_run("ubuntu-manual-etc-environment"), shell)
    assert set(verdicts(result).values()) == {OFF}
    assert snap(load_run("ubuntu-manual-etc-environment"), shell, "after")["vars"]["GOROOT"] \
        is None


def test_old_path_entry_is_caught_by_each_of_its_own_detections():
    result = replay(load_run("ubuntu-manual-old-path-entry"), "bash-login")
    one(result, "path", L, f"expected no PATH entry in go1.21.13's root, got {OLD_ROOT}/bin ")
    one(result, "path", L, "expected the first go on PATH in go1.22.10's root, got "
                           f"{OLD_ROOT}/bin/go ")
    one(result, "version", L, "expected `go version` in the shell go1.22.10, got go1.21.13")
    one(result, "version", L, "expected runtime.Version() go1.22.10, got go1.21.13")
    one(result, "build", L, "expected a go1.22.10 build, got go1.21.13")


def test_gopath_in_old_root_leaks():
    result = replay(load_run("ubuntu-manual-gopath-in-old-root"), "bash-login")
    one(result, "gopath", L, f"expected go env GOPATH not to belong to go1.21.13, got "
                             f"{OLD_ROOT}/gopath")
    one(result, "gobin", L, "expected the go install target (GOBIN unset) not to belong to "
                            f"go1.21.13, got {OLD_ROOT}/gopath/bin")
    assert result["checks"]["version"]["verdict"] == P


def test_gotoolchain_pin_in_the_goenv_file_leaks_and_breaks():
    result = replay(load_run("ubuntu-manual-gotoolchain-old"), "bash-login")
    one(result, "gotoolchain", L, "expected no GOTOOLCHAIN forcing go1.21.13, got GOTOOLCHAIN "
                                  "in the GOENV file /home/ubuntu/.config/go/env=go1.21.13")
    assert result["checks"]["version"]["verdict"] == B
    assert result["checks"]["build"]["verdict"] == B


@pytest.mark.parametrize("shell", ["bash-interactive", "session"])
def test_mise_clean_in_interactive_shells(shell):
    result = replay(load_run("ubuntu-mise-clean"), shell)
    assert verdicts(result) == {"goroot": P, "path": P, "gopath": S, "gobin": P,
                                "gotoolchain": P, "version": P, "build": P, "atomic": P}


def test_mise_inactive_in_login_shell_without_rc():
    result = replay(load_run("ubuntu-mise-clean"), "bash-login")
    assert set(verdicts(result).values()) == {OFF}


def test_wsl2_windows_entries_survive_byte_for_byte():
    result = replay(load_run("wsl2-manual-clean"), "session")
    assert result["checks"]["path"]["verdict"] == P
    for leg in ("out", "back", "again"):
        one(result, "path", P, "16 PATH entries that are not Go's kept byte for byte", leg=leg)


def test_every_verdict_is_the_worst_of_its_evidence_and_every_line_names_one():
    for name in ("ubuntu-manual-clean", "ubuntu-manual-stale-goroot", "ubuntu-mise-session",
                 "ubuntu-gotoolchain-directory", "wsl2-manual-clean"):
        recording = load_run(name)
        for shell in {key.split(":")[0] for key in recording["run"]["snapshots"]}:
            result = replay(recording, shell)
            for check, found in result["checks"].items():
                named = [verdict_of(line) for line in found["evidence"]]
                assert found["evidence"] and None not in named, (name, shell, check, found)
                assert found["verdict"] == worst(named).value, (name, shell, check, found)
            assert result["verdict"] == worst(verdicts(result).values()).value


# -- scopes: the session's again phase, other shells, the other session ---------------------
def test_expectations_per_scope_and_shell():
    assert expectations("global", "sh", "A", "B") == {"after": "B", "back": "A"}
    # the session alone switches a third time; the script's own switches are two
    for scope in ("global", "session", "directory"):
        assert expectations(scope, "session", "A", "B") == {"after": "B", "back": "A",
                                                            "again": "B"}
        assert expectations(scope, "script", "A", "B") == {"after": "B", "back": "A"}
    for shell in ("bash-login", "sh", "other-session"):
        assert expectations("session", shell, "A", "B") == {"after": "A", "back": "A"}
    assert expectations("directory", "bash-interactive", "A", "B") == {"after": "B",
                                                                        "back": "A"}
    assert expectations("directory", "other-session", "A", "B") == {"after": "A", "back": "A"}


def test_session_scope_reaches_only_its_own_shell():
    recording = load_run("ubuntu-mise-session")
    session = replay(recording, "session")
    assert session["expect"] == {"after": "1.22.10", "back": "1.21.13", "again": "1.22.10"}
    assert session["checks"]["version"]["verdict"] == P
    one(session, "version", P, "`go version` in the shell: go1.22.10")
    one(session, "version", P, "`go version` in the shell: go1.22.10", leg="again")
    for shell in ("bash-interactive", "other-session"):
        result = replay(recording, shell)
        assert result["checks"]["version"]["verdict"] == P, shell
        assert lines(result, "version")[0].startswith(
            "go1.21.13→go1.22.10 elsewhere, here still go1.21.13: PASS")


def test_a_session_switch_that_reaches_the_other_session_leaks():
    recording = load_run("ubuntu-mise-session")
    clean = replay(recording, "other-session")
    leaked = snap(recording, "other-session", "after")
    leaked.clear()
    leaked.update(snap(recording, "session", "after"), label="other-session:after")
    result = replay(recording, "other-session")
    assert clean["checks"]["version"]["verdict"] == P
    assert result["checks"]["version"]["verdict"] == L
    one(result, "version", L, "expected `go version` in the shell go1.21.13, got go1.22.10",
        leg="elsewhere")


def test_directory_scope_holds_inside_the_folder_only():
    recording = load_run("ubuntu-mise-directory")
    inside = replay(recording, "bash-interactive")
    assert inside["expect"] == {"after": "1.22.10", "back": "1.21.13"}
    assert inside["checks"]["version"]["verdict"] == P
    other = replay(recording, "other-session")
    assert other["expect"] == {"after": "1.21.13", "back": "1.21.13"}
    assert other["checks"]["version"]["verdict"] == P


# -- shims and Go's own dispatcher ---------------------------------------------------------
def test_go_s_dispatcher_is_judged_by_what_it_runs():
    recording = load_run("ubuntu-gotoolchain-directory")
    clean = replay(recording, "bash-login")
    one(clean, "path", P, "first go on PATH is /usr/local/go/bin/go, which runs the version "
                          "gotoolchain selects")
    assert clean["checks"]["version"]["verdict"] == P
    after = snap(recording, "bash-login", "after")
    base = snap(recording, "bash-login", "base")
    for key in ("shell_go", "go_env", "build"):
        after[key] = base[key]  # the dispatcher ran the old toolchain after the switch
    result = replay(recording, "bash-login")
    assert result["checks"]["path"]["verdict"] == P  # where it sits is not the question
    one(result, "version", L, "expected `go version` in the shell go1.22.10, got go1.21.13")
    one(result, "goroot", L, "expected `go env GOROOT` in go1.22.10's root")


def _as_asdf(recording: dict) -> dict:
    """A manual recording rewritten into asdf's layout: each version installed in
    ~/.asdf/installs/golang/<v> with its GOROOT one level down, and ~/.asdf/shims first on PATH
    holding a go shim."""
    home = "/home/ubuntu"
    shims = f"{home}/.asdf/shims"
    recording["manager"] = "asdf"
    for key, found in recording["run"]["snapshots"].items():
        roots = {}
        for version in ("1.21.13", "1.22.10"):
            install = f"{home}/.asdf/installs/golang/{version}"
            roots[version] = {"root": install, "real": install, "goroot": f"{install}/go",
                              "goroot_real": f"{install}/go"}
        found["roots"] = roots
        version = {"base": "1.21.13", "after": "1.22.10", "back": "1.21.13",
                   "again": "1.22.10"}[key.split(":")[1]]
        goroot = roots[version]["goroot"]
        found["path_entries"] = [{"entry": shims, "real": shims}] + [
            e for e in found["path_entries"] if not e["entry"].startswith("/usr/local/go")]
        found["go_on_path"] = [{"path": f"{shims}/go", "real": f"{shims}/go"}]
        found["shell_go"].update(command=f"{shims}/go", real=f"{shims}/go")
        if found.get("go_env"):
            found["go_env"].update(GOROOT=goroot, GOPATH=f"{home}/go")
    return recording


def test_asdf_shims_run_the_selected_version_at_unit_level():
    result = replay(_as_asdf(load_run("ubuntu-manual-clean")), "bash-login")
    one(result, "path", P, "first go on PATH is /home/ubuntu/.asdf/shims/go, which runs the "
                           "version asdf selects")
    one(result, "goroot", P, "`go env GOROOT` is /home/ubuntu/.asdf/installs/golang/1.22.10/go")
    assert result["checks"]["version"]["verdict"] == P
    leaked = _as_asdf(load_run("ubuntu-manual-clean"))
    after = snap(leaked, "bash-login", "after")
    after["go_env"]["GOROOT"] = "/home/ubuntu/.asdf/installs/golang/1.21.13/go"
    after["vars"]["GOROOT"] = "/home/ubuntu/.asdf/installs/golang/1.21.13/go"
    result = replay(leaked, "bash-login")
    one(result, "goroot", L, "expected GOROOT unset or go1.22.10's root, got exported GOROOT="
                             "/home/ubuntu/.asdf/installs/golang/1.21.13/go (go1.21.13's root)")
    one(result, "goroot", L, "expected `go env GOROOT` in go1.22.10's root "
                             "/home/ubuntu/.asdf/installs/golang/1.22.10/go")


# -- kinds of leak planted by mutation, each with its clean counterpart --------------------
def _after(recording, shell="bash-login"):
    return snap(recording, shell, "after")


def test_go_env_goroot_in_the_old_root_without_an_exported_goroot():
    clean = replay(load_run("ubuntu-manual-clean"), "bash-login")
    one(clean, "goroot", P, f"`go env GOROOT` is {NEW_ROOT}, go1.22.10's root")
    recording = load_run("ubuntu-manual-clean")
    assert _after(recording)["vars"]["GOROOT"] is None
    _after(recording)["go_env"]["GOROOT"] = OLD_ROOT
    result = replay(recording, "bash-login")
    one(result, "goroot", L, f"expected `go env GOROOT` in go1.22.10's root {NEW_ROOT}, got "
                             f"{OLD_ROOT} (go1.21.13)")


@pytest.mark.parametrize("gobin, expected", [
    (f"{OLD_ROOT}/bin", L), (f"{NEW_ROOT}/bin", P), ("/srv/tools", S)])
def test_an_explicit_gobin(gobin, expected):
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["go_env"]["GOBIN"] = gobin
    result = replay(recording, "bash-login")
    # the install into the recorded target worked: its own PASS line
    assert leg_verdicts(result, "gobin") == {expected, P}
    one(result, "gobin", P, "`go install` wrote /home/ubuntu/go/bin/hello, which ran")
    one(result, "gobin", expected, "GOBIN " if expected != L else "expected GOBIN not to belong")
    if expected == L:
        assert result["checks"]["gobin"]["verdict"] == L


@pytest.mark.parametrize("gopath, expected", [
    ("/home/ubuntu/go/1.21.13", L),  # A's per-version GOPATH still in effect
    ("/home/ubuntu/go/1.22.10", P),  # B's own
    ("/srv/gopath", S),
])
def test_gopath_classification(gopath, expected):
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["go_env"]["GOPATH"] = gopath
    result = replay(recording, "bash-login")
    assert leg_verdicts(result, "gopath") == {expected}
    assert [ln for ln in lines(result, "gopath", expected) if gopath in ln]
    if expected == L:
        assert result["checks"]["gopath"]["verdict"] == L


@pytest.mark.parametrize("value, running, expected", [
    ("go1.21.13", "go1.21.13", L), ("local", "go1.22.10", P), ("go1.22.10", "go1.22.10", P)])
def test_an_exported_gotoolchain(value, running, expected):
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["vars"]["GOTOOLCHAIN"] = value
    after["shell_go"]["version_output"] = f"go version {running} linux/amd64"
    result = replay(recording, "bash-login")
    assert result["checks"]["gotoolchain"]["verdict"] == expected
    if expected == L:
        one(result, "gotoolchain", L, "expected no GOTOOLCHAIN forcing go1.21.13, got exported "
                                      "GOTOOLCHAIN=go1.21.13")


@pytest.mark.parametrize("exported, content, effective", [
    ("", "GOTOOLCHAIN=go1.21.13\n", "GOTOOLCHAIN in the GOENV file"),  # empty: as if unset
    (None, "GOTOOLCHAIN=auto\nGOTOOLCHAIN=go1.21.13\n", "GOTOOLCHAIN in the GOENV file"),
    ("go1.21.13", "GOTOOLCHAIN=auto\n", "exported GOTOOLCHAIN"),
])
def test_gotoolchain_is_read_where_go_reads_it(exported, content, effective):
    """cmd/go's cfg.Getenv: the environment when it is not empty, else the GOENV file, whose
    last line for a name wins."""
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["vars"]["GOTOOLCHAIN"] = exported
    after["goenv_file"]["content"] = content
    after["shell_go"]["version_output"] = "go version go1.21.13 linux/amd64"
    result = replay(recording, "bash-login")
    assert result["checks"]["gotoolchain"]["verdict"] == L
    one(result, "gotoolchain", L, f"expected no GOTOOLCHAIN forcing go1.21.13, got {effective}")
    # the same settings in the other order: the new effective one forces nothing
    if exported is None:
        recording = load_run("ubuntu-manual-clean")
        after = _after(recording)
        after["goenv_file"]["content"] = "GOTOOLCHAIN=go1.21.13\nGOTOOLCHAIN=auto\n"
        result = replay(recording, "bash-login")
        assert result["checks"]["gotoolchain"]["verdict"] == P
        one(result, "gotoolchain", P, "GOTOOLCHAIN in the GOENV file")
        one(result, "gotoolchain", P, "an earlier line of GOTOOLCHAIN in the GOENV file")


def test_goflags_in_the_goenv_file_is_shared():
    clean = replay(load_run("ubuntu-manual-clean"), "bash-login")
    assert clean["checks"]["gotoolchain"]["verdict"] == P
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["goenv_file"]["content"] = "GOFLAGS=-mod=mod\n"
    result = replay(recording, "bash-login")
    assert result["checks"]["gotoolchain"]["verdict"] == S
    one(result, "gotoolchain", S, "GOFLAGS=-mod=mod in the GOENV file applies to every Go version")


def test_a_build_whose_program_fails_to_run_is_broken():
    recording = load_run("ubuntu-manual-clean")
    build = _after(recording)["build"]
    build["runtime_version"] = None
    build["run"] = {"status": 139, "stdout": "", "stderr": "Segmentation fault"}
    result = replay(recording, "bash-login")
    assert result["checks"]["build"]["verdict"] == B
    one(result, "build", B, "expected the built program to run, got exit 139: Segmentation fault")
    assert replay(load_run("ubuntu-manual-clean"), "bash-login")["checks"]["build"]["verdict"] \
        == P


def test_a_switch_command_that_fails_is_broken():
    recording = load_run("ubuntu-manual-clean")
    recording["run"]["switch_failures"] = [
        "switch to go1.22.10: `sudo ln -sfn /usr/local/go-1.22.10 /usr/local/go` exited 1: "
        "ln: failed to create symbolic link: Permission denied"]
    result = replay(recording, "bash-login")
    assert result["checks"]["version"]["verdict"] == B
    one(result, "version", B, "expected the switch to work, got switch to go1.22.10", leg="any")
    assert replay(load_run("ubuntu-manual-clean"), "bash-login")["verdict"] == S


def test_a_manager_that_vanishes_after_the_switch_is_broken_not_inactive():
    recording = load_run("ubuntu-mise-clean")
    after = _after(recording, "bash-interactive")
    after["path_entries"] = [e for e in after["path_entries"]
                             if ".local/share/mise" not in e["entry"]]
    after.update(go=None, go_on_path=[], go_env=None, build=None, go_version=None)
    after["vars"]["GOROOT"] = None
    after["shell_go"] = {"command": None, "real": None, "status": 127,
                         "version_output": "bash: line 1: go: command not found"}
    result = replay(recording, "bash-interactive")
    assert OFF not in verdicts(result).values(), verdicts(result)
    assert result["checks"]["version"]["verdict"] == B
    one(result, "build", B, "expected go1.22.10, got no go on PATH to build with: mise was "
                            "active in this shell before the switch")
    never = replay(load_run("ubuntu-mise-clean"), "bash-login")  # never active there
    assert set(verdicts(never).values()) == {OFF}


# -- PATH after a switch and after a round trip ---------------------------------------------
def test_lost_windows_entry_is_broken():
    recording = load_run("wsl2-manual-clean")
    for phase in ("after", "again"):  # every state of the new version lost it
        found = snap(recording, "session", phase)
        found["path_entries"] = [e for e in found["path_entries"]
                                 if e["entry"] != "/mnt/c/Program Files/Go/bin"]
    result = replay(recording, "session")
    assert result["checks"]["path"]["verdict"] == B
    one(result, "path", B, "expected the PATH entries that are not Go's unchanged (byte for "
                           "byte, in order), got lost ['/mnt/c/Program Files/Go/bin']")


def test_entry_split_on_spaces_is_broken():
    recording = load_run("wsl2-manual-clean")
    for phase in ("after", "again"):
        found = snap(recording, "session", phase)
        new = []
        for e in found["path_entries"]:
            if e["entry"] == "/mnt/c/Program Files/Go/bin":
                new += [{"entry": "/mnt/c/Program", "real": None},
                        {"entry": "Files/Go/bin", "real": None}]
            else:
                new.append(e)
        found["path_entries"] = new
    result = replay(recording, "session")
    assert result["checks"]["path"]["verdict"] == B
    line = one(result, "path", B, "expected the PATH entries that are not Go's unchanged")
    assert "added ['/mnt/c/Program', 'Files/Go/bin']" in line


def test_non_go_entries_reordered_by_a_switch_are_broken():
    recording = load_run("wsl2-manual-clean")
    after = _after(recording, "bash-login")
    entries = after["path_entries"]
    first, second = (i for i, e in enumerate(entries)
                     if e["entry"] in ("/usr/sbin", "/usr/bin"))
    entries[first], entries[second] = entries[second], entries[first]
    result = replay(recording, "bash-login")
    one(result, "path", B, "expected the PATH entries that are not Go's unchanged (byte for "
                           "byte, in order), got reordered: ")
    assert replay(load_run("wsl2-manual-clean"), "bash-login")["checks"]["path"]["verdict"] == P


def test_path_growth_over_round_trip_is_a_leak():
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "session", "back")
    back["path_entries"].append(dict(back["path_entries"][-1]))
    result = replay(recording, "session")
    assert result["checks"]["path"]["verdict"] == L
    one(result, "path", L, "expected PATH to keep its", leg="trip")


def test_a_round_trip_that_drops_an_entry_is_broken():
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "bash-login", "back")
    dropped = back["path_entries"].pop(-1)
    result = replay(recording, "bash-login")
    assert result["checks"]["path"]["verdict"] == B
    line = one(result, "path", B, "expected PATH to keep its", leg="trip")
    assert dropped["entry"] in line


def test_a_round_trip_that_reorders_go_entries_is_broken():
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "bash-login", "back")
    go = next(e for e in back["path_entries"] if e["entry"] == "/usr/local/go/bin")
    back["path_entries"].remove(go)
    back["path_entries"].insert(0, go)
    result = replay(recording, "bash-login")
    line = one(result, "path", B, "expected PATH back in its order, got the same entries "
                                  "reordered: ", leg="trip")
    assert line.endswith("reordered: /usr/local/go/bin (10→1)"), line


def test_shell_remembering_old_go_is_a_leak():
    recording = load_run("ubuntu-manual-clean")
    _after(recording, "session")["shell_go"].update(command=f"{OLD_ROOT}/bin/go",
                                                    real=f"{OLD_ROOT}/bin/go")
    result = replay(recording, "session")
    assert result["checks"]["path"]["verdict"] == L
    one(result, "path", L, "expected the shell to run /usr/local/go/bin/go, got "
                           f"{OLD_ROOT}/bin/go (go1.21.13, remembered by the shell)")


# -- the harness's own failures ------------------------------------------------------------
def test_missing_snapshot_is_error_not_pass():
    recording = load_run("ubuntu-manual-clean")
    del recording["run"]["snapshots"]["session:after"]
    result = replay(recording, "session")
    # every check of the snapshots; atomic judges the switch, which was measured
    assert {k: v for k, v in verdicts(result).items() if k != "atomic"} == {
        k: E for k in verdicts(result) if k != "atomic"}
    assert result["verdict"] == E


@pytest.mark.parametrize("shell", ["bash-login", "session", "other-session"])
def test_a_missing_first_snapshot_is_error_not_pass(shell):
    recording = load_run("ubuntu-manual-clean")
    del recording["run"]["snapshots"][f"{shell}:base"]
    result = replay(recording, shell)
    assert {k: v for k, v in verdicts(result).items() if k != "atomic"} == {
        k: E for k in verdicts(result) if k != "atomic"}
    one(result, "path", E, "go1.21.13 at the start: no snapshot was taken", leg="any")


@pytest.mark.parametrize("phase", ["base", "after", "back"])
def test_a_snapshot_whose_probe_could_not_read_the_roots_is_an_error(phase):
    """Without the install roots no path belongs to a version: every check would read the
    manager as absent (INACTIVE), so the snapshot cannot be judged."""
    recording = load_run("ubuntu-manual-clean")
    snap = recording["run"]["snapshots"][f"bash-login:{phase}"]
    snap.update(roots={}, roots_error="[Errno 13] Permission denied: 'roots.json'")
    result = replay(recording, "bash-login")
    assert {k: v for k, v in verdicts(result).items() if k != "atomic"} == {
        k: E for k in verdicts(result) if k != "atomic"}
    title = {"base": "go1.21.13 at the start", "after": "go1.21.13→go1.22.10",
             "back": "back to go1.21.13"}[phase]
    one(result, "path", E, f"{title}: the probe could not read the install roots ([Errno 13] "
                           "Permission denied", leg="any")


def test_a_snapshot_whose_probe_ran_out_of_time_is_an_error():
    """A build the probe gave up on (status 124, as a go could also exit) is not a broken
    toolchain: what it would have given is unknown."""
    recording = load_run("ubuntu-manual-clean")
    snap = recording["run"]["snapshots"]["bash-login:after"]
    snap["build"] = {"status": 124, "stdout": "", "stderr": "timeout after 120s"}
    snap["timed_out"] = ["/usr/local/go/bin/go build -o /tmp/govm-build-x/hello ."]
    result = replay(recording, "bash-login")
    assert {k: v for k, v in verdicts(result).items() if k != "atomic"} == {
        k: E for k in verdicts(result) if k != "atomic"}
    one(result, "build", E, "go1.21.13→go1.22.10: the probe gave up on `/usr/local/go/bin/go "
                            "build", leg="any")


def test_the_session_s_third_switch_is_due_and_missing_it_is_an_error():
    recording = load_run("ubuntu-manual-clean")
    assert verdicts(replay(recording, "session"))["path"] == P
    del recording["run"]["snapshots"]["session:again"]
    result = replay(recording, "session")
    one(result, "path", E, "go1.22.10 again: no snapshot was taken", leg="any")
    assert result["verdict"] == E
    # the other contexts never switch a third time: nothing is missing there
    assert replay(recording, "bash-login")["verdict"] == S
    assert "again" not in replay(recording, "script")["expect"]


def test_foreign_goroot_while_active_is_broken():
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["vars"]["GOROOT"] = "/opt/elsewhere/go"
    result = replay(recording, "bash-login")
    assert result["checks"]["goroot"]["verdict"] == B
    one(result, "goroot", B, f"expected go1.22.10's root {NEW_ROOT}, got exported "
                             "GOROOT=/opt/elsewhere/go")


def test_toolchain_forcing_a_third_version_is_broken():
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["vars"]["GOTOOLCHAIN"] = "go1.23.4"
    after["shell_go"]["version_output"] = "go: downloading go1.23.4 (linux/amd64)"
    result = replay(recording, "bash-login")
    assert result["checks"]["gotoolchain"]["verdict"] == B


def test_outer_toolchain_default_is_no_leak_where_the_new_one_runs():
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["vars"]["GOTOOLCHAIN"] = "go1.21.13+auto"
    result = replay(recording, "bash-login")
    assert result["checks"]["gotoolchain"]["verdict"] == P
    one(result, "gotoolchain", P, "exported GOTOOLCHAIN=go1.21.13+auto, yet go1.22.10 runs here")



def _respelled(entries: list[dict], old: str, new: str) -> None:
    """``old`` spelled as ``new``, the folder it leads to unchanged (as SDKMAN's `sdk use`
    writes …/go/<version>/bin where …/go/current/bin was)."""
    for e in entries:
        if e["entry"] == old:
            e["entry"] = new


def test_a_round_trip_back_to_the_same_folders_spelled_another_way_passes():
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "bash-login", "back")
    real = next(e["real"] for e in back["path_entries"] if e["entry"] == "/usr/local/go/bin")
    assert real == f"{OLD_ROOT}/bin"
    _respelled(back["path_entries"], "/usr/local/go/bin", real)
    result = replay(recording, "bash-login")
    assert leg_verdicts(result, "path", "trip") == {P}
    one(result, "path", P, "PATH is back to the same folders in the same order, 1 spelled "
                           f"another way: ['{OLD_ROOT}/bin for /usr/local/go/bin']", leg="trip")


def test_a_round_trip_judged_by_real_path_still_finds_what_came_and_went():
    # respelled, plus an entry more: only the entry more is residue
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "bash-login", "back")
    _respelled(back["path_entries"], "/usr/local/go/bin", f"{OLD_ROOT}/bin")
    back["path_entries"].append({"entry": "/home/ubuntu/go/bin", "real": None})
    result = replay(recording, "bash-login")
    one(result, "path", L, "expected PATH to keep its 10 entries, got 11 (added "
                           "['/home/ubuntu/go/bin'])", leg="trip")
    assert leg_verdicts(result, "path", "trip") == {L}
    # an entry that leads somewhere else is not the same entry, however it is spelled
    recording = load_run("ubuntu-manual-clean")
    back = snap(recording, "bash-login", "back")
    for e in back["path_entries"]:
        if e["entry"] == "/usr/local/go/bin":
            e["real"] = f"{NEW_ROOT}/bin"
            e["entry"] = f"{NEW_ROOT}/bin"
    result = replay(recording, "bash-login")
    one(result, "path", L, f"expected PATH to keep its 10 entries, got 10 (added "
                           f"['{NEW_ROOT}/bin'])", leg="trip")
    one(result, "path", L, "expected go1.21.13's own PATH entries back, got them missing: "
                           "['/usr/local/go/bin']", leg="trip")
    # two folders that do not exist are told apart by their spelling
    recording = load_run("ubuntu-manual-clean")
    base, back = (snap(recording, "bash-login", p) for p in ("base", "back"))
    base["path_entries"].append({"entry": "/nowhere/a", "real": None})
    back["path_entries"].append({"entry": "/nowhere/b", "real": None})
    result = replay(recording, "bash-login")
    one(result, "path", L, "expected PATH to keep its 11 entries, got 11 (added "
                           "['/nowhere/b'])", leg="trip")
    one(result, "path", B, "expected PATH to keep its 11 entries, got 11 (lost "
                           "['/nowhere/a'])", leg="trip")


def test_a_round_trip_that_drops_only_repeats_is_reported_not_broken():
    recording = load_run("ubuntu-manual-clean")
    base = snap(recording, "bash-login", "base")
    base["path_entries"].insert(0, dict(next(e for e in base["path_entries"]
                                             if e["entry"] == "/usr/bin")))
    result = replay(recording, "bash-login")
    one(result, "path", P, "PATH is back to its entries in their order, less repeats of "
                           "['/usr/bin']", leg="trip")
    assert leg_verdicts(result, "path", "trip") == {P}


# -- what Go itself does with what the snapshot shows --------------------------------------
def test_a_build_with_goexperiment_set_is_judged_by_its_release():
    """runtime.Version() of a program built with GOEXPERIMENT set ends in " X:<experiments>"
    (cmd/link adds it): the release before it is what the build ran with."""
    for built, verdict in (("go1.22.10 X:rangefunc", P), ("go1.21.13 X:rangefunc", L)):
        recording = load_run("ubuntu-manual-clean")
        after = _after(recording)
        after["build"]["runtime_version"] = built
        after["build"]["run"]["stdout"] = built + "\n"
        result = replay(recording, "bash-login")
        assert leg_verdicts(result, "build") == {verdict}, lines(result, "build")
        assert verdict in leg_verdicts(result, "version"), lines(result, "version")
        assert B not in leg_verdicts(result, "version")


def _foreign_go_failing(recording: dict, shell: str, phases=("base", "after", "back")) -> None:
    """A go from outside every install root (the distribution's 1.19) first on PATH in a
    shell the manager never reached, whose go env, build and install all fail."""
    for phase in phases:
        s = snap(recording, shell, phase)
        s.update(go="/usr/bin/go", go_env=None, go_env_error="go: cannot find GOROOT",
                 go_on_path=[{"path": "/usr/bin/go", "real": "/usr/lib/go-1.19/bin/go"}],
                 build={"status": 1, "stderr": "go: cannot find GOROOT directory",
                        "install": {"target": "/home/ubuntu/go/bin/hello", "status": 1,
                                    "stderr": "go: cannot find GOROOT directory", "ran": None}})
        s["shell_go"].update(command="/usr/bin/go", real="/usr/lib/go-1.19/bin/go",
                             version_output="go version go1.19.8 linux/amd64")
        s["vars"]["GOPATH"] = "/home/ubuntu/go"


def test_a_foreign_go_that_fails_where_the_manager_never_was_is_inactive():
    """It failed before the switch too: the switch did not break it."""
    recording = load_run("ubuntu-manual-clean")
    assert replay(recording, "sh")["active"] is False
    _foreign_go_failing(recording, "sh")
    result = replay(recording, "sh")
    assert leg_verdicts(result, "build") == {OFF}, lines(result, "build")
    assert leg_verdicts(result, "goroot") == {OFF}, lines(result, "goroot")
    assert OFF in leg_verdicts(result, "gobin") and B not in leg_verdicts(result, "gobin")
    assert result["verdict"] == OFF


def test_a_foreign_go_the_switch_broke_where_the_manager_never_was_is_broken():
    """It worked before the switch and fails after it: a switch can break a go it does not
    own (Go's own switching writes GOTOOLCHAIN to the GOENV file every go reads)."""
    recording = load_run("ubuntu-manual-clean")
    _foreign_go_failing(recording, "sh", ("base", "after", "back"))
    works = snap(recording, "sh", "base")
    works.update(go_env={"GOROOT": "/usr/lib/go-1.19", "GOPATH": "/home/ubuntu/go"},
                 go_env_error=None,
                 build={"status": 0, "runtime_version": "go1.19.8", "run": {"status": 0}})
    result = replay(recording, "sh")
    one(result, "build", B, "expected `go build` to succeed, got exit 1")
    one(result, "goroot", B, "expected `go env` to work")
    # the way back started from the failing go: what failed before failed again
    assert leg_verdicts(result, "build", "back") == {OFF}


def test_a_foreign_go_that_fails_where_the_manager_is_active_is_broken():
    recording = load_run("ubuntu-manual-clean")
    _foreign_go_failing(recording, "bash-login")
    result = replay(recording, "bash-login")
    assert B in leg_verdicts(result, "build") and B in leg_verdicts(result, "goroot")


def test_a_gopath_reaching_the_old_root_through_a_symlink_is_the_install_target_s_leak():
    """With GOBIN unset go installs into GOPATH's first folder's bin, which need not exist
    yet: it lies where that folder really is."""
    recording = load_run("ubuntu-manual-clean")
    _after(recording)["real"]["/home/ubuntu/go"] = f"{OLD_ROOT}/gopath"
    result = replay(recording, "bash-login")
    one(result, "gobin", L, "expected the go install target (GOBIN unset) not to belong to "
                            "go1.21.13, got /home/ubuntu/go/bin")
    assert L in leg_verdicts(result, "gopath")


@pytest.mark.parametrize("would_be, expected", [(f"{OLD_ROOT}/mybin", L),
                                                 (f"{NEW_ROOT}/mybin", P),
                                                 ("/srv/tools/mybin", S)])
def test_a_gobin_not_made_yet_is_judged_where_go_would_make_it(would_be, expected):
    """GOBIN's last folder does not exist yet (go install makes it), and a folder above it is
    a symlink: the folder is made where the symlink points, in the old root for a leak."""
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["go_env"]["GOBIN"] = "/home/ubuntu/current/mybin"
    after["real"]["/home/ubuntu/current/mybin"] = None
    after["would_be"] = {"/home/ubuntu/current/mybin": would_be}
    result = replay(recording, "bash-login")
    assert expected in leg_verdicts(result, "gobin")
    if expected == L:
        one(result, "gobin", L, "expected GOBIN not to belong to go1.21.13, got "
                                "/home/ubuntu/current/mybin")
    del after["would_be"]  # a probe that did not look: by its spelling, shared
    assert leg_verdicts(replay(recording, "bash-login"), "gobin") == {S, P}


def test_a_gopath_not_made_yet_gives_the_install_target_where_go_would_make_it():
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["go_env"]["GOPATH"] = "/home/ubuntu/current/gopath"
    after["would_be"] = {"/home/ubuntu/current/gopath": f"{OLD_ROOT}/gopath"}
    result = replay(recording, "bash-login")
    one(result, "gobin", L, "expected the go install target (GOBIN unset) not to belong to "
                            "go1.21.13, got /home/ubuntu/current/gopath/bin")
    assert L in leg_verdicts(result, "gopath")


def test_a_gopath_that_is_a_symlink_to_the_old_version_s_folder_is_a_leak():
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["go_env"]["GOPATH"] = "/home/ubuntu/gopath"
    after["real"]["/home/ubuntu/gopath"] = "/home/ubuntu/go/1.21.13"
    result = replay(recording, "bash-login")
    one(result, "gopath", L, "expected go env GOPATH not to belong to go1.21.13, got "
                             "/home/ubuntu/gopath")


@pytest.mark.parametrize("goroot", [f"{NEW_ROOT}/bin", f"{NEW_ROOT}/src"])
def test_a_goroot_inside_the_new_install_that_is_not_its_goroot_is_broken(goroot):
    """go takes any folder as GOROOT and then finds no standard library in it."""
    recording = load_run("ubuntu-manual-clean")
    after = _after(recording)
    after["vars"]["GOROOT"] = after["go_env"]["GOROOT"] = goroot
    after["real"][goroot] = goroot
    result = replay(recording, "bash-login")
    one(result, "goroot", B, f"expected exported GOROOT to be go1.22.10's GOROOT {NEW_ROOT}, "
                             f"got {goroot}, a folder inside its install that is not a GOROOT")
    one(result, "goroot", B, f"expected `go env GOROOT` to be go1.22.10's GOROOT {NEW_ROOT}, "
                             f"got {goroot}")
    # its own GOROOT, spelled through a symlink or with a trailing slash, is its root
    for spelled in ("/usr/local/go", f"{NEW_ROOT}/"):
        recording = load_run("ubuntu-manual-clean")
        after = _after(recording)
        after["vars"]["GOROOT"] = after["go_env"]["GOROOT"] = spelled
        after["real"][spelled] = NEW_ROOT
        assert leg_verdicts(replay(recording, "bash-login"), "goroot") == {P}


def _nested_leg() -> Leg:
    """gotoolchain's roots with a GOPATH inside the old GOROOT: the toolchain module go
    downloads for the new version lies inside the old version's (and the dispatcher's) root."""
    module = "/usr/local/go/gopath/pkg/mod/golang.org/toolchain@v0.0.1-go1.22.10.linux-amd64"
    old = {"root": "/usr/local/go", "real": "/usr/local/go", "goroot": "/usr/local/go",
           "goroot_real": "/usr/local/go"}
    new = {"root": module, "real": module, "goroot": module, "goroot_real": module}
    return Leg(snap={"roots": {"1.21.13": old, "_dispatcher": old, "1.22.10": new}, "real": {}},
               baseline=None, old="1.21.13", new="1.22.10", manager="gotoolchain")


def test_a_path_belongs_to_the_closest_root_when_one_lies_inside_another():
    leg = _nested_leg()
    module = leg.snap["roots"]["1.22.10"]["root"]
    assert leg.owner(f"{module}/bin/go") == "1.22.10"
    assert leg.owner(f"{module}/bin", on_path=True) == "1.22.10"  # not the dispatcher's
    assert leg.owner("/usr/local/go/bin/go") == "1.21.13"
    assert leg.owner("/usr/local/go/gopath/bin") == "1.21.13"  # the GOPATH is in the old root
    assert leg.owner("/usr/local/go/bin", on_path=True) is None  # the dispatcher's own
    assert leg.owner("/usr/local/bin/go") is None
