"""Classification of the newer managers' recorded runs: goenv, gvm, g and the distribution's
packages, each a real container run (tests/data/record.py) replayed through the matrix's own
function. Each planted or reported leak is asserted on its own evidence line, and each mutation
has its undamaged counterpart."""

from __future__ import annotations

import pytest

from ..conftest import load_run, replay, snap
from .test_checks import OFF, B, L, P, S, lines, one, verdicts

HOME = "/home/ubuntu"


# -- goenv --------------------------------------------------------------------------------
def test_goenv_init_exports_goroot_once_and_the_session_keeps_it_stale():
    """go-nv/goenv#233: the init exported GOROOT; `goenv global` in that same shell leaves it
    naming the old version, although the shims already run the new one."""
    result = replay(load_run("ubuntu-goenv-clean"), "session")
    assert verdicts(result) == {"goroot": L, "path": P, "gopath": P, "gobin": P,
                                "gotoolchain": P, "version": P, "build": P, "atomic": B}
    one(result, "goroot", L, f"expected GOROOT unset or go1.22.10's root, got exported "
                             f"GOROOT={HOME}/.goenv/versions/1.21.13 (go1.21.13's root)")
    one(result, "goroot", P, f"`go env GOROOT` is {HOME}/.goenv/versions/1.22.10")


def test_goenv_new_shells_run_the_init_again_and_pass():
    result = replay(load_run("ubuntu-goenv-clean"), "bash-interactive")
    assert {k: v for k, v in verdicts(result).items() if k != "atomic"} == {
        k: P for k in verdicts(result) if k != "atomic"}
    one(result, "gopath", P, f"go env GOPATH {HOME}/go/1.22.10 belongs to go1.22.10")


def test_goenv_global_rewrites_its_version_file_in_place():
    """`goenv global` empties ~/.goenv/version and writes it again: a shell that looks for its
    go in that moment finds none selected. Decided from the trace."""
    result = replay(load_run("ubuntu-goenv-clean"), "bash-interactive")
    line = one(result, "atomic", B, "expected `~/.goenv/bin/goenv global <version>` to replace "
                                    "what this shell reads at once", leg="any")
    assert f"got {HOME}/.goenv/version empty or half-written" in line


def test_goenv_s_exported_goroot_removed_is_no_longer_a_leak():
    recording = load_run("ubuntu-goenv-clean")
    for phase in ("after", "again"):
        snap(recording, "session", phase)["vars"]["GOROOT"] = None
    assert replay(recording, "session")["checks"]["goroot"]["verdict"] == P


def test_goenv_per_version_gopath_of_the_old_version_leaks():
    """goenv's GOPATH is ~/go/<version>: the old version's, after the switch, is a leak (the
    folder belongs to that version although it lies outside its install folder)."""
    recording = load_run("ubuntu-goenv-clean")
    after = snap(recording, "bash-interactive", "after")
    after["go_env"]["GOPATH"] = f"{HOME}/go/1.21.13"
    result = replay(recording, "bash-interactive")
    one(result, "gopath", L, f"expected go env GOPATH not to belong to go1.21.13, got "
                             f"{HOME}/go/1.21.13")


def test_goenv_goroot_bin_ahead_of_the_shims_pins_the_old_version():
    """go-nv/goenv#294: $GOROOT/bin on PATH ahead of the shims; entering the pinned folder
    does not change the version."""
    result = replay(load_run("ubuntu-goenv-goroot-bin-path"), "bash-interactive")
    one(result, "path", L, f"expected the first go on PATH in go1.22.10's root, got "
                           f"{HOME}/.goenv/versions/1.21.13/bin/go")
    one(result, "version", L, "expected `go version` in the shell go1.22.10, got go1.21.13")
    assert result["verdict"] == L
    clean = replay(load_run("ubuntu-goenv-clean"), "bash-interactive")
    assert clean["checks"]["version"]["verdict"] == P


# -- gvm ----------------------------------------------------------------------------------
def test_gvm_default_reaches_new_shells_with_its_pkgset_gopath():
    result = replay(load_run("ubuntu-gvm-clean"), "bash-interactive")
    assert {v for k, v in verdicts(result).items() if k != "atomic"} == {P}
    one(result, "gopath", P, f"go env GOPATH {HOME}/.gvm/pkgsets/go1.22.10/global belongs "
                             "to go1.22.10")


