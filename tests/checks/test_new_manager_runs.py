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
                                "gotoolchain": P, "version": P, "build": P}
    one(result, "goroot", L, f"expected GOROOT unset or go1.22.10's root, got exported "
                             f"GOROOT={HOME}/.goenv/versions/1.21.13 (go1.21.13's root)")
    one(result, "goroot", P, f"`go env GOROOT` is {HOME}/.goenv/versions/1.22.10")


def test_goenv_new_shells_run_the_init_again_and_pass():
    result = replay(load_run("ubuntu-goenv-clean"), "bash-interactive")
    assert set(verdicts(result).values()) == {P}
    one(result, "gopath", P, f"go env GOPATH {HOME}/go/1.22.10 belongs to go1.22.10")


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
    assert replay(load_run("ubuntu-goenv-clean"), "bash-interactive")["verdict"] == P


# -- gvm ----------------------------------------------------------------------------------
def test_gvm_default_reaches_new_shells_with_its_pkgset_gopath():
    result = replay(load_run("ubuntu-gvm-clean"), "bash-interactive")
    assert set(verdicts(result).values()) == {P}
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
