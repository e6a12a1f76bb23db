"""The harness on purpose-built containers: each kind of planted leak must come out LEAK or
BROKEN, and a clean switch must come out PASS (or SHARED where the tool shares by design)."""

from __future__ import annotations

import pytest

from matrix.checks import classify_cell, overall
from matrix.core.fixtures import Fixture, Step, get_fixture
from matrix.core.platforms import get_platform
from matrix.core.verdicts import Verdict
from matrix.managers import get_manager
from matrix.run.runner import Run, expectations

# Container tests share images (built once, under a lock) and the Docker engine; each looks
# only at its own run's containers, so any xdist worker may run them (tests/conftest.py).
pytestmark = pytest.mark.docker

OLD, NEW = "1.21.13", "1.22.10"
BAD = {Verdict.LEAK, Verdict.BROKEN}


def run_cell(docker_client, image_for, platform: str, manager: str, fixtures=(),
             layered=()):
    """One container run of the global switch after ``fixtures``; those named in ``layered``
    come from their image layer, as the matrix takes them (ImageBuilder.fixture_layer)."""
    plat, man = get_platform(platform), get_manager(manager)
    result = Run(docker_client, image_for(platform, manager, layered), plat, man, OLD, NEW,
                 "global", plat.shells, tuple(get_fixture(f) for f in fixtures),
                 name="planted-" + "-".join(fixtures or ("clean",)), layered=layered).execute()
    assert result.error is None, result.log_tail
    return {shell: classify_cell(result.for_shell(shell), OLD, NEW, manager,
                                 tuple(man.managed_dirs(plat)))
            for shell in plat.shells}


@pytest.mark.parametrize("manager", ["manual", "mise", "gotoolchain"])
def test_clean_switch_passes(docker_client, image_for, manager):
    shells = run_cell(docker_client, image_for, "ubuntu", manager)
    for check, result in shells["session"].items():
        assert result.verdict in (Verdict.PASS, Verdict.SHARED), (check, result.evidence)
    for check in ("goroot", "path", "version", "build"):
        assert shells["session"][check].verdict == Verdict.PASS


# fixture -> the check that must catch it
PLANTED = {
    "stale-goroot": "goroot",
    "old-path-entry": "path",
    "gopath-in-old-root": "gopath",
    "gobin-through-link": "gobin",
    "gotoolchain-old": "gotoolchain",
}

# mise's prompt hook rewrites what it owns at each prompt: it exports GOROOT for the selected
# version (replacing a stale one) and drops PATH entries inside its install directories. It
# also takes GOBIN over: at the first prompt after the switch it unsets the planted one (go
# installs into the shared ~/go/bin), and later exports its own. In the session where the
# hook fires, reporting these as leaks would be false: the session's verdict for each.
HEALED = {("mise", "stale-goroot"): Verdict.PASS, ("mise", "old-path-entry"): Verdict.PASS,
          ("mise", "gobin-through-link"): Verdict.SHARED}


@pytest.mark.parametrize("manager", ["manual", "mise"])
@pytest.mark.parametrize("fixture", list(PLANTED))
def test_planted_leak_is_reported(docker_client, image_for, manager, fixture):
    shells = run_cell(docker_client, image_for, "ubuntu", manager, (fixture,))
    # A shell where the manager is active and every rc line is read: mise's hook is in
    # ~/.bashrc, which a non-interactive login shell leaves after its first lines.
    login = shells["bash-login" if manager == "manual" else "bash-interactive"]
    assert login[PLANTED[fixture]].verdict == Verdict.LEAK, login[PLANTED[fixture]].evidence
    assert overall(login) in BAD
    session = shells["session"]
    if (manager, fixture) in HEALED:
        assert session[PLANTED[fixture]].verdict == HEALED[manager, fixture], \
            session[PLANTED[fixture]]
    else:
        # The interactive session a person types in must not hide the leak either.
        assert overall(session) in BAD, {k: v.evidence for k, v in session.items()}


def _slow_start(script: str):
    """A fixture whose first rc line sleeps in the interactive shell that reads ``script``
    on stdin (session.sh or other.sh): that session starts late, as on a busy machine."""
    return Fixture(f"slow-{script}", f"the rc files sleep in the shell reading {script}",
                   (Step("user", "sed -i '1i case $(readlink /proc/$$/fd/0) in "
                         f"*/{script}) sleep 0.8;; esac' ~/.bashrc"),))


def test_which_session_starts_first_changes_no_verdict(docker_client, image_for):
    """mise's activation touches its data folder, and its prompt hook does its whole work
    again when that folder changed since the shell's last look. Were the other session to
    open after the session, the session's hook would heal the planted GOBIN once before the
    switch (PASS instead of SHARED): the order the two open in is the harness's, not the
    machine's, and every context gives the same verdicts whichever of them starts late."""
    plat, man = get_platform("ubuntu"), get_manager("mise")
    image = image_for("ubuntu", "mise")
    verdicts = []
    for late in ("other.sh", "session.sh"):
        result = Run(docker_client, image, plat, man, OLD, NEW, "global", plat.shells,
                     (get_fixture("gobin-through-link"), _slow_start(late)),
                     name=f"late-{late}").execute()
        assert result.error is None, result.log_tail
        verdicts.append({shell: {check: r.verdict for check, r in classify_cell(
            result.for_shell(shell), OLD, NEW, "mise", tuple(man.managed_dirs(plat))).items()}
            for shell in plat.shells})
    assert verdicts[0] == verdicts[1]
    assert verdicts[0]["session"]["gobin"] == HEALED["mise", "gobin-through-link"]


