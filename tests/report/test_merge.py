from __future__ import annotations

import copy
import json
import random

import pytest

from matrix import __version__
from matrix.core.cells import Cell, build_cells
from matrix.core.definition import builtin_definition
from matrix.core.errors import MatrixError
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.shards import parse_shard, shard_cells
from matrix.core.verdicts import CHECKS
from matrix.report import build_report
from matrix.report.merge import (
    load_and_merge,
    matrix_fingerprint,
    merge_reports,
    shard_field,
)
from matrix.run.config import make_selection

from ..conftest import classic_matrix


def _cell(cell: Cell) -> dict:
    verdict = "SHARED" if cell.shell in ("bash-login", "session") else "INACTIVE"
    checks = {name: {"check": name, "verdict": verdict if name == "gopath" else "PASS",
                     "evidence": [f"leg: {verdict}: expected X, got Y"]} for name in CHECKS}
    return {**cell.to_dict(), "group": cell.group, "shell_order": SHELL_CONTEXTS.index(cell.shell),
            "verdict": verdict, "error": None, "log_tail": [], "checks": checks,
            "run_seconds": 1.0}


def _provenance(cells: list[Cell]) -> dict:
    """What a shard's run records: only the images, platforms and managers it used."""
    return {"network": "offline", "docker": {"version": "24.0", "api_version": "1.43"},
            "platforms": {c.platform: {"base": "rootfs"} for c in cells},
            "managers": {c.manager: {"installed": {"version": "1"}} for c in cells},
            "images": {f"{c.platform}/{c.manager}": {"tag": f"t/{c.platform}-{c.manager}"}
                       for c in cells},
            "artifacts": [{"key": "go/a.tar.gz", "sha256": "aa"},
                          *({"key": f"{c.manager}/bin", "sha256": "bb"} for c in cells)]}


@pytest.fixture(scope="module")
def matrix() -> tuple[dict, list[Cell]]:
    sel, _cells = classic_matrix()
    return sel.to_dict(), _cells


def _shard_reports(selection: dict, cells: list[Cell], total: int) -> list[dict]:
    reports = []
    for index in range(1, total + 1):
        mine = shard_cells(cells, index, total)
        report = build_report([_cell(c) for c in mine], selection, _provenance(mine),
                              run_id=f"run{index}")
        report["shard"] = shard_field(selection, __version__, index, total)
        reports.append(report)
    return reports


def _verdicts(report: dict) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in report["cells"]}


@pytest.mark.parametrize(("text", "expected"), [("1/3", (1, 3)), ("3/3", (3, 3)),
                                                (" 2 / 4 ", (2, 4)), ("1/1", (1, 1))])
def test_parse_shard(text, expected):
    assert parse_shard(text) == expected


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/3/5", ""])
def test_parse_shard_refuses_bad_values_in_one_line(text):
    with pytest.raises(MatrixError, match="expected I/N") as info:
        parse_shard(text)
    assert info.value.exit_code == 2 and "\n" not in str(info.value)


def test_default_matrix_shards_are_disjoint_complete_grouped_and_stable(matrix):
    _, cells = matrix
    assert len(cells) == 76 and len({c.group for c in cells}) == 12
    shards = [shard_cells(cells, i, 3) for i in (1, 2, 3)]
    ids = [c.id for shard in shards for c in shard]
    assert sorted(ids) == sorted(c.id for c in cells)
    assert len(ids) == len(set(ids))
    groups = [{c.group for c in shard} for shard in shards]
    assert not (groups[0] & groups[1] or groups[0] & groups[2] or groups[1] & groups[2])
    assert [len(s) for s in shards] == [26, 25, 25]
    assert [shard_cells(cells, i, 3) for i in (1, 2, 3)] == shards


def test_sharding_ignores_the_order_of_the_cells(matrix):
    _, cells = matrix
    shuffled = list(cells)
    random.Random(7).shuffle(shuffled)
    for index in (1, 2, 3):
        assert ({c.id for c in shard_cells(shuffled, index, 3)}
                == {c.id for c in shard_cells(cells, index, 3)})


def test_cell_dicts_shard_like_cells(matrix):
    _, cells = matrix
    dicts = [_cell(c) for c in cells]
    for index in (1, 2, 3):
        assert ([d["id"] for d in shard_cells(dicts, index, 3)]
                == [c.id for c in shard_cells(cells, index, 3)])


def test_more_shards_than_groups_leaves_some_empty(matrix):
    _, cells = matrix
    shards = [shard_cells(cells, i, 20) for i in range(1, 21)]
    assert sum(len(s) for s in shards) == 76
    assert sum(1 for s in shards if s) == 12


