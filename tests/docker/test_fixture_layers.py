"""A fixture that is the same in every run of an image (Debian's Go installed as root) is
applied once into an image layer instead of in every container; the container run on that
layer must give exactly the verdicts of the run that applies the fixture itself."""

from __future__ import annotations

import pytest

from matrix import LABEL
from matrix.core.cells import Cell, Scenario
from matrix.core.fixtures import BUILTIN
from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.run.results import GroupOutcome, cell_result
from matrix.run.runner import Run

from .conftest import run_as

pytestmark = pytest.mark.docker

OLD, NEW = "1.21.13", "1.22.10"


def _verdicts(result, platform) -> dict[str, dict[str, str]]:
    assert result.error is None, result.log_tail
    scenario = Scenario(OLD, NEW, "global", ("distro-go",))
    return {shell: {k: v["verdict"] for k, v in cell_result(
        Cell(platform.name, "manual", scenario, shell), GroupOutcome(run=result),
        platform=platform)["checks"].items()} for shell in platform.shells}


def test_a_fixture_layer_gives_the_verdicts_of_the_fixture_applied_in_the_container(
        docker_client, image_for):
    platform, manager = get_platform("ubuntu"), get_manager("manual")
    fixture = BUILTIN["distro-go"]
    assert fixture.image_commands == ("dpkg -i /opt/govm-matrix/debs/*.deb >/dev/null",)
    image = image_for("ubuntu", "manual")
    layer = image_for.builder.fixture_layer(image, [fixture])
    assert layer.layer == "ubuntu-manual-fixture-distro-go" and layer.tag != image.tag
    assert docker_client.images.get(layer.tag).labels[LABEL] == "1"  # `clean` removes it
    again = image_for.builder.fixture_layer(image, [fixture])
    assert (again.tag, again.built) == (layer.tag, False)  # content-addressed: built once

    inside = Run(docker_client, image, platform, manager, OLD, NEW, "global", platform.shells,
                 (fixture,), name="fixture-inside").execute()
    layered = Run(docker_client, layer, platform, manager, OLD, NEW, "global",
                  platform.shells, (fixture,), name="fixture-layer",
                  layered=("distro-go",)).execute()
    steps = {s["step"]: s for s in layered.steps}
    assert steps["fixture distro-go"]["command"] == f"applied once in image layer {layer.tag}"
    assert "dpkg" in {s["step"]: s for s in inside.steps}["fixture distro-go"]["command"]
    expected = _verdicts(inside, platform)
    assert expected["bash-login"]["version"] == "BROKEN"  # Debian's go1.19 wins: it applied
    assert _verdicts(layered, platform) == expected


def test_the_offline_rootfs_s_dpkg_does_not_fsync_each_file(image_for, start_container):
    """The layers that install packages rely on it for their speed: mmdebstrap keeps its
    --dpkgopt options in the rootfs, and every layer above inherits them."""
    image = image_for("ubuntu", "manual")
    if not image.base["image"].startswith("govm-matrix/rootfs:"):
        pytest.skip(f"the base is {image.base['image']}, not the offline rootfs")
    container = start_container(image.tag, "root")
    code, out = run_as(container, "root", "cat /etc/dpkg/dpkg.cfg.d/*")
    assert code == 0 and "force-unsafe-io" in out.decode().split(), out
