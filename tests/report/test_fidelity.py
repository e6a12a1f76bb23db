"""Real-host reports (`doctor --switch` on a real runner) merged beside the emulated matrix:
real-host rows, and a fidelity section naming every cell where the two disagree, with both
evidences. The end-to-end case, a real-host report made in a container, is in
tests/docker/test_doctor.py."""

from __future__ import annotations

import copy

import pytest

from matrix.core.cells import Cell
from matrix.core.errors import MatrixError
from matrix.report import build_report
from matrix.report.fidelity import host_field
from matrix.report.html import render_html
from matrix.report.markdown import render_markdown
from matrix.report.merge import merge_all

from ..conftest import classic_matrix
from .test_merge import _cell, _provenance


@pytest.fixture(scope="module")
def emulated() -> dict:
    sel, cells = classic_matrix()
    provenance = dict(_provenance(cells), artifacts=[])  # test_merge's have no sources
    return build_report([_cell(c) for c in cells], sel.to_dict(), provenance,
                        run_id="emulated")


def host_report(emulated: dict, host: str, profile: str, manager: str = "manual",
                change=None) -> dict:
    """What `doctor --switch` on a real ``host`` writes: the profile's cells for one manager
    under the host's own platform name, without the atomic check."""
    cells = []
    for cell in emulated["cells"]:
        if cell["platform"] != profile or cell["manager"] != manager:
            continue
        cell = copy.deepcopy(cell)
        cell["platform"] = host
        cell["id"] = host + cell["id"][len(profile):]
        cell["checks"].pop("atomic", None)
        if change:
            change(cell)
        cells.append(cell)
    assert cells
    report = build_report(cells, {"platforms": [host], "managers": [manager]},
                          {"network": "this machine",
                           "platforms": {host: {"emulates": "nothing: this machine itself"}}},
                          run_id=f"doctor-{host}")
    report["host"] = host_field(host, f"a real {host} runner", "ubuntu24 20261124.1")
    return report


def plant_leak(cell: dict) -> None:
    if cell["shell"] == "bash-login" and cell["from"] == "1.21.13":
        cell["checks"]["goroot"] = {"check": "goroot", "verdict": "LEAK", "evidence": [
            "after: LEAK: exported GOROOT=/usr/local/go-1.21.13 (go1.21.13's root)"]}
        cell["verdict"] = "LEAK"


def test_real_host_cells_become_rows_beside_their_profile(emulated):
    real = host_report(emulated, "linux", "ubuntu")
    merged = merge_all([emulated, real], ["matrix.json", "linux.json"])
    rows = [c for c in merged["cells"] if c["platform"] == "real-linux"]
    assert len(rows) == len(real["cells"])
    assert rows[0]["id"].startswith("real-linux/manual/")
    assert rows[0]["real_host"]["stands_for"] == "ubuntu"
    assert merged["selection"]["platforms"][-1] == "real-linux"
    platforms = list(dict.fromkeys(c["platform"] for c in merged["cells"]))
    assert platforms.index("real-linux") == platforms.index("ubuntu") + 1
    fid = merged["fidelity"]
    assert (fid["compared"], fid["agree"], fid["disagree"]) == (len(rows), len(rows), [])
    # the answer stays the emulated matrix's
    assert merged["answers"] == emulated["answers"]
    assert merged["summary"]["cells"] == len(emulated["cells"]) + len(rows)


def test_a_disagreement_is_named_with_both_evidences(emulated):
    real = host_report(emulated, "linux", "ubuntu", change=plant_leak)
    merged = merge_all([emulated, real], ["matrix.json", "linux.json"])
    fid = merged["fidelity"]
    planted = [c for c in real["cells"] if c["verdict"] == "LEAK"]
    assert len(fid["disagree"]) == len(planted) > 0
    item = fid["disagree"][0]
    assert item["real"].startswith("real-linux/manual/1.21.13→")
    assert item["emulated"] == "ubuntu" + item["real"][len("real-linux"):]
    assert list(item["checks"]) == ["goroot"]
    assert item["checks"]["goroot"]["real"] == "LEAK"
    assert item["checks"]["goroot"]["emulated"] == "PASS"
    assert "exported GOROOT" in item["checks"]["goroot"]["real_evidence"][0]
    twin = next(c for c in emulated["cells"] if c["id"] == item["emulated"])
    assert item["checks"]["goroot"]["emulated_evidence"] == twin["checks"]["goroot"]["evidence"]
    assert fid["agree"] == fid["compared"] - len(planted)
    md = render_markdown(merged)
    assert "## Fidelity: emulated profiles against real hosts" in md
    assert f"`{item['real']}` vs `{item['emulated']}`" in md
    assert "goroot, real linux: after: LEAK: exported GOROOT" in md
    assert f"goroot, emulated ubuntu: {twin['checks']['goroot']['evidence'][0]}" in md
    page = render_html(merged)
    assert '<section id="fidelity">' in page and "exported GOROOT" in page


def test_a_real_wsl2_stays_apart_from_the_emulated_profile(emulated):
    real = host_report(emulated, "wsl2", "wsl2")
    merged = merge_all([real, emulated], ["wsl2.json", "matrix.json"])
    ids = [c["id"] for c in merged["cells"]]
    assert len(ids) == len(set(ids)) == len(emulated["cells"]) + len(real["cells"])
    assert merged["fidelity"]["agree"] == len(real["cells"])


def test_an_emulated_cell_that_did_not_run_is_not_compared(emulated):
    base = copy.deepcopy(emulated)
    for cell in base["cells"]:
        if cell["platform"] == "macos-runner" and cell["manager"] == "mise":
            cell["verdict"] = "SKIPPED"
            for check in cell["checks"].values():
                check["verdict"] = "SKIPPED"
    real = host_report(emulated, "macos", "macos-runner", manager="mise")
    fid = merge_all([base, real], ["matrix.json", "macos.json"])["fidelity"]
    assert fid["compared"] == 0 and fid["disagree"] == []
    assert len(fid["not_compared"]) == len(real["cells"])
    assert "no check was decided on both" in fid["not_compared"][0]["why"]


def test_a_cell_given_twice_or_no_emulated_matrix_is_refused(emulated):
    real = host_report(emulated, "linux", "ubuntu")
    with pytest.raises(MatrixError, match="is in two real-host reports"):
        merge_all([emulated, real, real], ["matrix.json", "a.json", "b.json"])
    with pytest.raises(MatrixError, match="only real-host reports were given"):
        merge_all([real], ["a.json"])


def test_a_host_cell_of_another_machine_is_refused(emulated):
    real = host_report(emulated, "linux", "ubuntu")
    real["cells"][0]["platform"] = "ubuntu"
    with pytest.raises(MatrixError, match="is not of its host linux"):
        merge_all([emulated, real], ["matrix.json", "linux.json"])


def test_a_report_with_no_real_host_has_no_fidelity_section(emulated):
    assert "fidelity" not in emulated
    assert "Fidelity" not in render_markdown(emulated)
    assert 'id="fidelity"' not in render_html(emulated)
    assert Cell  # the cells above are the run's own shape (tests/report/test_merge.py)
