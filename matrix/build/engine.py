"""The Docker Engine: one client, the project's labels, and clean-up by label."""

from __future__ import annotations

import docker
import docker.errors

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
    except docker.errors.DockerException as exc:
        reason = str(exc).splitlines()[0][:160]
        raise MatrixError(f"no Docker daemon answers ({reason}); {START_HINT}",
                          EXIT_ENVIRONMENT) from None


def labels(run_id: str | None = None, **extra: str) -> dict[str, str]:
    found = {LABEL: "1"}
    if run_id:
        found[RUN_LABEL] = run_id
    found.update({f"{LABEL}.{k}": v for k, v in extra.items()})
    return found


def remove_containers(cli: docker.DockerClient, run_id: str | None = None) -> int:
    """Force-remove the project's containers (of one run, or all). Returns how many."""
    label = f"{RUN_LABEL}={run_id}" if run_id else LABEL
    removed = 0
    for ctr in cli.containers.list(all=True, filters={"label": label}):
        try:
            ctr.remove(force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
    return removed


def remove_images(cli: docker.DockerClient) -> int:
    """Remove the project's images that nothing depends on; call again for their parents."""
    removed = 0
    for image in cli.images.list(all=True, filters={"label": LABEL}):
        try:
            cli.images.remove(image.id, force=True)
            removed += 1
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError:
            pass  # a parent of an image not removed yet, or used by a running container
    return removed
