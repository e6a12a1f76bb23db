"""Steps that follow one another with no decision in between run in one ``docker exec``
(``Run._in_turn``): each still runs as a step of its own would, in its own ``/bin/sh -c``
child, and is logged with its own status, outputs and seconds."""

from __future__ import annotations

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.run.runner import Run, RunOptions, Step, StepFailed

from .conftest import run_as

pytestmark = pytest.mark.docker

UBUNTU = get_platform("ubuntu")
# what a step's process is given: environment, folder, user, standard streams, signals, umask
STATE = ("env | sort; pwd; id; readlink /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 "
         "| sed 's/:.*//'; grep -E '^Sig(Blk|Ign|Cgt)' /proc/self/status; umask")


def _run_in(container, batched: bool) -> Run:
    import testinfra

    run = Run(None, None, UBUNTU, get_manager("manual"), "1.21.13", "1.22.10", "global",
              UBUNTU.shells, options=RunOptions(batched_steps=batched))
    run._container = container
    run._user = testinfra.get_host(f"docker://{UBUNTU.user}@{container.id}")
    return run


@pytest.fixture(scope="module")
def container(image_for, start_container):
    return start_container(image_for.platform("ubuntu").tag, UBUNTU.user)


def test_each_step_keeps_its_own_status_outputs_and_time(container):
    run = _run_in(container, batched=True)
    seen = []
    run._in_turn(run._user, [
        Step("a", "sh -c %s", ("printf 'one\\ntwo'; echo err >&2; exit 3",),
             then=lambda out: seen.append(out.rc)),
        Step("b", "true"),
        Step("c", "sh -c %s", ("sleep 0.3; echo 'it''s' $((1+1))",)),
    ])
    a, b, c = run.result.steps
    assert (a["step"], a["status"], a["stdout"], a["stderr"]) == ("a", 3, "one\ntwo", "err\n")
    assert (b["status"], b["stdout"], b["stderr"]) == (0, "", "")
    assert (c["status"], c["stdout"]) == (0, "its 2\n")
    assert c["seconds"] >= 0.3 > a["seconds"]
    assert seen == [3]  # `then` has the step's own outcome
    assert c["command"].startswith("timeout 300 sh -c ")  # as testinfra quotes a step


def test_a_batched_step_runs_as_a_step_of_its_own_would(container):
    states = {}
    for batched in (True, False):
        run = _run_in(container, batched)
        run._in_turn(run._user, [Step("before", "true"), Step("state", "sh -c %s", (STATE,))])
        states[batched] = run.result.steps[1]["stdout"]
    assert "HOME=/home/ubuntu" in states[True] and "/dev/null" in states[True]
    assert states[True] == states[False]


def test_a_checked_step_that_fails_ends_the_batch(container):
    run = _run_in(container, batched=True)
    with pytest.raises(StepFailed, match="step 'check' exited 4: no roots"):
        run._in_turn(run._user, [
            Step("check", "sh -c %s", ("echo no roots >&2; exit 4",), check=True),
            Step("after", "touch /tmp/govm-ran-after-a-failed-check")])
    assert [s["step"] for s in run.result.steps] == ["check"]
    status, _ = run_as(container, "root", "test -e /tmp/govm-ran-after-a-failed-check")
    assert status == 1


def test_a_run_that_does_not_observe_takes_two_execs(docker_client, image_for, monkeypatch):
    """A global run that does not observe the switching: one exec from the first step to the
    reading of every snapshot (the other session opened in it, in the background), one for
    the atomic check's traced reads, its traced switch and the reading of the traces."""
    import docker.models.containers
    import testinfra.backend.docker

    from matrix.run import runner

    execs = []

    def counted(name, function):
        def call(*args, **kwargs):
            execs.append(name)
            return function(*args, **kwargs)
        return call

    backend = testinfra.backend.docker.DockerBackend
    monkeypatch.setattr(backend, "run", counted("testinfra", backend.run))
    monkeypatch.setattr(runner, "execute", counted("execute", runner.execute))
    container = docker.models.containers.Container
    monkeypatch.setattr(container, "exec_run", counted("exec_run", container.exec_run))
    old, new = "1.22.10", "1.21.13"  # from the newer to the older: no observers
    result = Run(docker_client, image_for("ubuntu", "manual"), UBUNTU, get_manager("manual"),
                 old, new, "global", UBUNTU.shells).execute()
    assert result.error is None, result.log_tail
    assert execs == ["testinfra", "testinfra"]
    assert set(result.snapshots) == {f"{shell}:{phase}" for shell in UBUNTU.shells
                                     for phase in result.for_shell(shell)}
    assert all(result.snapshots[f"other-session:{phase}"]["go_version"]
               for phase in ("base", "after", "back"))
    reads = result.atomic["reads"]  # from the traces, read back after the switch
    assert reads and all(any(path.startswith("/usr/local/go") for path in paths)
                         for paths in reads.values())
    assert result.atomic["traced_status"] == 0
    assert result.atomic["windows"] == []  # ln -sfn renames a new link over the old one
    assert "observations" not in result.atomic
