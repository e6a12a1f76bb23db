"""Commands in a container, by the docker CLI (as testinfra runs every step), their outputs read
whole. What a container run reads back comes through here, so this module is part of the harness
a kept result depends on (``run.reuse.HARNESS``)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

import docker.errors


@dataclass(frozen=True)
class Executed:
    """What a command run in a container left: its exit status and its two outputs, whole."""

    exit_code: int
    stdout: bytes
    stderr: bytes


class ExecFailed(docker.errors.DockerException):
    """Docker itself could not run a command in a container (no daemon, no such container)."""


# what the docker CLI says, on stderr with exit status 1, when it is Docker that failed
_CLI_FAILED = ("Error response from daemon:", "Cannot connect to the Docker daemon",
               "error during connect:")


def execute(container_id: str, argv: list[str], user: str, workdir: str | None = None,
            environment: dict[str, str] | None = None) -> Executed:
    """``argv`` run in a container by the docker CLI, as testinfra runs every step, with its
    output read whole. Not the SDK's ``exec_run``: docker-py reads an exec's output from the
    raw socket once http.client has read the upgrade's headers through a buffer, so whatever
    arrived with the headers is lost (docker/docker-py#3332): a snapshot, a trace or the
    observations cut short without a word, or "34 is not a valid stream" when the cut falls
    inside a frame header. Raises ExecFailed when Docker itself failed."""
    options = ["-u", user, *(["-w", workdir] if workdir else [])]
    for name, value in (environment or {}).items():
        options += ["-e", f"{name}={value}"]
    proc = subprocess.run(["docker", "exec", *options, container_id, *argv],
                          capture_output=True, check=False)
    said = proc.stderr.decode(errors="replace").strip()
    if proc.returncode != 0 and said.startswith(_CLI_FAILED):
        raise ExecFailed(said.splitlines()[0][:300])
    return Executed(proc.returncode, proc.stdout, proc.stderr)
