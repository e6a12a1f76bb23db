"""The Docker daemon going away, in the harness's own logic: the SDK's and requests' errors in
words, one recorded event, a bounded wait, the group run again when the daemon is back, and
every group left ERROR with a reason a person understands when it is not. Containers are
labelled with their run's owner; dead owners' containers are reaped, and stopped ones that
carry no owner. (The container
test with a daemon the test stops and starts is tests/docker/test_daemon_loss.py.)"""

from __future__ import annotations

import os
import subprocess
import sys

import docker.errors
import pytest
import requests.exceptions
import urllib3.exceptions

from matrix.build import engine
from matrix.core.cells import Cell, Scenario
from matrix.core.errors import MatrixError
from matrix.core.verdicts import Verdict
from matrix.run.daemon import DaemonWatch, describe_events
from matrix.run.results import GroupOutcome

from ..conftest import Pings

GONE = requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
    "Connection aborted.", FileNotFoundError(2, "No such file or directory")))
KILLED = requests.exceptions.ConnectionError(urllib3.exceptions.ProtocolError(
    "Connection aborted.", ConnectionRefusedError(111, "Connection refused")))


@pytest.mark.parametrize("exc, words", [
    (GONE, "the Docker daemon stopped answering"),
    (KILLED, "the Docker daemon stopped answering"),
    (requests.exceptions.ChunkedEncodingError("Response ended prematurely"),
     "the Docker daemon stopped answering"),
    (requests.exceptions.ReadTimeout("Read timed out. (read timeout=3)"),
     "did not answer in time"),
    (docker.errors.DockerException("Error while fetching server API version: ('Connection "
                                   "aborted.', FileNotFoundError(2, 'No such file'))"),
     "the Docker daemon stopped answering"),
    (docker.errors.NotFound("No such container: abc"), "Docker no longer has it"),
    (docker.errors.APIError("500 Server Error", explanation="driver failed"),
     "Docker refused: driver failed"),
    (ValueError("bad value"), "ValueError: bad value"),
])
def test_errors_are_words_never_reprs(exc, words):
    text = engine.describe(exc)
    assert words in text
    assert "Error(" not in text and "(2, " not in text and "\n" not in text


