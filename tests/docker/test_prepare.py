"""Before anything is built: a machine that lacks what the run needs gets one line naming it
and the fix, exit 3, and no report."""

from __future__ import annotations

import pytest

from matrix import cli
from matrix.run import prepare
from matrix.run.config import parse

pytestmark = pytest.mark.docker


def test_offline_without_mmdebstrap_or_a_built_rootfs_is_one_line_and_exit_3(
        tmp_path, monkeypatch, capsys, docker_client):
    monkeypatch.setattr(prepare.shutil, "which", lambda name: None)
    monkeypatch.setattr(prepare, "rootfs_tag", lambda: "govm-matrix/rootfs:never-built")
    reports = tmp_path / "reports"
    code = cli.main(["run", "--network", "offline", "--platform", "ubuntu", "--manager",
                     "manual", "--report-dir", str(reports)])
    err = capsys.readouterr().err
    assert code == 3
    assert err.count("\n") == 1 and "install it (apt-get install mmdebstrap)" in err, err
    assert not reports.exists()


def test_a_machine_with_what_the_run_needs_passes(docker_client):
    prepare.check_prerequisites(parse({"network": "offline", "platform": ["ubuntu"],
                                       "manager": ["manual"]}))
