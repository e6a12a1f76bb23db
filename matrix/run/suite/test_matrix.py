"""The matrix: one test per cell (platform × manager × scenario × shell context).

A cell's test passes when the harness reached a verdict, whatever it is: a LEAK found in a
third-party tool is a finding for the report, not a failure of the harness. It fails when the
verdict is ERROR (the harness could not decide) or one of the verdicts given to --fail-on.
"""

from __future__ import annotations

import pytest

DAEMON_GONE = "the Docker daemon stopped answering at "


def test_cell(cell, matrix_session):
    result = matrix_session.evaluate(cell)
    matrix_session.hand_over(result)
    if result["verdict"] == "ERROR":
        error = result["error"] or ""
        if error.startswith(DAEMON_GONE):  # said once, in the summary, not once per cell
            error = "the Docker daemon was not answering (the summary says since when)"
        pytest.fail(f"{cell.id}: the harness could not decide: {error}", pytrace=False)
    if result["verdict"] in matrix_session.config.fail_on:
        pytest.fail(f"{cell.id}: {result['verdict']} (--fail-on)", pytrace=False)
