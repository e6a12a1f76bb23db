"""Every fixture field is what its name promises, on every manager's own image: {old_root} is
the old version's GOROOT (its bin/go runs and is that version), {new_root} the new one's, and
{home} the platform user's home."""

from __future__ import annotations

import json

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import available, get_manager
from matrix.run.runner import fixture_values

from .conftest import offline_missing, run_as

pytestmark = pytest.mark.docker

OLD, NEW = "1.21.13", "1.22.10"


@pytest.mark.parametrize("manager_name", available())
def test_fixture_fields_on_the_manager_s_image(docker_client, image_for, start_container,
                                               manager_name):
    manager = get_manager(manager_name)
    missing = offline_missing(manager)
    if missing:
        pytest.skip(f"the {manager_name} image cannot be built here: {missing} is not in the "
                    "mirror (govm-matrix mirror add)")
    platform = get_platform("ubuntu")
    image = image_for("ubuntu", manager_name)
    ctr = start_container(image.tag, platform.user)
    status, out = run_as(ctr, platform.user, "cat /opt/govm-matrix/roots.json")
    assert status == 0, out
    roots = json.loads(out)
    if not roots:
        assert manager_name == "sdkman", roots  # SDKMAN installs no Go at all
        return
    values = fixture_values(platform, OLD, NEW, roots)
    for version, field in ((OLD, "old_root"), (NEW, "new_root")):
        goroot = values[field]
        status, out = run_as(ctr, platform.user,
                             f"env -u GOROOT GOTOOLCHAIN=local '{goroot}/bin/go' version && "
                             f"env -u GOROOT GOTOOLCHAIN=local '{goroot}/bin/go' env GOROOT")
        printed = out.decode().splitlines()
        assert status == 0, out
        assert printed[0].startswith(f"go version go{version} "), (field, printed)
        assert printed[1] == goroot, (field, printed)  # its own GOROOT, not a folder above
    status, out = run_as(ctr, platform.user, 'printf "%s\\n" "$HOME"; getent passwd "$(id -un)"')
    home, passwd = out.decode().splitlines()
    assert home == values["home"] == passwd.split(":")[5]
    assert (values["old"], values["new"]) == (OLD, NEW)