def test_planted_leak_on_wsl2_keeps_windows_entries(docker_client, image_for):
    shells = run_cell(docker_client, image_for, "wsl2", "manual", ("old-path-entry",))
    path = shells["bash-login"]["path"]
    assert path.verdict == Verdict.LEAK
    assert any("not Go's kept byte for byte" in line for line in path.evidence)


def test_gotoolchain_exported_pin_beats_the_go_mod_toolchain_line(docker_client, image_for):
    # An `export GOTOOLCHAIN=go<old>` in the rc files forces the old Go inside a project whose
    # go.mod names the new one: Go's own switching leaks the old version there. (A pin in the
    # GOENV file cannot survive this manager: its global selection rewrites that file.)
    plat, man = get_platform("ubuntu"), get_manager("gotoolchain")
    result = Run(docker_client, image_for("ubuntu", "gotoolchain"), plat, man, OLD, NEW,
                 "directory", plat.shells, (get_fixture("gotoolchain-env-old"),),
                 name="planted-gotoolchain").execute()
    assert result.error is None, result.log_tail
    clean = Run(docker_client, image_for("ubuntu", "gotoolchain"), plat, man, OLD, NEW,
                "directory", plat.shells, (), name="planted-gotoolchain-clean").execute()
    for run, bad in ((result, True), (clean, False)):
        cells = classify_cell(run.for_shell("bash-login"), OLD, NEW, "gotoolchain",
                              tuple(man.managed_dirs(plat)),
                              expectations("directory", "bash-login", OLD, NEW))
        toolchain = cells["gotoolchain"]
        if bad:
            assert toolchain.verdict == Verdict.LEAK, toolchain.evidence
            assert any("got exported GOTOOLCHAIN=go1.21.13" in line
                       for line in toolchain.evidence), toolchain.evidence
            assert cells["version"].verdict == Verdict.LEAK, cells["version"].evidence
        else:
            assert toolchain.verdict == Verdict.PASS, toolchain.evidence
            assert cells["version"].verdict == Verdict.PASS, cells["version"].evidence


# Each default pollution fixture, on a platform it applies to, and what must catch it in which
# shell context: one container run per fixture, every expectation checked on it. distro-go, a
# package install of half a minute, comes from its image layer as in the matrix: that a layer
# gives the verdicts of the same fixture applied in the container is test_fixture_layers's.
LAYERED = {"distro-go"}
POLLUTION = {
    ("ubuntu", "manual", "etc-environment"): [
        ("bash-login", "goroot", Verdict.LEAK, "got exported GOROOT=/usr/local/go-1.21.13"),
        ("sh", "goroot", Verdict.INACTIVE, "no go on PATH")],
    ("ubuntu", "manual", "gopath-tmp"): [("bash-login", "gopath", Verdict.SHARED, "/tmp/go")],
    ("ubuntu", "manual", "distro-go"): [
        ("bash-login", "path", Verdict.BROKEN, "/usr/bin/go"),
        ("sh", "version", Verdict.INACTIVE, "go1.19")],
    ("ubuntu", "mise", "goenv-pinned"): [("session", "gotoolchain", Verdict.LEAK, "GOTOOLCHAIN")],
    ("wsl2", "manual", "windows-go"): [("sh", "gopath", Verdict.SHARED, "/mnt/c/Users/dev/go")],
    ("macos-runner", "manual", "paths-d-go"): [
        ("zsh-login", "version", Verdict.LEAK, "got go1.21.13")],
}


@pytest.mark.parametrize("platform,manager,fixture", list(POLLUTION),
                         ids=["-".join(key) for key in POLLUTION])
def test_pollution_fixture_is_detected(docker_client, image_for, platform, manager, fixture):
    shells = run_cell(docker_client, image_for, platform, manager, (fixture,),
                      layered=tuple({fixture} & LAYERED))
    for shell, check, verdict, text in POLLUTION[platform, manager, fixture]:
        result = shells[shell][check]
        assert result.verdict == verdict, (shell, check, result.evidence)
        assert any(text in line for line in result.evidence), (shell, check, result.evidence)


@pytest.mark.parametrize("manager, fixtures", [("manual", ()), ("mise", ("stale-goroot",)),
                                               ("gotoolchain", ("old-path-entry",))])
def test_parallel_probes_and_build_reuse_change_no_verdict(docker_client, image_for, manager,
                                                           fixtures):
    """The speed-ups take the same snapshots: every check of every shell context gets the
    same verdict with them and without them, identical builds say they were reused, and the
    batched steps are the same steps in the same order with the same statuses."""
    from matrix.run.runner import RunOptions

    plat, man = get_platform("ubuntu"), get_manager(manager)
    results = {}
    for options in (RunOptions(), RunOptions(parallel_probes=False, build_reuse=False,
                                             batched_steps=False)):
        result = Run(docker_client, image_for("ubuntu", manager), plat, man, OLD, NEW,
                     "global", plat.shells, tuple(get_fixture(f) for f in fixtures),
                     name=f"speed-{options.parallel_probes}", options=options).execute()
        assert result.error is None, result.log_tail
        results[options.parallel_probes] = result
        reused = [s for s in result.snapshots.values() if (s.get("build") or {}).get("reused")]
        assert bool(reused) == options.build_reuse
    for shell in plat.shells:
        fast, slow = (classify_cell(results[p].for_shell(shell), OLD, NEW, manager,
                                    tuple(man.managed_dirs(plat))) for p in (True, False))
        assert {k: v.verdict for k, v in fast.items()} == {
            k: v.verdict for k, v in slow.items()}, shell
    steps = {p: [(s["step"], s["status"]) for s in results[p].steps
                 if not s["step"].startswith(("probe", "traced"))] for p in (True, False)}
    assert steps[True] == steps[False]
