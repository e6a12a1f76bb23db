from __future__ import annotations

import pytest

from matrix import pins
from matrix.artifacts import ArtifactCache
from matrix.images import ImageBuilder
from matrix.managers import get_manager
from matrix.mirror import Mirror
from matrix.platforms import get_platform


@pytest.fixture(scope="session")
def image_for(docker_client):
    """image_for(platform, manager) -> ImageRef, built from the mirror on first use."""
    cache = ArtifactCache()
    mirror = Mirror(cache.mirror_dir)
    builder = ImageBuilder(docker_client, cache, lambda: mirror.start().url)
    built = {}

    def get(platform: str, manager: str):
        if (platform, manager) not in built:
            built[platform, manager] = builder.manager(
                get_platform(platform), get_manager(manager), pins.DEFAULT_GO, pins.RUNNER_GO)
        return built[platform, manager]

    yield get
    mirror.stop()
