from __future__ import annotations

import subprocess

import pytest

from matrix.errors import MatrixError
from matrix.fixtures import FIXTURES, get_fixture

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


def test_every_fixture_plants_something():
    for fixture in FIXTURES.values():
        assert fixture.commands(VALUES), fixture.name


def test_unknown_fixture_lists_the_known_ones():
    with pytest.raises(MatrixError, match="valid fixtures: stale-goroot"):
        get_fixture("nope")
