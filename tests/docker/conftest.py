from __future__ import annotations

import pytest

from matrix.build.commands import execute
from matrix.build.images import ImageBuilder
from matrix.core.fixtures import get_fixture
from matrix.core.platforms import get_platform
from matrix.managers import artifact_cache, get_manager
from matrix.supply import pins
from matrix.supply.mirror import Mirror


@pytest.fixture(scope="session")
def image_for(docker_client):
    """image_for(platform, manager) -> ImageRef, built from the mirror on first use, with the
    image layer of ``fixtures`` (names) on it when given, as the matrix applies them
    (ImageBuilder.fixture_layer); image_for.platform(platform) -> the platform's own image,
    with no manager."""
    cache = artifact_cache()
    mirror = Mirror(cache.mirror_dir)
    builder = ImageBuilder(docker_client, cache, lambda: mirror.start().url)
    built = {}

    def get(platform: str, manager: str, fixtures: tuple[str, ...] = ()):
        if (platform, manager) not in built:
            built[platform, manager] = builder.manager(
                get_platform(platform), get_manager(manager), pins.DEFAULT_GO, pins.RUNNER_GO)
        if fixtures:
            return builder.fixture_layer(built[platform, manager],
                                         [get_fixture(name) for name in fixtures])
        return built[platform, manager]

    get.platform = lambda platform: builder.platform(get_platform(platform), pins.RUNNER_GO)
    get.builder = builder
    yield get
    mirror.stop()


@pytest.fixture(scope="session")
def start_container(docker_client):
    """start_container(image_tag, user) -> a running container with no network, labelled like
    the matrix's own and removed at the end of the session."""
    import uuid

    from matrix.build.engine import labels, remove_containers

    run_id = "tests-" + uuid.uuid4().hex[:8]

    def start(tag: str, user: str, environment: dict | None = None):
        return docker_client.containers.run(tag, ["sleep", "infinity"], detach=True,
                                            network_mode="none", user=user,
                                            environment=environment or {},
                                            labels=labels(run_id))

    yield start
    remove_containers(docker_client, run_id)


def run_as(container, user: str, command: str, environment: dict | None = None):
    """(exit status, stdout as bytes) of ``sh -c command`` in the container as ``user``."""
    out = execute(container.id, ["sh", "-c", command], user, environment=environment)
    return out.exit_code, out.stdout


def offline_missing(manager) -> str | None:
    """Why an offline build of the manager's image cannot be made here, if it cannot."""
    cache = artifact_cache("offline")
    return next((reason for reason in (cache.missing(key, what)
                                       for key, what in manager.REQUIRES.items()) if reason),
                None)
