"""The container run's decisions that need no container: what makes a cell UNSUPPORTED."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.run.runner import Run, StepFailed, fixture_values

UBUNTU = get_platform("ubuntu")


def _run_with_probe_answer(status: int, output: str) -> Run:
    run = Run(cli=None, image=None, platform=UBUNTU, manager=get_manager("sdkman"),
              old="1.21.13", new="1.22.10", scope="global", shells=UBUNTU.shells)
    run._login = lambda step, command, check=True: SimpleNamespace(rc=status, stdout=output,
                                                                   stderr="")
    return run


def test_the_manager_s_own_refusal_makes_the_cell_unsupported():
    run = _run_with_probe_answer(1, "\nStop! go is not a valid candidate.\n")
    run._steps()
    assert run.result.unsupported.endswith("exited 1: Stop! go is not a valid candidate.")


@pytest.mark.parametrize("status, output", [
    (127, "bash: line 1: /home/ubuntu/.sdkman/bin/sdkman-init.sh: No such file or directory"),
    (127, ""),
])
def test_a_broken_install_is_an_error_not_unsupported(status, output):
    run = _run_with_probe_answer(status, output)
    with pytest.raises(StepFailed, match=f"exited {status} without sdkman's refusal"):
        run._steps()
    assert run.result.unsupported is None


def test_fixture_values_are_the_goroots_not_the_install_folders():
    roots = {"1.21.13": {"install": "/h/.asdf/installs/golang/1.21.13",
                         "goroot": "/h/.asdf/installs/golang/1.21.13/go"},
             "1.22.10": {"install": "/h/.asdf/installs/golang/1.22.10",
                         "goroot": "/h/.asdf/installs/golang/1.22.10/go"}}
    values = fixture_values(UBUNTU, "1.21.13", "1.22.10", roots)
    assert values == {"old": "1.21.13", "new": "1.22.10", "home": "/home/ubuntu",
                      "old_root": "/h/.asdf/installs/golang/1.21.13/go",
                      "new_root": "/h/.asdf/installs/golang/1.22.10/go"}


def test_fixture_commands_run_in_order_one_exec_for_each_run_of_one_user_s():
    """A fixture's commands keep their order and their user; those of one user that follow
    one another share one exec, and the user's last ones share the exec of what follows."""
    from matrix.core.fixtures import Fixture
    from matrix.core.fixtures import Step as FixtureStep

    roots = {v: {"install": f"/opt/go-{v}", "goroot": f"/opt/go-{v}"}
             for v in ("1.21.13", "1.22.10")}
    fixtures = (
        Fixture("as-root", "", (FixtureStep("root", "echo r1"), FixtureStep("root", "echo r2"))),
        Fixture("mixed", "", (FixtureStep("user", "echo u1 {old_root}"),
                              FixtureStep("root", "echo r3"), FixtureStep("user", "echo u2"),
                              FixtureStep("user", "echo u3"))))
    run = Run(cli=None, image=None, platform=UBUNTU, manager=get_manager("manual"),
              old="1.21.13", new="1.22.10", scope="global", shells=("sh",), fixtures=fixtures)
    run._user, run._root = "user", "root"
    execs = []

    def in_turn(host, steps):
        execs.append((host, [(s.name, s.args[-1] if s.args else s.command) for s in steps]))
        if steps[0].name == "read install roots":
            run.result.roots = roots
        if any(s.name.startswith("select") for s in steps):
            raise StepFailed("stop after the first batch")

    run._in_turn = in_turn
    with pytest.raises(StepFailed, match="stop after the first batch"):
        run._steps()
    assert [host for host, _ in execs] == ["user", "root", "user", "root", "user"]
    assert [command for _, steps in execs[1:4] for _, command in steps] == [
        "echo r1", "echo r2", "echo u1 /opt/go-1.21.13", "echo r3"]
    last = execs[4][1]
    assert last[:2] == [("fixture mixed", "echo u2"), ("fixture mixed", "echo u3")]
    assert [name for name, _ in last[2:4]] == ["select go1.21.13", "probe sh base"]


def test_a_container_run_starts_with_what_a_login_sets_then_the_fixtures_variables():
    from matrix.core.fixtures import get_fixture

    started = {}

    class Containers:
        def run(self, image, command, **kwargs):
            started.update(kwargs)
            raise StepFailed("enough")

    cli = SimpleNamespace(containers=Containers())
    wsl2 = get_platform("wsl2")
    run = Run(cli=cli, image=SimpleNamespace(tag="t"), platform=wsl2,
              manager=get_manager("manual"), old="1.21.13", new="1.22.10", scope="global",
              shells=wsl2.shells, fixtures=(get_fixture("windows-go"),))
    assert run.execute().error == "enough"
    assert started["environment"] == {"USER": "dev", "LOGNAME": "dev", "SHELL": "/bin/bash",
                                      "GOPATH": "/mnt/c/Users/dev/go",
                                      "WSLENV": "WT_SESSION:WT_PROFILE_ID::GOPATH/p"}