def test_gvm_other_session_keeps_the_old_pkgset_gopath():
    result = replay(load_run("ubuntu-gvm-clean"), "other-session")
    one(result, "gopath", L, f"expected go env GOPATH not to belong to go1.21.13, got "
                             f"{HOME}/.gvm/pkgsets/go1.21.13/global")
    one(result, "gobin", L, "expected the go install target (GOBIN unset) not to belong to "
                            f"go1.21.13, got {HOME}/.gvm/pkgsets/go1.21.13/global/bin")


def test_gvm_pkgset_gopath_planted_in_a_clean_shell_leaks():
    recording = load_run("ubuntu-gvm-clean")
    snap(recording, "bash-interactive", "after")["go_env"]["GOPATH"] = \
        f"{HOME}/.gvm/pkgsets/go1.21.13/global"
    result = replay(recording, "bash-interactive")
    assert result["checks"]["gopath"]["verdict"] == L
    assert result["checks"]["goroot"]["verdict"] == P


def test_gvm_cd_switches_on_entering_and_not_on_leaving():
    result = replay(load_run("ubuntu-gvm-directory"), "session")
    one(result, "version", L, "expected `go version` in the shell go1.21.13, got go1.22.10",
        leg="back")
    assert not lines(result, "version", L)[0].startswith("go1.21.13→go1.22.10")
    # the old version's own PATH entries not restored is the same leak, not a damaged PATH
    one(result, "path", L, "expected go1.21.13's own PATH entries back", leg="trip")
    assert not lines(result, "path", B)


# -- g ------------------------------------------------------------------------------------
def test_g_s_fixed_goroot_symlink_is_shared_by_design():
    result = replay(load_run("ubuntu-g-clean"), "session")
    assert verdicts(result)["goroot"] == S
    one(result, "goroot", S, f"exported GOROOT {HOME}/.g/go is one path every version shares "
                             f"by design (a symlink the switch re-points, now to "
                             f"{HOME}/.g/versions/1.22.10")
    assert verdicts(result)["version"] == P


def test_g_use_removes_the_symlink_before_making_it_again():
    """`g use` unlinks ~/.g/go and makes it again: the trace shows the window, and builds that
    ran while it was switched failed (the go of one version, the tools of the other)."""
    result = replay(load_run("ubuntu-g-clean"), "session")
    one(result, "atomic", B, "expected `~/.g/bin/g use <version>` to replace what this shell "
                             f"reads at once, got {HOME}/.g/go missing from unlinkat until "
                             "symlinkat", leg="any")
    assert result["verdict"] == B


def test_manual_ln_sfn_is_atomic_with_every_observation_whole():
    recording = load_run("ubuntu-manual-clean")
    measured = recording["run"]["atomic"]
    assert measured["windows"] == [] and measured["switches"] >= 24
    result = replay(recording, "bash-login")
    line = one(result, "atomic", P, "atomic: `sudo ln -sfn /usr/local/go-<version> "
                                    "/usr/local/go` leaves no path missing", leg="any")
    assert f"all {len(measured['observations']['bash-login'])} observations" in line


def test_g_s_symlink_left_on_the_old_version_leaks():
    recording = load_run("ubuntu-g-clean")
    after = snap(recording, "session", "after")
    after["real"][f"{HOME}/.g/go"] = f"{HOME}/.g/versions/1.21.13"
    result = replay(recording, "session")
    one(result, "goroot", L, f"expected GOROOT unset or go1.22.10's root, got exported "
                             f"GOROOT={HOME}/.g/go")


def test_a_goroot_that_changes_its_path_is_not_called_shared():
    """The SHARED reading needs one path before and after: a GOROOT exported as each
    version's own folder is PASS (goenv's new shells)."""
    result = replay(load_run("ubuntu-goenv-clean"), "bash-interactive")
    assert not lines(result, "goroot", S)


