"""With no Docker daemon, a run says so in one line, exits 3 and writes nothing."""

from __future__ import annotations

from matrix import cli


def test_no_docker_daemon_is_one_line_and_exit_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-daemon.sock")
    code = cli.main(["run", "--network", "offline", "--report-dir", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith("govm-matrix: no Docker daemon answers")
    assert err.count("\n") == 1 and not (tmp_path / "r").exists()
