"""Classification on recorded snapshots: planted leaks must be found, clean switches pass."""

from __future__ import annotations

import pytest

from matrix.checks import CHECKS, classify_cell, overall
from matrix.verdicts import Verdict

from .conftest import load_run

P, L, B, S, OFF, E = (Verdict.PASS, Verdict.LEAK, Verdict.BROKEN, Verdict.SHARED,
                    Verdict.INACTIVE, Verdict.ERROR)


def classify(run: dict, shell: str):
    return classify_cell(run["shells"][shell], run["old"], run["new"], run["manager"],
                         tuple(run["managed_dirs"]))


def verdicts(results) -> dict:
    return {name: r.verdict for name, r in results.items()}


def evidence(results, check: str) -> str:
    return "\n".join(results[check].evidence)


@pytest.mark.parametrize("shell", ["bash-login", "session"])
def test_clean_manual_switch_passes(shell):
    results = classify(load_run("ubuntu-manual-clean"), shell)
    assert verdicts(results) == {"goroot": P, "path": P, "gopath": S, "gobin": S,
                                 "gotoolchain": P, "version": P, "build": P}
    assert "got" not in evidence(results, "version")
    assert "round trip base→back: PASS" in evidence(results, "path")


@pytest.mark.parametrize("shell", ["bash-interactive", "sh"])
def test_manual_is_inactive_where_no_login_file_runs(shell):
    results = classify(load_run("ubuntu-manual-clean"), shell)
    assert set(verdicts(results).values()) == {OFF}
    assert "put nothing on PATH" in evidence(results, "version")


def test_stale_goroot_is_a_leak_and_breaks_the_build():
    results = classify(load_run("ubuntu-manual-stale-goroot"), "bash-login")
    assert results["goroot"].verdict == L
    assert "exported GOROOT=/usr/local/go-1.21.13" in evidence(results, "goroot")
    assert results["build"].verdict == B
    assert 'does not match go tool version "go1.22.10"' in evidence(results, "build")
    assert overall(results) == L


def test_stale_goroot_is_found_even_where_the_manager_is_inactive():
    results = classify(load_run("ubuntu-manual-stale-goroot"), "bash-interactive")
    assert results["goroot"].verdict == L


def test_old_path_entry_leaks_the_old_go():
    results = classify(load_run("ubuntu-manual-old-path-entry"), "bash-login")
    assert results["path"].verdict == L
    assert "got /usr/local/go-1.21.13/bin" in evidence(results, "path")
    assert results["version"].verdict == L
    assert "got go1.21.13" in evidence(results, "version")
    assert results["build"].verdict == L


def test_gopath_in_old_root_leaks():
    results = classify(load_run("ubuntu-manual-gopath-in-old-root"), "bash-login")
    assert results["gopath"].verdict == L
    assert results["gobin"].verdict == L
    assert results["version"].verdict == P


def test_gotoolchain_override_leaks_and_breaks():
    results = classify(load_run("ubuntu-manual-gotoolchain-old"), "bash-login")
    assert results["gotoolchain"].verdict == L
    assert "GOTOOLCHAIN in the GOENV file /home/ubuntu/.config/go/env=go1.21.13" in evidence(
        results, "gotoolchain")
    assert results["version"].verdict == B
    assert results["build"].verdict == B


def test_mise_clean_in_interactive_shells():
    run = load_run("ubuntu-mise-clean")
    for shell in ("bash-interactive", "session"):
        results = classify(run, shell)
        assert verdicts(results) == {"goroot": P, "path": P, "gopath": S, "gobin": P,
                                     "gotoolchain": P, "version": P, "build": P}, shell


def test_mise_inactive_in_login_shell_without_rc():
    results = classify(load_run("ubuntu-mise-clean"), "bash-login")
    assert set(verdicts(results).values()) == {OFF}


def test_wsl2_windows_entries_survive_byte_for_byte():
    results = classify(load_run("wsl2-manual-clean"), "session")
    assert results["path"].verdict == P
    assert "16 PATH entries that are not Go's kept byte for byte" in evidence(results, "path")


# -- mutations of recorded snapshots: each kind of damage must be reported ----------------
def _entries(snap: dict) -> list[dict]:
    return snap["path_entries"]


