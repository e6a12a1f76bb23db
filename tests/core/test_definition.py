"""The matrix definition file: user-defined fixtures and scenarios, validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from matrix.core.cells import build_cells
from matrix.core.definition import builtin_definition
from matrix.core.definition import load_definition as load_with
from matrix.core.errors import MatrixError
from matrix.managers import available
from matrix.run.config import make_selection

GOOD = """
schema_version = 1

[fixtures.corp-goflags]
description = "a corporate profile exporting GOFLAGS"
rc = ["export GOFLAGS=-mod=vendor"]
files = [{ path = "/etc/profile.d/corp.sh", content = "export GOPROXY=off\\n", as = "root" }]
env = { GONOSUMDB = "corp.example" }
commands = [{ run = "mkdir -p ~/go/bin" }]

[[scenarios]]
name = "corp"
pollution = ["corp-goflags", "stale-goroot"]
platforms = ["ubuntu"]
"""


def load_definition(path):
    return load_with(path, available())


def write(tmp_path, text: str):
    path = tmp_path / "matrix.toml"
    path.write_text(text)
    return path


def test_user_scenario_adds_cells_with_readable_ids(tmp_path):
    definition = load_definition(write(tmp_path, GOOD))
    cells = build_cells(make_selection(["ubuntu", "wsl2"], ["manual"]), definition)
    corp = [c for c in cells if c.scenario.name == "corp"]
    assert {c.platform for c in corp} == {"ubuntu"}
    assert corp[0].id == "ubuntu/manual/1.21.13→1.22.10/global+corp/bash-login"
    assert corp[0].scenario.pollution == ("corp-goflags", "stale-goroot")
    fixture = definition.fixtures.get("corp-goflags")
    commands = fixture.commands({"old": "1", "new": "2", "old_root": "/a", "new_root": "/b",
                                 "home": "/home/u"})
    assert ("root", "mkdir -p /etc/profile.d && printf '%s' 'export GOPROXY=off\n' >> "
                    "/etc/profile.d/corp.sh") in commands
    assert fixture.environment({"old": "1", "new": "2", "home": "/h"}) == {
        "GONOSUMDB": "corp.example"}
    assert any(c.scenario.name == "clean" for c in cells)  # the default scenarios stay


def test_default_matrix_has_every_axis():
    cells = build_cells(make_selection(), builtin_definition())
    labels = {c.scenario.label for c in cells}
    assert {"global", "session", "directory", "global+stale-goroot", "global+gopath-tmp",
            "global+distro-go", "global+goenv-pinned", "global+windows-go",
            "global+paths-d-go"} <= labels
    assert all(c.platform == "wsl2" for c in cells if c.scenario.name == "windows-go")
    assert {c.shell for c in cells} >= {"session", "other-session", "zsh-login"}


@pytest.mark.parametrize("text,message", [
    ("schema_version = 2\n", "schema_version must be 1, got 2"),
    ("schema_version = 1\ncolour = 1\n", "unknown key 'colour'; valid keys:"),
    ("schema_version = 1\n[[scenarios]]\nname = \"x\"\npollution = [\"nope\"]\n",
     "scenarios[0].pollution: unknown fixture 'nope'; valid fixtures:"),
    ("schema_version = 1\n[fixtures.a]\nrc = [\"export X={old_rot}\"]\n",
     "fixtures.a.rc[0]: unknown field {old_rot}"),
    ("schema_version = 1\n[fixtures.a]\ndescription = \"nothing\"\n", "changes nothing"),
    ("schema_version = 1\n[fixtures.stale-goroot]\nrc = [\"x\"]\n", "is a built-in fixture"),
    ("schema_version = 1\n[[scenarios]]\nname = \"x\"\nscopes = [\"galaxy\"]\n",
     "unknown scope 'galaxy'"),
    ("schema_version = 1\n[[scenarios]]\nname = \"x\"\nplatforms = [\"amiga\"]\n",
     "unknown platform 'amiga'"),
    ("schema_version = 1\n[fixtures.a]\ncommands = [{ run = \"x\", as = \"admin\" }]\n",
     "'as' must be \"user\" or \"root\""),
    ("schema_version = [\n", "is not valid TOML"),
])
def test_bad_definition_is_one_clear_error(tmp_path, text, message):
    with pytest.raises(MatrixError) as err:
        load_definition(write(tmp_path, text))
    assert message in str(err.value)
    assert str(tmp_path) in str(err.value)
    assert err.value.exit_code == 2


def test_missing_file_is_an_error(tmp_path):
    with pytest.raises(MatrixError, match="cannot read matrix file"):
        load_definition(tmp_path / "absent.toml")


def test_the_readme_example_is_a_valid_matrix_file(tmp_path):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    definition = load_definition(write(tmp_path, example))
    assert [s.name for s in definition.scenarios] == ["corp"]
    assert definition.fixtures.get("corp-profile").steps[0].path == "/etc/profile.d/corp-go.sh"
