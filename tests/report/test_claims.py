"""The answer table and published claims held against it: each column's answer from the cells,
each claim confirmed, refuted or untested with its evidence, and bad claims files refused in one
line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from matrix.core.cells import Cell, Scenario
from matrix.core.errors import MatrixError
from matrix.core.platforms import SHELL_CONTEXTS
from matrix.core.verdicts import CHECKS, Verdict, worst
from matrix.report import build_report
from matrix.report.answers import VALUES
from matrix.report.claims import (
    check_claims,
    load_claims,
    measured_words,
    render_claims,
)
from matrix.run.results import error_cell

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
            "shell": shell, "shell_order": SHELL_CONTEXTS.index(shell),
            "group": cell_id.rsplit("/", 1)[0],
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
    # atomicity has its own column; the script's own finding decides this one
    assert answers["scripts"]["text"].startswith("INACTIVE after a global switch")


def _not_run_cell(manager: str, shell: str, verdict: str, reason: str,
                  scope: str = "global") -> dict:
    """A cell as the run makes it when nothing ran: every check carries the verdict."""
    cell = Cell("ubuntu", manager, Scenario("1.21.13", "1.22.10", scope), shell)
    return error_cell(cell, Verdict(verdict), reason)


def test_a_manager_whose_cells_did_not_run_has_no_answer():
    cells = [_not_run_cell("sdkman", s, "SKIPPED", "needs govm-matrix mirror add sdkman <folder>")
             for s in SHELLS]
    cells += [_not_run_cell("sdkman", s, "UNSUPPORTED", "sdkman has no directory scope",
                            "directory") for s in SHELLS]
    report = _report(cells)
    answers = report["answers"]["managers"]["sdkman"]["columns"]
    assert all(a["value"] is None for a in answers.values()), answers
    assert answers["goroot"]["text"].startswith(
        "not run (4 SKIPPED, 4 UNSUPPORTED): needs govm-matrix mirror add sdkman")
    checked = check_claims(load_claims(ARTICLE), report)
    sdkman = [r for r in checked["results"] if r["manager"] == "sdkman"]
    assert sdkman and all(r["status"] == "untested" for r in sdkman)


def test_scopes_that_did_not_run_are_not_counted_as_isolated_contexts():
    cells = [_cell("manual", s) for s in SHELLS]
    cells += [_not_run_cell("manual", s, "UNSUPPORTED", "manual has no session scope",
                            "session") for s in SHELLS]
    cells += [_not_run_cell("manual", s, "SKIPPED", "missing an artifact", "directory")
              for s in SHELLS]
    answers = _report(cells)["answers"]["managers"]["manual"]["columns"]
    assert answers["goroot"] == {**answers["goroot"], "value": "isolated",
                                 "text": "isolated in every context (4)", "contexts": 4}
    assert answers["scripts"]["text"] == "works (global)"


def test_a_context_the_harness_could_not_decide_answers_nothing_either_way():
    undecided = {n: "ERROR" for n in CHECKS}
    cells = [_cell("mise", s, verdicts=undecided) for s in SHELLS]
    answers = _report(cells)["answers"]["managers"]["mise"]["columns"]
    assert all(a["value"] is None for a in answers.values()), answers
    cells = [_cell("mise", s, verdicts=undecided if s == "script" else {}) for s in SHELLS]
    answers = _report(cells)["answers"]["managers"]["mise"]["columns"]
    assert answers["goroot"]["value"] is None  # 3 isolated, 1 undecided: not "isolated"
    assert answers["goroot"]["text"].startswith("isolated in 3 of 4 contexts; ERROR in a script")
    assert answers["scripts"] == {**answers["scripts"], "value": None,
                                  "text": "ERROR (undecided) global"}
    cells[0] = _cell("mise", "bash-login", verdicts={"goroot": "LEAK"})
    answers = _report(cells)["answers"]["managers"]["mise"]["columns"]
    assert answers["goroot"]["value"] == "leaks"  # a leak seen is a leak, whatever else errs


def test_a_manager_refusing_the_switch_in_a_script_does_not_work_in_scripts():
    cells = [_cell("mise", s, scope) for s in SHELLS for scope in ("global", "session")
             if (s, scope) != ("script", "session")]
    refused = {**_cell("mise", "script", "session"), "verdict": "UNSUPPORTED", "active": False,
               "checks": {n: {"check": n, "verdict": "UNSUPPORTED",
                              "evidence": ["UNSUPPORTED: mise refuses this switch here"]}
                          for n in CHECKS}}
    answers = _report([*cells, refused])["answers"]["managers"]["mise"]["columns"]
    assert answers["scripts"]["value"] == "fails"
    assert answers["scripts"]["text"] == ("works (global); the manager refuses the switch in a "
                                          "script (session)")
    assert answers["scripts"]["cells"] == [refused["id"]]


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


def test_a_claims_file_is_named_from_the_folder_the_run_started_in(tmp_path, monkeypatch):
    """A run resolves the file it is given; its report names it as on every checkout, not by
    the folder this machine keeps the checkout in."""
    (tmp_path / "claims").mkdir()
    (tmp_path / "claims" / "article.toml").write_text(ARTICLE.read_text(encoding="utf-8"),
                                                      encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    resolved = str((tmp_path / "claims" / "article.toml").resolve())
    assert load_claims(resolved)["file"] == "claims/article.toml"
    report = _report([_cell("manual", s) for s in SHELLS])
    assert check_claims(load_claims(resolved), report)["file"] == "claims/article.toml"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a file outside the folder keeps the name it was given
    assert load_claims(resolved)["file"] == resolved
    assert load_claims("../claims/article.toml")["file"] == "../claims/article.toml"


def test_a_measured_value_is_said_once():
    """The words of some answers start with their value ("works: `go install` …",
    "atomic: `ln -sfn …` leaves no path missing"): the row does not repeat it."""
    report = _report([_cell("manual", s) for s in SHELLS])
    checked = check_claims(load_claims(ARTICLE), report)
    rows = [line for line in render_claims(checked).splitlines() if line.startswith("| ")]
    atomic = next(r for r in rows if r.startswith("| manual | switch atomicity |"))
    assert "| atomic in every context" in atomic and "atomic: atomic" not in atomic
    goroot = next(r for r in rows if r.startswith("| manual | GOROOT isolation |"))
    assert "| isolated in every context" in goroot
    untested = next(r for r in rows if r.startswith("| sdkman | GOROOT isolation |"))
    assert "| sdkman is not in this report |" in untested
    for row in rows[2:]:
        measured = row.split(" | ")[5]
        head, _, rest = measured.partition(": ")
        assert not rest.startswith((f"{head}:", f"{head} ")), row
    assert measured_words("leaks", "isolated in 1 of 2 contexts") == (
        "leaks: isolated in 1 of 2 contexts")
    assert measured_words("works", "works: the build succeeds") == "works: the build succeeds"
    assert measured_words("none", "") == "none"
    assert measured_words(None, "") == "-"


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


def test_a_manager_that_did_not_run_says_so_once_in_the_tables():
    from matrix.report.html import render_html
    from matrix.report.markdown import render_markdown

    cells = [_cell("manual", s) for s in SHELLS]
    cells += [_not_run_cell("goenv", s, "SKIPPED", "missing goenv's git repository")
              for s in SHELLS]
    report = _report(cells)
    row = next(line for line in render_markdown(report).splitlines()
               if line.startswith("| **goenv** |"))
    assert row == ("| **goenv** | · not run (4 SKIPPED): missing goenv's git repository | · | · "
                   "| · | · | · | · |")
    page = render_html(report)
    html_row = page[page.index('<tr data-manager="goenv">'):]
    html_row = html_row[:html_row.index("</tr>")]
    assert f'colspan="{len(report["answers"]["columns"])}"' in html_row
    assert html_row.count("<td") == 1 and "not run (4 SKIPPED)" in html_row


def test_works_in_scripts_is_not_decided_by_atomicity():
    # a switch that rewrites a file in place (atomic BROKEN) still works from a script
    cells = [_cell("g", s, verdicts={"atomic": "BROKEN"} if s == "script" else {})
             for s in SHELLS]
    answers = _report(cells)["answers"]["managers"]["g"]["columns"]
    assert answers["scripts"]["value"] == "works"
    assert answers["atomic"]["value"] == "not-atomic"
    cells[2] = _cell("g", "script", verdicts={"atomic": "BROKEN", "version": "LEAK"})
    answers = _report(cells)["answers"]["managers"]["g"]["columns"]
    assert answers["scripts"]["value"] == "fails"
    assert answers["scripts"]["text"] == "LEAK after a global switch"


def test_a_path_entry_that_activation_loses_is_said_in_the_injection_answer():
    injected = {"functions": ["gvm", "cd"], "hooks": {}, "aliases": [], "variables": ["GOROOT"],
                "path_lost": []}
    cells = [_cell("gvm", s, injected=dict(injected)) for s in SHELLS]
    assert "activation loses" not in _report(cells)["answers"]["managers"]["gvm"][
        "columns"]["injection"]["text"]
    cells.append(_cell("gvm", "bash-interactive", platform="wsl2", injected={
        **injected, "path_lost": ["/mnt/c/Program Files/Go/bin"]}))
    answer = _report(cells)["answers"]["managers"]["gvm"]["columns"]["injection"]
    assert answer["text"].endswith("; activation loses PATH `/mnt/c/Program Files/Go/bin` "
                                   "(wsl2)")
    assert answer["cells"][0] == "wsl2/gvm/1.21.13→1.22.10/global/bash-interactive"
