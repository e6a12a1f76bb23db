"""Every run option is declared once: the CLI and the pytest plugin take the same ones, and a
run's configuration is validated once into plain, frozen data that crosses processes."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from matrix.core.errors import MatrixError
from matrix.run import config as run_config


def test_the_cli_and_the_plugin_take_the_same_options():
    from matrix.cli import _parser

    run = _parser()._subparsers._group_actions[0].choices["run"]
    cli_flags = {flag for action in run._actions for flag in action.option_strings}
    pytest_parser = pytest.Parser(_ispytest=True)
    from matrix import plugin

    plugin.pytest_addoption(pytest_parser)
    group = pytest_parser.getgroup("govm-matrix")
    plugin_flags = {name for option in group.options for name in option.names()}
    declared = {opt.flag for opt in run_config.OPTIONS}
    assert declared <= cli_flags and declared <= plugin_flags
    assert plugin_flags - declared == {"--govm-config"}  # the CLI's hand-over, hidden


def test_a_configuration_is_frozen_and_survives_the_trip_to_a_worker(tmp_path):
    matrix_file = tmp_path / "m.toml"
    matrix_file.write_text('schema_version = 1\n[[scenarios]]\nname = "mine"\n'
                           'pollution = ["stale-goroot"]\n')
    values = {"platform": ["wsl2,ubuntu"], "manager": ["manual"], "go": ["1.22.10", "1.21.13"],
              "scope": ["global"], "scenario": ["mine"], "matrix": str(matrix_file),
              "network": "offline", "report_dir": "out", "shard": "2/3",
              "manager_source": [], "fail_on": "leak,BROKEN"}
    config = run_config.parse(values, run_id="abc")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.network = "online"
    again = run_config.RunConfig.from_json(config.to_json())
    assert again == config
    assert "mine" in [s.name for s in again.definition.scenarios]
    assert again.selection.platforms == ("wsl2", "ubuntu") and again.shard == (2, 3)
    assert again.fail_on == {"LEAK", "BROKEN"}
    assert run_config.to_argv(values)[:2] == ["--platform", "wsl2,ubuntu"]


@pytest.mark.parametrize("values, message", [
    ({"shard": "4/3"}, "bad shard '4/3'"),
    ({"fail_on": "LEAKY"}, "unknown verdict(s) LEAKY in --fail-on"),
    ({"manager_source": ["manual=/x"]}, "manual has no manager program to replace"),
    ({"scenario": ["nope"]}, "unknown scenario 'nope'"),
])
def test_bad_values_are_one_line_errors(values, message):
    with pytest.raises(MatrixError) as err:
        run_config.parse(values)
    assert message in str(err.value) and err.value.exit_code == 2


def test_argparse_gets_the_declared_defaults():
    parser = argparse.ArgumentParser()
    run_config.add_to_argparse(parser)
    args = parser.parse_args([])
    assert args.network == "auto" and args.report_dir == "reports" and args.platform == []


def test_strict_pins_is_off_unless_asked_and_reaches_the_run_s_artifact_cache(tmp_path,
                                                                              monkeypatch):
    from matrix.run.session import MatrixSession

    monkeypatch.setenv("GOVM_MATRIX_CACHE", str(tmp_path / "cache"))
    parser = argparse.ArgumentParser()
    run_config.add_to_argparse(parser)
    assert parser.parse_args([]).strict_pins is False
    assert parser.parse_args(["--strict-pins"]).strict_pins is True
    values = {"manager": ["manual"], "network": "offline"}
    assert run_config.parse(values).strict_pins is False
    assert MatrixSession(run_config.parse(values)).cache.strict_pins is False
    strict = run_config.parse({**values, "strict_pins": True}, run_id="abc")
    assert run_config.RunConfig.from_json(strict.to_json()).strict_pins is True
    assert MatrixSession(strict).cache.strict_pins is True
    assert "--strict-pins" in run_config.to_argv({**values, "strict_pins": True})
