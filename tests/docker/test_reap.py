"""Runs on one machine list each other's containers (a run reaps what dead runs left, `clean`
removes the project's): a container removed by another run between the daemon's list and the
look at it is no error, and the others are still removed."""

from __future__ import annotations

import docker.errors
import pytest

from matrix import LABEL
from matrix.build import engine

pytestmark = pytest.mark.docker


def test_containers_removed_meanwhile_are_no_error(docker_client, image_for, monkeypatch):
    image = image_for.platform("ubuntu")
    host = engine.owner().split(":")[0]
    dead = f"{host}:{2**22 + 7}:1"  # an owner with no such pid: its run is over
    made = [docker_client.containers.create(
        image.tag, ["true"], labels={LABEL: "1", engine.OWNER_LABEL: dead,
                                     engine.RUN_LABEL: "reap-test"}) for _ in range(3)]
    try:
        # Every look at one container finds it gone, as when another run removes its own
        # containers while this one lists them.
        def gone(*args, **kwargs):
            raise docker.errors.NotFound("removed by another run meanwhile")

        monkeypatch.setattr(docker_client.api, "inspect_container", gone)
        assert engine.reap(docker_client) >= 3
        monkeypatch.undo()
        left = engine.labelled(docker_client, f"{engine.RUN_LABEL}=reap-test")
        assert left == []
    finally:
        monkeypatch.undo()
        for ctr in made:
            try:
                ctr.remove(force=True)
            except docker.errors.NotFound:
                pass