def test_a_step_s_output_naming_the_daemon_counts_as_losing_it():
    assert engine.lost("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                       "Is the docker daemon running?")
    assert not engine.lost("go: no such tool")


def test_owners_are_alive_dead_or_not_ours():
    assert engine.owner_alive(engine.owner()) is True
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    value = engine.owner(child.pid)
    child.wait()
    assert engine.owner_alive(value) is False  # exited: never a live run again
    host, pid, start = engine.owner().split(":")
    assert engine.owner_alive(f"{host}:{pid}:{int(start) + 1}") is False  # a reused pid
    assert engine.owner_alive(f"another-host:{pid}:{start}") is None


def test_labels_carry_the_run_and_its_owner():
    engine.set_owner("r1", "h:1:2")
    found = engine.labels("r1", cell="g")
    assert found["io.govm-matrix.run"] == "r1" and found["io.govm-matrix.owner"] == "h:1:2"
    assert found["io.govm-matrix.cell"] == "g"


def test_one_loss_one_event_back_within_the_wait(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DAEMON_WAIT", 10.0)
    watch = DaemonWatch(tmp_path)
    first = watch.lost("ubuntu/manual/…/global")
    again = watch.lost("ubuntu/mise/…/global")  # a second process notices the same loss
    assert first["lost_at"] == again["lost_at"] and again["during"] == "ubuntu/manual/…/global"
    pings = Pings(failing=1)
    assert watch.wait(lambda: engine.answers(pings)) is True
    state = watch.state()
    assert state["state"] == "back" and len(state["events"]) == 1
    [line] = describe_events(state, [])
    assert "stopped answering at" in line and "answered again" in line


def test_a_daemon_that_does_not_come_back_is_given_up_once(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DAEMON_WAIT", 0.3)
    watch = DaemonWatch(tmp_path)
    watch.lost("ubuntu/manual/…/global")
    pings = Pings(failing=10**6)
    assert watch.wait(lambda: engine.answers(pings)) is False
    calls = pings.calls
    assert watch.wait(lambda: engine.answers(pings)) is False
    assert pings.calls == calls  # gone: no more waiting
    reason = watch.reason()
    assert reason.startswith("the Docker daemon stopped answering at ")
    assert "did not answer again within 0 s: this cell could not run" in reason
    cells = [{"error": reason}, {"error": reason}, {"error": None}]
    [line] = describe_events(watch.state(), cells)
    assert line.endswith("2 cells could not run")


class _Session:
    """The part of MatrixSession that guards a group, with a scripted daemon; with
    ``unreached``, this process had no client yet and cannot make one while the daemon is
    down (``engine.client`` raises)."""

    from matrix.run.session import MatrixSession as _S

    _guarded_run = _S._guarded_run
    through_daemon_loss = _S.through_daemon_loss
    answers = _S.answers

    def __init__(self, folder, pings, runs, unreached=False):
        self.daemon = DaemonWatch(folder)
        self.pings, self.runs, self.calls = pings, runs, 0
        self.reached = not unreached
        self._image_outcomes = {}

    @property
    def cli(self):
        if not self.reached:
            if not engine.answers(self.pings):
                raise MatrixError("no Docker daemon answers (nothing listens on unix:///x)")
            self.reached = True
        return self.pings

    def _run_group(self, cell):
        self.calls += 1
        self.cli  # noqa: B018 (a group's first docker call)
        step = self.runs.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step


CELL = Cell("ubuntu", "manual", Scenario("1.21.13", "1.22.10"), "bash-login")


def test_a_group_cut_short_runs_again_once_the_daemon_is_back(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DAEMON_WAIT", 10.0)
    fine = GroupOutcome(verdict=Verdict.UNSUPPORTED, reason="no session scope")
    session = _Session(tmp_path, Pings(failing=2), [GONE, fine])
    assert session._guarded_run(CELL) is fine and session.calls == 2
    assert session.daemon.state()["state"] == "back"


def test_when_the_daemon_stays_away_no_group_starts_and_each_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DAEMON_WAIT", 0.2)
    session = _Session(tmp_path, Pings(failing=10**6), [GONE])
    outcome = session._guarded_run(CELL)
    assert outcome.verdict == Verdict.ERROR
    assert "did not answer again within 0 s" in outcome.reason
    later = session._guarded_run(CELL)  # the next group: not started at all
    assert later.verdict == Verdict.ERROR and session.calls == 1


def test_a_process_that_never_reached_the_daemon_waits_for_it_like_any_other(tmp_path,
                                                                            monkeypatch):
    """The daemon went away before this process made its client (e.g. while the controller
    measured the shells, before the cells' process started): a loss, not a harness error."""
    monkeypatch.setattr(engine, "DAEMON_WAIT", 10.0)
    fine = GroupOutcome(verdict=Verdict.UNSUPPORTED, reason="no session scope")
    session = _Session(tmp_path, Pings(failing=3), [fine], unreached=True)
    assert session._guarded_run(CELL) is fine and session.calls == 2
    assert session.daemon.state()["state"] == "back"
    monkeypatch.setattr(engine, "DAEMON_WAIT", 0.2)
    gone = _Session(tmp_path / "gone", Pings(failing=10**6), [fine], unreached=True)
    outcome = gone._guarded_run(CELL)
    assert outcome.verdict == Verdict.ERROR and gone.calls == 1
    assert outcome.reason.startswith("the Docker daemon stopped answering at ")
    assert f"(during {CELL.group})" in outcome.reason


def test_a_harness_defect_with_a_daemon_that_answers_is_not_a_daemon_event(tmp_path):
    session = _Session(tmp_path, Pings(failing=0), [KeyError("oops")])
    with pytest.raises(KeyError):
        session._guarded_run(CELL)
    assert session.daemon.state() == {}


def test_the_owner_is_this_process_in_the_controller(monkeypatch):
    from matrix.run import config as run_config

    config = run_config.parse({"platform": ["ubuntu"], "manager": ["manual"]}, run_id="x")
    assert config.owner == engine.owner(os.getpid())
    assert run_config.RunConfig.from_json(config.to_json()).owner == config.owner


class _Ctr:
    """A container as the daemon's list gives it (labels and state, nothing inspected)."""

    def __init__(self, name: str, status: str, owner: str | None, gone: list[str]) -> None:
        self.name, self.status, self._gone = name, status, gone
        labels = {engine.LABEL: "1", f"{engine.LABEL}.run": "r"}
        if owner is not None:
            labels[engine.OWNER_LABEL] = owner
        self.attrs = {"Labels": labels, "State": status}

    def remove(self, force: bool = False) -> None:
        self._gone.append(self.name)


class _Containers:
    def __init__(self, ctrs) -> None:
        self.ctrs = ctrs

    def list(self, all: bool = False, filters: dict | None = None,  # noqa: A002
             sparse: bool = False):
        assert all and sparse and filters == {"label": engine.LABEL}
        return list(self.ctrs)


def test_reap_removes_dead_owners_and_stopped_unowned_containers_only():
    gone: list[str] = []
    host = engine.owner().split(":")[0]
    dead = f"{host}:{2**22 + 7}:1"  # no such pid
    ctrs = [_Ctr("live", "running", engine.owner(), gone),
            _Ctr("live-exited", "exited", engine.owner(), gone),
            _Ctr("dead-owner", "running", dead, gone),
            _Ctr("other-host", "exited", f"another-host:{os.getpid()}:1", gone),
            _Ctr("unowned-exited", "exited", None, gone),
            _Ctr("unowned-dead", "dead", None, gone),
            _Ctr("unowned-running", "running", None, gone),
            _Ctr("unowned-created", "created", None, gone)]
    cli = type("Cli", (), {"containers": _Containers(ctrs)})()
    assert engine.reap(cli) == 3
    assert gone == ["dead-owner", "unowned-exited", "unowned-dead"]
    gone.clear()
    assert engine.reap(cli, unowned=True) == 5  # `clean`: every container nobody owns, too
    assert gone == ["dead-owner", "unowned-exited", "unowned-dead", "unowned-running",
                    "unowned-created"]


def test_remove_images_takes_the_daemon_s_list_and_skips_what_cannot_go():
    import docker.errors

    asked, gone = [], []

    class Images:
        def remove(self, image_id, force=False):
            if image_id == "gone":
                raise docker.errors.NotFound("removed meanwhile")
            if image_id == "parent":
                raise docker.errors.APIError("image has dependent child images")
            gone.append(image_id)

    class Api:
        def images(self, all=False, filters=None):  # noqa: A002
            asked.append((all, filters))
            return [{"Id": i} for i in ("top", "gone", "parent", "other")]

        def inspect_image(self, image_id):
            raise AssertionError("no image is looked at one by one")

    cli = type("Cli", (), {"api": Api(), "images": Images()})()
    assert engine.remove_images(cli) == 2
    assert gone == ["top", "other"] and asked == [(True, {"label": engine.LABEL})]


def test_a_result_key_never_holds_an_engine_version_the_daemon_did_not_give():
    """Asked while the daemon does not answer, the engine's version raises (the group then
    waits for the daemon) and is not kept: once it answers, its real version is."""
    from matrix.run.session import MatrixSession

    class Cli:
        answering = False

        def version(self):
            if not self.answering:
                raise KILLED
            return {"Version": "20.10.24"}

    session = MatrixSession.__new__(MatrixSession)  # no Docker: only what the version uses
    session._cli, session._engine = Cli(), None
    with pytest.raises(requests.exceptions.ConnectionError):
        session.engine_version()
    assert engine.lost(KILLED)  # what the guard takes for a loss of the daemon
    session._cli.answering = True
    assert session.engine_version() == "20.10.24"
