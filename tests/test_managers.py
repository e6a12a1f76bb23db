from __future__ import annotations

import pytest

from matrix.errors import MatrixError
from matrix.managers import Unsupported, available, get_manager
from matrix.platforms import get_platform


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
