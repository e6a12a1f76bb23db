"""The Docker Engine: one client, the project's labels, clean-up by label, and what its
failures mean in words.

Every container carries the run that made it and the process that owns that run (host, pid and
the pid's start time, so that a reused pid is not taken for the run). A run that is no longer
alive cannot remove its containers itself (its process was killed, or the daemon was gone when
it ended); the next run, or ``govm-matrix clean --containers``, removes them, and never those of
a run that is still going or of another host.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

import docker
import docker.errors
import requests.exceptions

from .. import LABEL
from ..core.errors import EXIT_ENVIRONMENT, MatrixError

RUN_LABEL = f"{LABEL}.run"
START_HINT = (
    "start one (as root: `dockerd &`, or `systemctl start docker`; Debian's package is docker.io)"
)


def client(timeout: int = 900) -> docker.DockerClient:
    """A client whose daemon answered a ping, or a MatrixError that says how to get one."""
    try:
        cli = docker.from_env(timeout=timeout)
        cli.ping()
        return cli
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        raise MatrixError(f"no Docker daemon answers ({_socket_words(exc)}); {START_HINT}",
                          EXIT_ENVIRONMENT) from None


OWNER_LABEL = f"{LABEL}.owner"
#: how long a run waits for a daemon that stopped answering before it gives up on it
DAEMON_WAIT = float(os.environ.get("GOVM_MATRIX_DAEMON_WAIT", "120"))


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return fields[19]
    except (OSError, IndexError):
        return None


def owner(pid: int | None = None) -> str:
    """``host:pid:start`` of the process that owns a run (this one by default)."""
    pid = pid or os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid) or '?'}"


def owner_alive(value: str) -> bool | None:
    """Whether the owning process is still the same live process; None when it is not on
    this host (nothing can be told from here)."""
    host, _, rest = value.partition(":")
    pid, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return None
    return _start_time(int(pid)) == started


_RUN_OWNER: dict[str, str] = {}


def set_owner(run_id: str, value: str) -> None:
    """The owner every container of ``run_id`` made in this process is labelled with."""
    _RUN_OWNER[run_id] = value


def labels(run_id: str | None = None, **extra: str) -> dict[str, str]:
    found = {LABEL: "1"}
    if run_id:
        found[RUN_LABEL] = run_id
        found[OWNER_LABEL] = _RUN_OWNER.get(run_id) or owner()
    found.update({f"{LABEL}.{k}": v for k, v in extra.items()})
    return found


#: container states in which nothing runs any more (a container that is only ``created`` may
#: be about to start)
STOPPED = ("exited", "dead")


def reap(cli: docker.DockerClient, unowned: bool = False) -> int:
    """Remove the containers of runs that are no longer alive on this host, and those that
    carry no owner (left by a release from before owners were labelled, whose run cannot be
    asked): all of them with ``unowned``, else only those that have stopped. Never a
    container of a live run or of another host. Returns how many."""
    def dead(ctr) -> bool:
        value = (ctr.attrs.get("Labels") or {}).get(OWNER_LABEL)
        return owner_alive(value) is False if value else unowned or ctr.status in STOPPED

    return _force_remove(c for c in labelled(cli, LABEL) if dead(c))


# -- when the daemon fails ---------------------------------------------------------------------
_LOST = (requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError,
         ConnectionError, FileNotFoundError)
_LOST_WORDS = ("Cannot connect to the Docker daemon", "Error while fetching server API version",
               "Connection aborted", "Connection refused", "Response ended prematurely")


def lost(exc: BaseException | str) -> bool:
    """Whether an error (or a step's output) says the daemon stopped answering."""
    if isinstance(exc, str):
        return any(word in exc for word in _LOST_WORDS)
    seen = exc
    while seen is not None:
        if isinstance(seen, _LOST) or any(w in str(seen) for w in _LOST_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def describe(exc: BaseException) -> str:
    """An error of the docker SDK, requests or the socket, in words a person understands."""
    if isinstance(exc, MatrixError):
        return str(exc)
    if isinstance(exc, requests.exceptions.Timeout) or isinstance(exc, TimeoutError):
        return "the Docker daemon did not answer in time (it may be overloaded or hung)"
    if lost(exc):
        return "the Docker daemon stopped answering (its socket closed or refused the connection)"
    if isinstance(exc, docker.errors.ImageNotFound):
        return f"Docker has no such image: {_first_line(exc.explanation or exc)}"
    if isinstance(exc, docker.errors.NotFound):
        return f"Docker no longer has it: {_first_line(exc.explanation or exc)}"
    if isinstance(exc, docker.errors.APIError):
        return f"Docker refused: {_first_line(exc.explanation or exc)}"
    if isinstance(exc, (docker.errors.DockerException, requests.exceptions.RequestException)):
        return f"Docker failed: {_first_line(exc)}"
    return f"{type(exc).__name__}: {_first_line(exc)}"


def _socket_words(exc: BaseException) -> str:
    """Why a connection to the daemon failed, in words: no socket, nothing listening, not
    allowed, or the first line of what was said."""
    text = str(exc)
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if "FileNotFoundError" in text or "No such file" in text:
        return f"there is no socket at {host}"
    if "ConnectionRefused" in text or "Connection refused" in text:
        return f"nothing listens on {host}"
    if "PermissionError" in text or "Permission denied" in text:
        return f"this user may not use {host}"
    if isinstance(exc, requests.exceptions.Timeout):
        return f"{host} did not answer in time"
    return _first_line(exc)


def _first_line(value: object) -> str:
    text = str(value).strip().splitlines()
    return text[0][:300] if text else "no message"


def answers(cli: docker.DockerClient) -> bool:
    """Whether the daemon answers a ping now."""
    try:
        return bool(cli.ping())
    except Exception:  # any failure to answer is "no"
        return False


def wait_for_daemon(answering: Callable[[], bool], until: float, step: float = 2.0) -> bool:
    """Ask ``answering`` (e.g. a ping) until the daemon answers or the wall-clock deadline
    ``until`` passes."""
    while True:
        if answering():
            return True
        if time.time() >= until:
            return False
        time.sleep(min(step, max(0.0, until - time.time())))


def remove_containers(cli: docker.DockerClient, run_id: str | None = None) -> int:
    """Force-remove the project's containers (of one run, or all). Returns how many."""
    label = f"{RUN_LABEL}={run_id}" if run_id else LABEL
    return _force_remove(labelled(cli, label))


def labelled(cli: docker.DockerClient, label: str) -> list:
    """The containers carrying ``label``, as the daemon lists them (their labels and state),
    without asking for each one in turn: one that another run removes meanwhile is no error."""
    return cli.containers.list(all=True, sparse=True, filters={"label": label})


def _force_remove(containers) -> int:
    """Force-remove each container (one already gone is no error); how many went."""
    removed = 0
    for ctr in containers:
        try:
            ctr.remove(force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
    return removed


def remove_images(cli: docker.DockerClient) -> int:
    """Remove the project's images that nothing depends on; call again for their parents.
    Listed as the daemon lists them, without a look at each (like ``labelled``): an image
    another run or `clean` removes meanwhile is no error."""
    removed = 0
    for image in cli.api.images(all=True, filters={"label": LABEL}):
        try:
            cli.images.remove(image["Id"], force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass  # a parent of an image not removed yet, or used by a running container
    return removed