def test_lost_windows_entry_is_broken():
    run = load_run("wsl2-manual-clean")
    after = run["shells"]["session"]["after"]
    after["path_entries"] = [e for e in _entries(after)
                             if e["entry"] != "/mnt/c/Program Files/Go/bin"]
    results = classify(run, "session")
    assert results["path"].verdict == B
    assert "lost ['/mnt/c/Program Files/Go/bin']" in evidence(results, "path")


def test_entry_split_on_spaces_is_broken():
    run = load_run("wsl2-manual-clean")
    after = run["shells"]["session"]["after"]
    new = []
    for e in _entries(after):
        if e["entry"] == "/mnt/c/Program Files/Go/bin":
            new += [{"entry": "/mnt/c/Program", "real": None},
                    {"entry": "Files/Go/bin", "real": None}]
        else:
            new.append(e)
    after["path_entries"] = new
    results = classify(run, "session")
    assert results["path"].verdict == B
    assert "added ['/mnt/c/Program', 'Files/Go/bin']" in evidence(results, "path")


def test_path_growth_over_round_trip_is_a_leak():
    run = load_run("ubuntu-manual-clean")
    back = run["shells"]["session"]["back"]
    back["path_entries"].append(dict(back["path_entries"][-1]))
    results = classify(run, "session")
    assert results["path"].verdict == L
    text = evidence(results, "path")
    assert "round trip base→back: LEAK" in text and "at most 1 time(s), got 2" in text


def test_shell_remembering_old_go_is_a_leak():
    run = load_run("ubuntu-manual-clean")
    after = run["shells"]["session"]["after"]
    after["shell_go"].update(command="/usr/local/go-1.21.13/bin/go",
                             real="/usr/local/go-1.21.13/bin/go")
    results = classify(run, "session")
    assert results["path"].verdict == L
    assert "remembered by the shell" in evidence(results, "path")


def test_missing_snapshot_is_error_not_pass():
    run = load_run("ubuntu-manual-clean")
    run["shells"]["session"]["after"] = None
    results = classify(run, "session")
    assert all(r.verdict == E for r in results.values())
    assert overall(results) == E


def test_foreign_goroot_while_active_is_broken():
    run = load_run("ubuntu-manual-clean")
    after = run["shells"]["bash-login"]["after"]
    after["vars"]["GOROOT"] = "/opt/elsewhere/go"
    results = classify(run, "bash-login")
    assert results["goroot"].verdict == B


def test_toolchain_forcing_a_third_version_is_broken():
    run = load_run("ubuntu-manual-clean")
    after = run["shells"]["bash-login"]["after"]
    after["vars"]["GOTOOLCHAIN"] = "go1.23.4"
    after["shell_go"]["version_output"] = "go: downloading go1.23.4 (linux/amd64)"
    assert classify(run, "bash-login")["gotoolchain"].verdict == B


def test_outer_toolchain_default_is_no_leak_where_the_new_one_runs():
    run = load_run("ubuntu-manual-clean")
    run["shells"]["bash-login"]["after"]["vars"]["GOTOOLCHAIN"] = "go1.21.13+auto"
    results = classify(run, "bash-login")
    assert results["gotoolchain"].verdict == P
    assert "yet go1.22.10 runs here" in evidence(results, "gotoolchain")


@pytest.mark.parametrize("gopath,expected", [
    ("/home/ubuntu/go/1.21.13", L),  # A's per-version GOPATH still in effect
    ("/home/ubuntu/go/1.22.10", P),  # B's own
    ("/srv/gopath", S),
])
def test_gopath_classification(gopath, expected):
    run = load_run("ubuntu-manual-clean")
    run["shells"]["bash-login"]["after"]["go_env"]["GOPATH"] = gopath
    results = classify(run, "bash-login")
    assert f"go1.21.13→go1.22.10: {expected.value}:" in evidence(results, "gopath")
    if expected == L:
        assert results["gopath"].verdict == L


def test_every_check_reports_evidence():
    results = classify(load_run("ubuntu-manual-clean"), "bash-login")
    assert list(results) == list(CHECKS)
    assert all(r.evidence for r in results.values())
