from __future__ import annotations

import re
from pathlib import Path

import pytest

from matrix.core.errors import MatrixError
from matrix.core.platforms import get_platform
from matrix.managers import Unsupported, available, get_manager


def test_adapters_are_discovered_from_their_files():
    assert {"manual", "mise"} <= set(available())
    assert available() == sorted(available())


def test_unknown_manager_lists_the_known_ones():
    with pytest.raises(MatrixError, match="valid managers: .*manual, mise"):
        get_manager("nvm")


def test_select_commands_quote_their_arguments():
    ubuntu = get_platform("ubuntu")
    assert get_manager("manual").select("1.22.10", "global", ubuntu) == (
        "sudo ln -sfn /usr/local/go-1.22.10 /usr/local/go")
    assert get_manager("mise").select("1.22.10", "global", ubuntu) == (
        "~/.local/bin/mise use -g go@1.22.10")
    assert get_manager("mise").select("1.22.10", "session", ubuntu) == "mise shell go@1.22.10"


def test_a_scope_the_manager_lacks_is_unsupported_with_a_reason():
    with pytest.raises(Unsupported, match="manual has no directory scope"):
        get_manager("manual").select("1.22.10", "directory", get_platform("ubuntu"))


def test_every_adapter_has_an_image_folder_and_documented_behaviour():
    for name in available():
        manager = get_manager(name)
        assert (manager.image_dir / "Dockerfile").is_file()
        assert (manager.image_dir / "install.sh").is_file()
        assert {"GOROOT", "GOPATH", "GOBIN", "PATH"} <= set(manager.BEHAVIOUR)


@pytest.mark.parametrize("name", available())
def test_the_build_arguments_are_exactly_the_args_the_dockerfile_declares(name):
    """What the builder passes to a manager layer (its parent image, the Go versions, the
    adapter's own build arguments, the mirror when it downloads, the mirror's CA when it needs
    the HTTPS mirror) is exactly what its Dockerfile declares: no argument the file ignores,
    none it expects and never gets."""
    manager = get_manager(name)
    downloads = {"MIRROR"} if manager.artifact_keys(("1.21.13", "1.22.10")) else set()
    if manager.HTTPS_HOSTS:
        downloads.add("MIRROR_CA")
    own = {"PLATFORM_IMAGE", "GO_VERSIONS", *manager.build_args()}
    layers = [(manager.image_dir, own | downloads)]
    if manager.SHARED_LAYER:  # the layer below downloads, the manager's own does not
        layers = [(manager.image_dir / manager.SHARED_LAYER,
                   {"PLATFORM_IMAGE", "GO_VERSIONS", *manager.shared_build_args()} | downloads),
                  (manager.image_dir, own)]
    for folder, passed in layers:
        dockerfile = (folder / "Dockerfile").read_text()
        assert set(re.findall(r"^ARG (\w+)", dockerfile, re.M)) == passed, folder


@pytest.mark.parametrize("name", available())
def test_a_manager_is_one_folder_with_its_image_layer(name):
    manager = get_manager(name)
    folder = manager.image_dir
    assert folder.parent.name == "managers" and (folder / "__init__.py").is_file()
    context = manager.context()
    assert {"Dockerfile", "install.sh"} <= set(context)
    assert not any(n.endswith(".py") for n in context)
    for shared in manager.SHARED_FILES:  # a helper another adapter's folder holds
        assert context[Path(shared).name].is_file()
