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
        # the version installed for the one asked (the distribution's release of the series
        # for distro: 1.22.10 asked, 1.22.12 installed), as roots.json records it
        installed = roots[version].get("version") or version
        assert installed.rsplit(".", 1)[0] == version.rsplit(".", 1)[0], (version, installed)
        assert printed[0].startswith(f"go version go{installed} "), (field, printed)
        assert printed[1] == goroot, (field, printed)  # its own GOROOT, not a folder above
    status, out = run_as(ctr, platform.user, 'printf "%s\\n" "$HOME"; getent passwd "$(id -un)"')
    home, passwd = out.decode().splitlines()
    assert home == values["home"] == passwd.split(":")[5]
    assert (values["old"], values["new"]) == (OLD, NEW)


# what the user's shells and config can see: the login and interactive environment, the rc
# and profile files, apt's sources, git's and the tools' own config (not the harness's files
# under /opt/govm-matrix, not the reflogs that remember where a clone came from)
_SEEN = ("bash -lic env 2>/dev/null; "
         "grep -sH -E '127\\.0\\.0\\.1|MIRROR|GOVM' ~/.[!.]* /etc/environment /etc/profile "
         "/etc/bash.bashrc /etc/zsh/zshrc /etc/profile.d/* /etc/apt/sources.list "
         "/etc/apt/sources.list.d/* ~/.config/*/* 2>/dev/null; "
         "find ~ -maxdepth 3 -path '*/.git/config' -exec grep -H -E '127\\.0\\.0\\.1' {} +")


@pytest.mark.parametrize("manager_name", available())
def test_no_trace_of_the_build_s_mirror_is_left_for_the_cells(image_for, start_container,
                                                              manager_name):
    """The cells must see what a user's machine has: no mirror variable, source or remote
    that only the image build needed (a tool's own default, such as g's G_MIRROR line, is
    what its installer writes and stays)."""
    manager = get_manager(manager_name)
    missing = offline_missing(manager)
    if missing:
        pytest.skip(f"the {manager_name} image cannot be built here: {missing} is not in the "
                    "mirror (govm-matrix mirror add)")
    platform = get_platform("ubuntu")
    ctr = start_container(image_for("ubuntu", manager_name).tag, platform.user)
    _, out = run_as(ctr, platform.user, _SEEN)
    found = [line for line in out.decode(errors="replace").splitlines()
             if ("127.0.0.1" in line or "MIRROR" in line or "GOVM" in line)
             and "G_MIRROR=https://golang.google.cn/dl/" not in line]
    assert not found, found
