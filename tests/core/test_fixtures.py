from __future__ import annotations

import subprocess

import pytest

from matrix.core.errors import MatrixError
from matrix.core.fixtures import BUILTIN, DEFAULT_POLLUTION, get_fixture

VALUES = {"old": "1.21.13", "new": "1.22.10", "home": "/home/u",
          "old_root": "/opt/go it's/1.21", "new_root": "/opt/go/1.22"}


def test_rc_lines_are_quoted_so_odd_paths_survive(tmp_path):
    for who, command in get_fixture("stale-goroot").commands(VALUES):
        assert who == "user"
        subprocess.run(["sh", "-c", command], check=True, env={"HOME": str(tmp_path)})
    line = (tmp_path / ".profile").read_text()
    out = subprocess.run(["sh", "-c", f"{line}\nprintf %s \"$GOROOT\""], capture_output=True,
                         text=True, check=True)
    assert out.stdout == "/opt/go it's/1.21"
    assert (tmp_path / ".zshrc").read_text() == line


def test_file_steps_write_the_goenv_file(tmp_path):
    values = {**VALUES, "home": str(tmp_path)}
    for _, command in get_fixture("goenv-pinned").commands(values):
        subprocess.run(["sh", "-c", command], check=True)
    assert (tmp_path / ".config" / "go" / "env").read_text() == (
        "GOTOOLCHAIN=go1.21.13\nGOFLAGS=-mod=mod\n")


def test_platform_specific_fixtures_say_where_they_apply():
    assert get_fixture("windows-go").applies_to("wsl2")
    assert not get_fixture("windows-go").applies_to("ubuntu")
    assert get_fixture("paths-d-go").platforms == ("macos-runner",)
    assert get_fixture("windows-go").environment(VALUES)["WSLENV"].endswith("GOPATH/p")


def test_every_default_fixture_exists_and_plants_something():
    for name in DEFAULT_POLLUTION:
        fixture = BUILTIN[name]
        assert fixture.commands(VALUES) or fixture.env, name


def test_unknown_fixture_lists_the_known_ones():
    with pytest.raises(MatrixError, match="valid fixtures: stale-goroot"):
        get_fixture("nope")


def test_only_a_fixture_of_constant_root_commands_can_be_an_image_layer():
    from matrix.core.fixtures import BUILTIN, Fixture, Step

    assert BUILTIN["distro-go"].image_commands == (
        "dpkg -i /opt/govm-matrix/debs/*.deb >/dev/null",)
    assert BUILTIN["stale-goroot"].image_commands is None  # rc lines: the user's files
    assert BUILTIN["windows-go"].image_commands is None  # an environment: per container
    assert BUILTIN["paths-d-go"].image_commands is None  # a file step
    per_run = Fixture("x", "a root command naming the old root",
                      (Step("root", "rm -rf {old_root}"),))
    assert per_run.image_commands is None
    assert Fixture("y", "nothing to do").image_commands is None
