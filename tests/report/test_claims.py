"""The answer table and published claims held against it: each column's answer from the cells,
each claim confirmed, refuted or untested with its evidence, and bad claims files refused in one
line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matrix.core.errors import MatrixError
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.verdicts import CHECKS, worst
from matrix.report import build_report
from matrix.report.answers import VALUES
from matrix.report.claims import check_claims, load_claims, render_claims

ARTICLE = Path(__file__).resolve().parents[2] / "claims" / "go-env-article.toml"
SHELLS = ("bash-login", "bash-interactive", "script", "session")


def _cell(manager: str, shell: str, scope: str = "global", verdicts: dict | None = None,
          pollution: tuple[str, ...] = (), platform: str = "ubuntu", **extra) -> dict:
    verdicts = verdicts or {}
    checks = {}
    for name in CHECKS:
        verdict = verdicts.get(name, "PASS")
        checks[name] = {"check": name, "verdict": verdict,
                        "evidence": [f"go1.21.13→go1.22.10: {verdict}: expected {name} ok, "
                                     f"got {name} {verdict.lower()}"]}
    scenario = "-".join(pollution) or "clean"
    cell_id = (f"{platform}/{manager}/1.21.13→1.22.10/{scope}"
               f"{'+' + scenario if pollution else ''}/{shell}")
    return {"id": cell_id, "platform": platform, "manager": manager, "from": "1.21.13",
            "to": "1.22.10", "scope": scope, "scenario": scenario, "pollution": list(pollution),
            "shell": shell, "shell_order": SHELL_CONTEXTS.index(shell), "group": cell_id,
            "verdict": worst(checks[c]["verdict"] for c in checks).value, "error": None,
            "log_tail": [], "checks": checks, "active": True, **extra}


def _report(cells: list[dict]) -> dict:
    return build_report(cells, {}, {"network": "offline"})


def test_answers_name_the_leaking_context_and_count_the_clean_ones():
    cells = [_cell("asdf", s) for s in SHELLS]
    cells.append(_cell("asdf", "bash-interactive", "directory", {"goroot": "LEAK"}))
    cells.append(_cell("asdf", "sh", "global", {n: "INACTIVE" for n in CHECKS}))
    cells.append(_cell("asdf", "bash-login", "global", {"goroot": "LEAK"}, ("stale-goroot",)))
    answer = _report(cells)["answers"]["managers"]["asdf"]["columns"]["goroot"]
    assert answer["value"] == "leaks"
    assert answer["text"] == ("isolated in 4 of 5 contexts; LEAK in `bash -i` inside a pinned "
                              "directory; not active in 1")
    assert answer["cells"] == ["ubuntu/asdf/1.21.13→1.22.10/directory/bash-interactive"]


def test_answers_for_shared_atomic_injection_and_scripts():
    cells = [_cell("g", s, verdicts={"gopath": "SHARED", "goroot": "SHARED"},
                   injected={"functions": ["g", "_g_helper"], "hooks": {}, "aliases": [],
                             "variables": ["G_MIRROR", "GOROOT"]})
             for s in SHELLS]
    cells[2] = _cell("g", "script", verdicts={"atomic": "BROKEN", "version": "INACTIVE"})
    answers = _report(cells)["answers"]["managers"]["g"]["columns"]
    assert answers["gopath"]["value"] == "shared"
    assert answers["goroot"]["value"] == "isolated"  # one shared path, always the selected one
    assert answers["atomic"]["value"] == "not-atomic"
    assert answers["injection"]["value"] == "injected"
    assert answers["injection"]["text"].startswith("functions `g` (+1 helpers)")
    assert "`G_MIRROR`" in answers["injection"]["text"]
    assert answers["scripts"]["value"] == "fails"
    assert answers["scripts"]["text"].startswith("BROKEN after a global switch")


def test_a_manager_whose_cells_did_not_run_has_no_answer():
    skipped = {**_cell("sdkman", "bash-login"), "checks": {}, "verdict": "SKIPPED",
               "error": "needs govm-matrix mirror add sdkman <folder>"}
    answers = _report([skipped])["answers"]["managers"]["sdkman"]["columns"]
    assert all(a["value"] is None for a in answers.values())
    assert answers["goroot"]["text"].startswith("not run (1 SKIPPED): needs govm-matrix")


def test_gopath_shapes_are_answered_per_platform_where_that_gopath_is_in_effect():
    spaced = {"after": {"go_env": {"GOPATH": "/home/ubuntu/Go Projects"}}}
    cells = [_cell("manual", "bash-login", pollution=("gopath-spaces",), snapshots=spaced),
             _cell("mise", "bash-login", pollution=("gopath-spaces",),
                   snapshots={"after": {"go_env": {"GOPATH": "/home/ubuntu/go"}}}),
             _cell("manual", "bash-login", pollution=("gopath-spaces",), platform="wsl2",
                   verdicts={"gobin": "BROKEN"}, snapshots=spaced)]
    machines = _report(cells)["answers"]["machines"]
    assert machines["ubuntu"]["gopath-spaces"]["value"] == "works"
    assert "1 of 1 cells" in machines["ubuntu"]["gopath-spaces"]["text"]
    assert machines["wsl2"]["gopath-spaces"]["value"] == "fails"


def test_the_article_s_claims_are_confirmed_refuted_or_untested_with_their_cells():
    claims = load_claims(ARTICLE)
    cells = [_cell("manual", s, verdicts={"goroot": "LEAK"} if s == "session" else {})
             for s in SHELLS]
    checked = check_claims(claims, _report(cells))
    by = {(r["manager"], r["column"], r["platform"]): r for r in checked["results"]}
    assert by[("manual", "goroot", None)]["status"] == "confirmed"
    assert by[("manual", "goroot", None)]["cells"] == [
        "ubuntu/manual/1.21.13→1.22.10/global/session"]
    assert by[("manual", "atomic", None)]["status"] == "refuted"  # every atomic check PASS
    assert by[("manual", "path", None)]["status"] == "untested"  # "depends on the script"
    assert by[("sdkman", "goroot", None)]["status"] == "untested"
    assert by[("sdkman", "goroot", None)]["text"] == "sdkman is not in this report"
    assert by[(None, "gopath-spaces", "wsl2")]["text"] == "wsl2 is not in this report"
    assert sum(checked["counts"].values()) == len(claims["claims"]) == 24
    text = render_claims(checked)
    assert "| manual | GOROOT isolation | error-prone | leaks | ✓ confirmed |" in text
    assert "✗ refuted" in text and "· untested" in text


def test_the_claims_appear_in_the_markdown_report():
    from matrix.report.markdown import render_markdown

    report = _report([_cell("manual", s) for s in SHELLS])
    report["claims"] = check_claims(load_claims(ARTICLE), report)
    text = render_markdown(report)
    assert text.index("## The answer") < text.index("## Claims checked") < text.index(
        "## Overview")


@pytest.mark.parametrize("body, message", [
    ("schema_version = 1\n", "source` must name where the claims come from"),
    ('schema_version = 2\nsource = "x"\n', "schema_version must be 1, got 2"),
    ('schema_version = 1\nsource = "x"\n', "no [[claims]] table"),
    ('schema_version = 1\nsource = "x"\n[[claims]]\nmanager = "asdf"\ncolumn = "speed"\n'
     'says = "fast"\nclaimed = "fast"\n',
     "claims[0].column: 'speed' is not a column; valid columns: goroot, path"),
    ('schema_version = 1\nsource = "x"\n[[claims]]\nmanager = "nvm"\ncolumn = "goroot"\n'
     'says = "ok"\nclaimed = "isolated"\n', "claims[0].manager: 'nvm' is not a manager"),
    ('schema_version = 1\nsource = "x"\n[[claims]]\nmanager = "asdf"\ncolumn = "atomic"\n'
     'says = "ok"\nclaimed = "yes"\n',
     "claims[0].claimed: 'yes' is not a value of atomic; valid values: atomic, not-atomic"),
    ('schema_version = 1\nsource = "x"\n[[claims]]\ncolumn = "gopath-spaces"\n'
     'platform = "windows"\nsays = "ok"\nclaimed = "works"\n',
     "claims[0].platform: 'windows' is not a platform"),
    ('schema_version = 1\nsource = "x"\n[[claims]]\nmanager = "asdf"\ncolumn = "goroot"\n'
     'claimed = "isolated"\n', "claims[0].says: must quote what the source says"),
    ("schema_version = = 1\n", "not valid TOML"),
])
def test_a_bad_claims_file_is_one_line_naming_the_place_and_the_valid_values(tmp_path, body,
                                                                              message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(MatrixError) as info:
        load_claims(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value) and info.value.exit_code == 2


def test_every_column_has_a_vocabulary():
    from matrix.report.answers import COLUMNS, MACHINE_COLUMNS

    assert set(VALUES) == set(COLUMNS) | set(MACHINE_COLUMNS)


def test_the_claims_command_exits_2_on_a_bad_file_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('schema_version = 1\nsource = "x"\n')
    out = subprocess.run([sys.executable, "-m", "matrix.cli", "claims", str(bad),
                          str(tmp_path / "none.json"), "--report-dir", str(tmp_path / "r")],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "no [[claims]] table" in out.stderr
    assert not (tmp_path / "r").exists()