def test_merged_shards_equal_a_single_run(matrix):
    selection, cells = matrix
    single = build_report([_cell(c) for c in cells], selection, {"network": "offline"})
    merged = merge_reports(_shard_reports(selection, cells, 3))
    assert _verdicts(merged) == _verdicts(single)
    assert [c["id"] for c in merged["cells"]] == [c["id"] for c in single["cells"]]
    assert merged["summary"] == single["summary"]
    assert merged["selection"] == selection and "shard" not in merged
    assert [m["shard"]["index"] for m in merged["merged_from"]] == [1, 2, 3]
    prov = merged["provenance"]
    assert prov == _provenance(cells) | {"artifacts": [
        {"key": "go/a.tar.gz", "sha256": "aa"},
        *({"key": f"{m}/bin", "sha256": "bb"} for m in selection["managers"])]}
    assert prov["network"] == "offline" and prov["docker"]["version"] == "24.0"


def test_merge_order_does_not_matter(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 3)
    forward, backward = merge_reports(reports), merge_reports(reports[::-1])
    del forward["generated_at"], backward["generated_at"]
    assert forward == backward


def test_overlapping_shards_are_refused(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 3)
    with pytest.raises(MatrixError, match=r"shard 2/3 given twice"):
        merge_reports([reports[0], reports[1], reports[1], reports[2]])
    stolen = copy.deepcopy(reports[2])
    stolen["cells"].append(copy.deepcopy(reports[0]["cells"][0]))
    with pytest.raises(MatrixError, match="is in two shards") as info:
        merge_reports([reports[0], reports[1], stolen])
    assert reports[0]["cells"][0]["id"] in str(info.value)


def test_missing_shards_are_named(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 3)
    with pytest.raises(MatrixError, match=r"missing shard\(s\) 2/3") as info:
        merge_reports([reports[0], reports[2]])
    assert info.value.exit_code == 2 and "\n" not in str(info.value)


def test_shards_of_different_matrices_are_refused(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 3)
    other_sel = make_selection(platforms=["ubuntu"])
    other = _shard_reports(other_sel.to_dict(), build_cells(other_sel, builtin_definition()), 3)
    with pytest.raises(MatrixError, match="different matrices"):
        merge_reports([reports[0], other[1], reports[2]])
    four = _shard_reports(selection, cells, 4)
    with pytest.raises(MatrixError, match="different matrices"):
        merge_reports([reports[0], four[1], reports[2]])


def test_a_forged_fingerprint_is_refused(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 2)
    reports[1]["selection"] = {**selection, "platforms": ["ubuntu"]}
    with pytest.raises(MatrixError, match="its selection and harness version make matrix"):
        merge_reports(reports)


def test_a_report_without_shard_field_or_of_another_schema_is_refused(matrix):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 2)
    whole = {k: v for k, v in reports[1].items() if k != "shard"}
    with pytest.raises(MatrixError, match="has no shard field"):
        merge_reports([reports[0], whole])
    with pytest.raises(MatrixError, match="schema version 2"):
        merge_reports([reports[0], {**reports[1], "schema_version": 2}])
    with pytest.raises(MatrixError, match="no shard reports"):
        merge_reports([])


def test_fingerprint_depends_on_selection_and_version_only():
    sel = classic_matrix()[0].to_dict()
    assert matrix_fingerprint(sel, "0.1.0") == matrix_fingerprint(copy.deepcopy(sel), "0.1.0")
    assert matrix_fingerprint(sel, "0.1.0") != matrix_fingerprint(sel, "0.2.0")
    assert matrix_fingerprint(sel, "0.1.0") != matrix_fingerprint({**sel, "go": ["1.22.10"]},
                                                                  "0.1.0")
    assert len(matrix_fingerprint(sel, "0.1.0")) == 16


def test_load_and_merge_names_the_files(matrix, tmp_path):
    selection, cells = matrix
    reports = _shard_reports(selection, cells, 3)
    paths = []
    for report in reports:
        path = tmp_path / f"shard{report['shard']['index']}.json"
        path.write_text(json.dumps(report))
        paths.append(str(path))
    assert load_and_merge(paths)["summary"]["cells"] == 76
    with pytest.raises(MatrixError, match=r"shard3\.json"):
        load_and_merge([paths[0], paths[1], paths[2], paths[2]])
    (tmp_path / "cut.json").write_text(json.dumps(reports[0])[:300])
    with pytest.raises(MatrixError, match="not a complete JSON document"):
        load_and_merge([str(tmp_path / "cut.json"), paths[1], paths[2]])
