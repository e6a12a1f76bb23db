"""Each process hands its cells' results over through a file of its own in the run's folder;
the controller reads them all, and leaves out a line a dying process did not finish."""

from __future__ import annotations

import json

from matrix.core.cells import Cell, Scenario
from matrix.core.verdicts import Verdict
from matrix.run.results import error_cell
from matrix.run.session import RESULTS, MatrixSession, handed_over


def _result(shell: str, reason: str = "planted") -> dict:
    cell = Cell("ubuntu", "manual", Scenario("1.21.13", "1.22.10", "global"), shell)
    return error_cell(cell, Verdict.SKIPPED, reason)


class _Process:
    """What ``hand_over`` needs of a session: the run's folder."""

    hand_over = MatrixSession.hand_over

    def __init__(self, folder):
        self.shared_dir = folder


def test_every_process_result_is_read_back_by_cell_id(tmp_path):
    first, second = _result("bash-login"), _result("sh", "from → another process")
    _Process(tmp_path).hand_over(first)
    (tmp_path / RESULTS / "999.jsonl").write_text(json.dumps(second) + "\n", encoding="utf-8")
    found = handed_over(tmp_path)
    assert found == {first["id"]: first, second["id"]: second}


def test_a_line_cut_short_is_left_out_and_the_rest_kept(tmp_path):
    kept, cut = _result("bash-login"), _result("sh")
    folder = tmp_path / RESULTS
    folder.mkdir()
    (folder / "1.jsonl").write_text(json.dumps(kept) + "\n" + json.dumps(cut)[:200],
                                    encoding="utf-8")
    assert list(handed_over(tmp_path)) == [kept["id"]]


def test_a_run_whose_processes_handed_nothing_over_has_no_results(tmp_path):
    assert handed_over(tmp_path) == {}