# -- the distribution's packages ------------------------------------------------------------
def test_distro_reports_the_version_installed_beside_the_one_asked():
    result = replay(load_run("ubuntu-distro-clean"), "bash-login")
    assert result["installed"] == {"1.21.13": "1.21.13", "1.22.10": "1.22.12"}
    one(result, "version", P, "`go version` in the shell: go1.22.12")


def test_distro_profile_line_does_not_reach_the_running_session():
    result = replay(load_run("ubuntu-distro-clean"), "session")
    one(result, "path", L, "expected the first go on PATH in go1.22.12's root, got "
                           "/usr/lib/go-1.21/bin/go")


@pytest.mark.parametrize("shell", ["sh", "bash-login", "bash-interactive", "session",
                                   "other-session"])
def test_distro_alternatives_reach_every_shell(shell):
    result = replay(load_run("ubuntu-distro-alternatives-clean"), shell)
    assert verdicts(result)["version"] == P and result["verdict"] == S
    assert result["active"] is True


def test_distro_inactive_where_no_profile_runs():
    result = replay(load_run("ubuntu-distro-clean"), "sh")
    assert set(verdicts(result).values()) == {OFF}


# -- the script context ----------------------------------------------------------------------
def test_a_script_with_the_manager_s_documented_activation_switches_and_passes():
    for name in ("ubuntu-manual-clean", "ubuntu-mise-clean", "ubuntu-mise-directory"):
        result = replay(load_run(name), "script")
        assert result["active"] is True, name
        assert {v for k, v in verdicts(result).items()
                if k not in ("gopath", "gobin")} == {P}, (name, verdicts(result))


def test_a_switch_the_manager_refuses_in_a_script_is_unsupported_in_its_own_words():
    result = replay(load_run("ubuntu-mise-session"), "script")
    assert result["verdict"] == "UNSUPPORTED"
    assert result["error"].startswith("mise refuses this switch here: after: `mise shell "
                                      "go@1.22.10` exited 1: mise ERROR mise is not activated")


def test_a_script_switch_that_fails_otherwise_is_broken():
    recording = load_run("ubuntu-manual-clean")
    recording["run"]["context_failures"] = {
        "script": ["after: `sudo ln -sfn …` exited 1: sudo: a password is required"]}
    result = replay(recording, "script")
    one(result, "version", B, "expected the switch to work, got after: `sudo ln -sfn",
        leg="any")
    assert replay(recording, "bash-login")["checks"]["version"]["verdict"] == P


# -- what activation injects -----------------------------------------------------------------
def test_mise_activation_adds_its_function_a_replaced_cd_and_a_prompt_hook():
    found = replay(load_run("ubuntu-mise-clean"), "bash-interactive")["injected"]
    assert {"mise", "cd", "_mise_hook"} <= set(found["functions"])
    assert found["hooks"] == {"PROMPT_COMMAND": "_mise_hook_prompt_command"}
    assert "MISE_SHELL" in found["variables"]


def test_gvm_replaces_cd_and_goenv_adds_its_function_and_manual_nothing_but_path():
    gvm = replay(load_run("ubuntu-gvm-clean"), "bash-interactive")["injected"]
    assert {"gvm", "cd"} <= set(gvm["functions"]) and "GVM_ROOT" in gvm["variables"]
    goenv = replay(load_run("ubuntu-goenv-clean"), "session")["injected"]
    assert goenv["functions"] == ["_goenv", "goenv"] and "GOROOT" in goenv["variables"]
    manual = replay(load_run("ubuntu-manual-clean"), "bash-login")["injected"]
    assert (manual["functions"], manual["hooks"], manual["variables"]) == ([], {}, [])
    assert manual["path_added"] == ["/usr/local/go/bin"]


def test_injection_is_what_the_bare_platform_lacks_not_what_the_shell_has():
    recording = load_run("ubuntu-manual-clean")
    base = snap(recording, "bash-login", "base")
    base["shell"]["functions"] = sorted([*base["shell"]["functions"], "planted_fn"])
    assert replay(recording, "bash-login")["injected"]["functions"] == ["planted_fn"]
    recording["shells"]["bash-login"]["functions"].append("planted_fn")
    assert replay(recording, "bash-login")["injected"]["functions"] == []
