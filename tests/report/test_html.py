from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from matrix.core.cells import Cell, Scenario
from matrix.core.platforms import PLATFORMS
from matrix.core.verdicts import CHECKS, SYMBOLS, Verdict
from matrix.report import build_report
from matrix.report.html import PAGE_ROWS, render_html
from matrix.run.results import GroupOutcome, cell_result

from ..conftest import unavailable

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
HOSTILE = "<script>alert('x')</script> & </b>"
FOLDED = ("SKIPPED", "UNSUPPORTED")


def _cell(platform: str, manager: str, shell: str, verdict: Verdict, reason: str,
          scope: str = "global") -> dict:
    cell = Cell(platform, manager, Scenario("1.21.13", "1.22.10", scope), shell)
    return cell_result(cell, GroupOutcome(verdict=verdict, reason=reason,
                                          log_tail=[f"tail of {platform} {shell}"]))


def _report() -> dict:
    """Three cells on two platforms; one of them carries every verdict among its checks."""
    every = _cell("ubuntu", "manual", "bash-login", Verdict.ERROR, "mixed")
    for name, verdict in zip(CHECKS, SYMBOLS, strict=False):
        every["checks"][name] = {"check": name, "verdict": verdict.value,
                                 "evidence": [f"go1.21.13→go1.22.10: {verdict.value}: "
                                              f"expected {name} ok, got {name} {verdict.value}"]}
    every["steps"] = [{"step": "switch", "command": "mise use -g go@1.22.10", "status": 0,
                       "stdout": "", "stderr": "\n".join(f"line {i}" for i in range(200)),
                       "seconds": 0.5}]
    every["snapshots"] = {"base": {"env": {"PATH": "/usr/bin"}}, "after": {}, "back": {}}
    cells = [
        every,
        _cell("ubuntu", "manual", "sh", Verdict.UNSUPPORTED, "no such scope"),
        _cell("wsl2", "mise", "bash-login", Verdict.ERROR, f"image failed: {HOSTILE}"),
    ]
    provenance = {
        "network": "offline",
        "docker": {"version": "20.10.24", "api_version": "1.41"},
        "platforms": {"ubuntu": {"base": "Debian bookworm rootfs", "base_image": "rootfs:1"}},
        "managers": {"mise": {"installed": {"version": "2026.9.15", "source": "npm package"}}},
        "images": {"ubuntu/manual": {"tag": "govm-matrix/ubuntu-manual:abc", "built": True,
                                     "seconds": 12.5}},
        "artifacts": [{"key": "go/go1.22.10.linux-amd64.tar.gz", "sha256": "6119" * 16,
                       "source": "<img src=x onerror=alert(1)> wheel",
                       "origin_digest": "sha256:aa"}],
    }
    return build_report(cells, {}, provenance)


def _folding_report() -> dict:
    """Cells that did not run, in groups: SKIPPED by manager and reason, UNSUPPORTED by
    manager and scope, beside two that ran."""
    cells = [_cell("ubuntu", "manual", "bash-login", Verdict.LEAK, "leaked"),
             _cell("wsl2", "mise", "sh", Verdict.PASS, "fine")]
    for platform in ("ubuntu", "wsl2"):
        for shell in ("bash-login", "sh", "script"):
            cells.append(_cell(platform, "gvm", shell, Verdict.SKIPPED, "no gvm offline"))
            cells.append(_cell(platform, "sdkman", shell, Verdict.SKIPPED, "no candidates"))
            cells.append(_cell(platform, "g", shell, Verdict.UNSUPPORTED, "no directory scope",
                               scope="directory"))
    cells.append(_cell("ubuntu", "g", "sh", Verdict.UNSUPPORTED, "no session scope",
                       scope="session"))
    return build_report(cells, {}, {})


def _embedded(page: str, element_id: str) -> object:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>',
                      page, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def _cells(page: str) -> list[dict]:
    """The cells embedded in a page, read back the way its script reads them."""
    data = _embedded(page, "report-data")
    values = data["values"]

    def expand(tree: object) -> object:
        if isinstance(tree, dict):
            return {k: expand(v) for k, v in tree.items()}
        if isinstance(tree, list):
            return [expand(v) for v in tree]
        return values[tree]

    cells = []
    for row in data["cells"]:
        cell = dict(zip(data["fields"], row, strict=True))
        cell["scenario"] = values[cell["scenario"]]
        cell["error"] = None if cell["error"] is None else values[cell["error"]]
        cell["checks"] = {name: {"verdict": values[ref][0],
                                 "evidence": [values[i] for i in values[ref][1]]}
                          for name, ref in zip(data["checks"], cell["checks"], strict=True)
                          if ref is not None}
        cell.update(expand(values[cell.pop("run")]))
        if isinstance(cell["snapshots"], dict):
            cell["snapshots"] = {name: {k: expand(values[i]) for k, i in parts.items()}
                                 for name, parts in cell["snapshots"].items()}
        cells.append(cell)
    return cells


def _href(cell_id: str) -> str:
    return "#cell=" + quote(cell_id, safe="")


def test_page_shows_provenance_and_every_verdict_as_symbol_and_word():
    report = _report()
    page = render_html(report)
    legend = page[page.index('<p id="legend"'):page.index("</p>", page.index('id="legend"'))]
    for verdict, symbol in SYMBOLS.items():
        assert f"{symbol} {verdict.value}" in legend
    grid = page[page.index('<section id="grid"'):page.index('<section id="cells"')]
    assert "? ERROR" in grid and "– UNSUPPORTED" in grid
    assert "2026.9.15" in page and "npm package" in page and "offline" in page
    assert "20.10.24" in page and "6119" * 16 in page and "sha256:aa" in page
    assert "govm-matrix/ubuntu-manual:abc" in page and "built in 12.5 s" in page
    assert report["generated_at"] in page and report["harness"]["version"] in page
    for key in ("platform", "manager", "scenario", "shell", "check", "verdict"):
        assert f'id="filter-{key}"' in page
    assert "1.21.13→1.22.10 · global · none" in page
    assert [c["id"] for c in _cells(page)] == [c["id"] for c in report["cells"]]
    assert "<tr id=\"cell-" not in page  # the rows are the script's, drawn a page at a time


def test_the_answer_comes_first_then_the_grid_then_the_cells():
    report = _report()
    page = render_html(report)
    places = [page.index(mark) for mark in ('id="totals"', 'id="legend"', 'id="provenance"',
                                            '<table id="answers"', '<section id="grid"',
                                            '<table id="matrix"')]
    assert places == sorted(places)
    provenance = re.search(r'<details[^>]*\bid="provenance"[^>]*>', page).group(0)
    assert not re.search(r"\bopen\b", provenance)
    assert 'id="provenance-summary"' in page
    answers = page[page.index('<table id="answers"'):page.index("</table>",
                                                               page.index('id="answers"'))]
    for title in report["answers"]["columns"].values():
        assert f">{title}</th>" in answers
    assert answers.count('<tr data-manager="') == 2
    manual = report["cells"][0]["id"]
    # the sh cell was UNSUPPORTED: not a context that counts, clean or not
    assert "✗</span> clean in 0 of 1 contexts; LEAK in <code>bash -l</code>" in answers
    assert f'href="{_href(manual)}"' in answers
    assert 'id="machine-answers"' not in page and 'id="claims"' not in page

    report["answers"]["machines"] = {"wsl2": {"gopath-windows-drive": {
        "value": "fails", "text": "fails in 1 of 1 cells", "cells": [manual]}}}
    page = render_html(report)
    machines = page[page.index('<table id="machine-answers"'):]
    assert "✗</span> fails in 1 of 1 cells" in machines
    assert "·</span> not in this run" in machines
    del report["answers"]
    page = render_html(report)
    assert 'id="answers"' not in page and '<section id="grid"' in page


def test_claims_are_shown_with_their_status_when_present():
    report = _report()
    cell = report["cells"][0]["id"]
    report["claims"] = {"file": "claims/article.toml", "source": f"An article {HOSTILE}",
                        "results": [
        {"manager": "manual", "column": "path", "platform": None, "claimed": "clean",
         "says": "keeps PATH clean", "source": "An article", "status": "refuted",
         "measured": "residue", "text": "clean in 1 of 2 contexts", "cells": [cell]},
        {"manager": "mise", "column": "goroot", "platform": "wsl2", "claimed": "isolated",
         "says": HOSTILE, "source": "An article", "status": "confirmed",
         "measured": "isolated", "text": "isolated in every context (1)", "cells": []},
        {"manager": None, "column": "gopath-spaces", "platform": "ubuntu", "claimed": "works",
         "says": "works", "source": "An article", "status": "untested", "measured": None,
         "text": "no cell ran with that GOPATH in effect", "cells": []}]}
    page = render_html(report)
    claims = page[page.index('<section id="claims"'):page.index('<section id="grid"')]
    assert page.index('<table id="answers"') < page.index('<section id="claims"')
    assert '<td class="claim-refuted">✗ refuted</td>' in claims
    assert '<td class="claim-confirmed">✓ confirmed</td>' in claims
    assert '<td class="claim-untested">· untested</td>' in claims
    assert ">PATH pollution<" in claims and ">a GOPATH with spaces<" in claims
    assert "mise on wsl2" in claims and "keeps PATH clean" in claims
    assert f'href="{_href(cell)}"' in claims
    assert "<script>alert" not in page and "&lt;script&gt;alert" in claims
    # the value once: before words that do not start with it, not before words that do
    assert "</span> residue: clean in 1 of 2 contexts" in claims
    assert "</span> isolated in every context (1)" in claims
    assert "isolated: isolated" not in claims
    assert "</span> no cell ran with that GOPATH in effect" in claims


def test_everything_is_escaped_and_the_embedded_data_round_trips():
    page = render_html(_report())
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; wheel" in page
    scripts = re.findall(r"<script\b", page)
    assert len(scripts) == page.count("</script>") == 3
    cells = _cells(page)
    wsl = next(c for c in cells if c["id"].startswith("wsl2/"))
    assert wsl["error"] == f"image failed: {HOSTILE}"
    assert any(HOSTILE in line for line in wsl["checks"]["goroot"]["evidence"])
    assert wsl["verdict"] == "ERROR" and wsl["log_tail"] == ["tail of wsl2 bash-login"]
    every = cells[0]
    assert {n: r["verdict"] for n, r in every["checks"].items()} == {
        n: v.value for n, v in zip(CHECKS, SYMBOLS, strict=False)}
    assert every["scenario"] == "1.21.13→1.22.10 · global · none"


def test_snapshots_only_for_findings_and_long_output_is_cut_to_its_tail():
    report = _report()
    report["cells"][0]["snapshots"]["base"]["marker"] = "snapshot-marker-1234"
    unsupported = report["cells"][1]
    unsupported["snapshots"] = {"base": {"marker": "snapshot-marker-5678"}}
    page = render_html(report)
    assert page.count("snapshot-marker-1234") == 1
    assert "snapshot-marker-5678" not in page
    cells = _cells(page)
    assert cells[0]["snapshots"]["base"] == {"env": {"PATH": "/usr/bin"},
                                            "marker": "snapshot-marker-1234"}
    assert cells[1]["snapshots"] == ["base"] and cells[2]["snapshots"] is None
    stderr = cells[0]["steps"][0]["stderr"]
    assert stderr.startswith("…\n") and stderr.endswith("line 199") and "line 100\n" not in stderr


def test_page_loads_nothing_from_the_network():
    page = render_html(_report())
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|@import|url\(", page, re.I)


def test_an_empty_report_still_renders():
    page = render_html(build_report([], {}, {}))
    assert "No cells ran." in page and 'id="filter-platform"' in page
    assert _cells(page) == []


@pytest.fixture
def browser(tmp_path):
    """Debian's Chromium, driven through its own chromedriver (nothing is downloaded)."""
    missing = [name for name, found in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER))
               if not found]
    if missing:
        unavailable(f"needs Debian's chromium and chromium-driver: {', '.join(missing)} not on "
                    "PATH")
    try:
        from selenium import webdriver
    except ImportError:
        unavailable("needs the selenium package (the project's dev extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--window-size=1400,1000",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _open(browser, tmp_path, report: dict, fragment: str = "") -> str:
    page = tmp_path / "matrix.html"
    page.write_text(render_html(report), encoding="utf-8")
    browser.get(page.as_uri() + fragment)
    return page.as_uri()


def _choose(browser, key: str, value: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element(By.ID, f"filter-{key}")).select_by_value(value)


def _rows(browser) -> list:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")


def _no_errors(browser) -> None:
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def _snapshot_shown(panel, name: str) -> object:
    """The snapshot the drill-down shows folded under ``name``, as data."""
    from selenium.webdriver.common.by import By

    for fold in panel.find_elements(By.CSS_SELECTOR, "details"):
        if fold.find_element(By.TAG_NAME, "summary").get_attribute("textContent") == name:
            return json.loads(fold.find_element(By.TAG_NAME, "pre").get_attribute("textContent"))
    raise AssertionError(f"no snapshot {name} in the drill-down")


def test_the_page_filters_and_drills_down_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    _open(browser, tmp_path, _report())
    # the UNSUPPORTED cell is folded into a line above the table, the other two are rows
    rows = _rows(browser)
    assert [r.get_attribute("data-platform") for r in rows] == ["ubuntu", "wsl2"]
    assert all(r.is_displayed() for r in rows)
    assert browser.find_element(By.ID, "row-count").text == "showing 2 of 3 cells"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    first = browser.find_element(By.ID, "cell-0").text
    for verdict, symbol in SYMBOLS.items():
        assert f"{symbol} {verdict.value}" in first

    _choose(browser, "platform", "ubuntu")
    assert [r.get_attribute("data-platform") for r in _rows(browser)] == ["ubuntu"]
    assert browser.find_element(By.ID, "row-count").text == "showing 1 of 3 cells"

    _choose(browser, "check", "path")
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#matrix thead th")
              if th.is_displayed()]
    assert "path" in header and "goroot" not in header and "build" not in header
    shown = [td.get_attribute("data-check") for td in
             browser.find_elements(By.CSS_SELECTOR, "#matrix tbody td[data-check]")
             if td.is_displayed()]
    assert shown == ["path"]

    _choose(browser, "platform", "")
    _choose(browser, "verdict", "UNSUPPORTED")
    assert [r.get_attribute("data-id") for r in _rows(browser)] == [
        "ubuntu/manual/1.21.13→1.22.10/global/sh"]
    _choose(browser, "verdict", "")

    panel = browser.find_element(By.ID, "drilldown")
    assert not panel.is_displayed()
    browser.find_element(By.CSS_SELECTOR, '#matrix tbody tr[data-platform="wsl2"]').click()
    assert panel.is_displayed()
    text = panel.text
    assert "wsl2/mise/1.21.13→1.22.10/global/bash-login" in text
    assert f"ERROR: image failed: {HOSTILE}" in text
    assert "tail of wsl2 bash-login" in text and "No snapshot was taken." in text
    bad = [li.text for li in panel.find_elements(By.CSS_SELECTOR, "li.bad")]
    assert bad and all("ERROR" in line for line in bad)

    browser.find_element(By.ID, "cell-0").click()
    assert "expected goroot ok, got goroot PASS" in panel.text
    flagged = {li.text for li in panel.find_elements(By.CSS_SELECTOR, "li.bad")}
    assert "go1.21.13→go1.22.10: LEAK: expected path ok, got path LEAK" in flagged
    assert not any(": PASS: " in line or ": SHARED: " in line for line in flagged)
    assert "mise use -g go@1.22.10" in panel.text
    summaries = [s.text for s in panel.find_elements(By.TAG_NAME, "summary")]
    assert {"base", "after", "back", "stderr"} <= set(summaries)
    assert _snapshot_shown(panel, "base") == {"env": {"PATH": "/usr/bin"}}

    browser.find_element(By.ID, "drilldown-close").click()
    assert not panel.is_displayed()
    browser.find_element(By.ID, "cell-0").click()
    assert panel.is_displayed()
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue00c")  # Escape
    assert not panel.is_displayed()
    _no_errors(browser)


def test_skipped_and_unsupported_cells_are_folded_into_one_line_per_group(browser, tmp_path):
    from selenium.webdriver.common.by import By

    report = _folding_report()
    _open(browser, tmp_path, report)
    assert len(_rows(browser)) == 2
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing 2 of {len(report['cells'])} cells")

    def lines(verdict: str) -> list[str]:
        box = browser.find_element(By.ID, f"folded-{verdict.lower()}")
        assert box.tag_name == "details" and box.get_attribute("hidden") is None
        return [li.get_attribute("textContent").removesuffix("list them")
                for li in box.find_elements(By.TAG_NAME, "li")]

    assert sorted(lines("SKIPPED")) == [
        "» SKIPPED: 6 cells of gvm (ubuntu, wsl2): no gvm offline",
        "» SKIPPED: 6 cells of sdkman (ubuntu, wsl2): no candidates"]
    assert sorted(lines("UNSUPPORTED")) == [
        "– UNSUPPORTED: 1 cell of g (ubuntu), scope session: no session scope",
        "– UNSUPPORTED: 6 cells of g (ubuntu, wsl2), scope directory: no directory scope"]
    summary = browser.find_element(By.CSS_SELECTOR, "#folded-skipped summary").text
    assert summary.startswith("» SKIPPED: 12 cells not listed, in 2 groups")

    _choose(browser, "platform", "wsl2")  # the folded lines follow the filters
    assert sorted(lines("SKIPPED")) == ["» SKIPPED: 3 cells of gvm (wsl2): no gvm offline",
                                        "» SKIPPED: 3 cells of sdkman (wsl2): no candidates"]
    _choose(browser, "platform", "")

    _choose(browser, "verdict", "SKIPPED")
    rows = _rows(browser)
    assert len(rows) == 12 and {r.get_attribute("data-verdict") for r in rows} == {"SKIPPED"}
    assert not browser.find_element(By.ID, "folded-skipped").is_displayed()
    assert not browser.find_element(By.ID, "folded-unsupported").is_displayed()
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing 12 of {len(report['cells'])} cells")
    _choose(browser, "verdict", "UNSUPPORTED")
    assert {r.get_attribute("data-manager") for r in _rows(browser)} == {"g"}
    assert len(_rows(browser)) == 7

    _choose(browser, "verdict", "")  # a folded line's button lists its group
    browser.find_element(By.ID, "folded-skipped").click()
    button = next(li for li in browser.find_elements(By.CSS_SELECTOR, "#folded-skipped li")
                  if "sdkman" in li.text).find_element(By.TAG_NAME, "button")
    button.click()
    assert {r.get_attribute("data-manager") for r in _rows(browser)} == {"sdkman"}
    assert len(_rows(browser)) == 6
    _no_errors(browser)


def test_a_grid_entry_lists_its_cells(browser, tmp_path):
    from selenium.webdriver.common.by import By

    report = _folding_report()
    _open(browser, tmp_path, report)
    _choose(browser, "scenario", "1.21.13→1.22.10 · global · none")
    _choose(browser, "verdict", "LEAK")
    grids = browser.find_elements(By.CSS_SELECTOR, "#grid table.grid")
    assert [g.get_attribute("data-platform") for g in grids] == ["ubuntu", "wsl2"]
    heads = [th.text for th in grids[0].find_elements(By.CSS_SELECTOR, "thead th")]
    assert heads == ["manager", "bash-login", "sh", "script"]  # SHELL_CONTEXTS order

    entry = browser.find_element(
        By.CSS_SELECTOR, '#grid button[data-platform="wsl2"][data-manager="gvm"]'
                         '[data-shell="script"]')
    assert entry.text == "» SKIPPED"
    assert entry.get_attribute("title") == "wsl2 × gvm × script: 1 cell: 1 SKIPPED"
    entry.click()
    values = {k: browser.find_element(By.ID, f"filter-{k}").get_attribute("value")
              for k in ("platform", "manager", "shell", "scenario", "check", "verdict")}
    assert values == {"platform": "wsl2", "manager": "gvm", "shell": "script",
                      "scenario": "", "check": "", "verdict": ""}
    assert _rows(browser) == []  # a SKIPPED cell is folded: one line tells it
    assert [li.get_attribute("textContent").removesuffix("list them") for li in
            browser.find_elements(By.CSS_SELECTOR, "#folded-skipped li")] == [
        "» SKIPPED: 1 cell of gvm (wsl2): no gvm offline"]
    top = browser.execute_script(
        "return document.getElementById('cells').getBoundingClientRect().top")
    assert abs(top) < 5  # scrolled to the list

    ubuntu = browser.find_element(
        By.CSS_SELECTOR, '#grid button[data-platform="ubuntu"][data-manager="g"][data-shell="sh"]')
    assert ubuntu.text == "– UNSUPPORTED"
    assert ubuntu.get_attribute("title") == "ubuntu × g × sh: 2 cells: 2 UNSUPPORTED"
    leak = browser.find_element(
        By.CSS_SELECTOR, '#grid button[data-platform="ubuntu"][data-manager="manual"]'
                         '[data-shell="bash-login"]')
    assert leak.text == "✗ LEAK"
    leak.click()
    assert [r.get_attribute("data-id") for r in _rows(browser)] == [
        "ubuntu/manual/1.21.13→1.22.10/global/bash-login"]
    _no_errors(browser)


def test_an_answer_links_to_its_cell_and_deep_links_open_a_cell(browser, tmp_path):
    from selenium.webdriver.common.by import By

    report = _report()
    manual, _, wsl = (c["id"] for c in report["cells"])
    uri = _open(browser, tmp_path, report)
    panel = browser.find_element(By.ID, "drilldown")
    assert not panel.is_displayed()
    link = browser.find_element(
        By.CSS_SELECTOR, f'#answers tr[data-manager="manual"] a[href="{_href(manual)}"]')
    link.click()
    assert panel.is_displayed() and manual in panel.text
    assert "expected path ok, got path LEAK" in panel.text
    assert browser.execute_script("return location.hash") == _href(manual)
    browser.find_element(By.ID, "drilldown-close").click()
    assert not panel.is_displayed()
    assert browser.execute_script("return location.hash") == ""
    link.click()  # the same link again, after closing
    assert panel.is_displayed() and manual in panel.text

    browser.execute_script("location.hash = arguments[0]", _href(wsl))
    assert wsl in panel.text and manual not in panel.text
    browser.execute_script("location.hash = arguments[0]", _href("no/such/cell"))
    assert "No cell no/such/cell in this report." in panel.text

    browser.get("about:blank")
    browser.get(uri + _href(manual))
    panel = browser.find_element(By.ID, "drilldown")
    assert panel.is_displayed() and manual in panel.text
    assert "mise use -g go@1.22.10" in panel.text
    _no_errors(browser)


# A synthetic matrix of twice today's size, its cells shaped like a real run's: a third of
# them did not run (SKIPPED, UNSUPPORTED), some 15% are findings (LEAK, BROKEN, ERROR) and keep
# their snapshots; every run has some twenty commands with short output and one long one.
SYNTHETIC_CELLS = 7000
MANAGERS = ("asdf", "asdf-0.15", "distro", "distro-alternatives", "g", "goenv",
            "gotoolchain", "gvm", "manual", "mise", "sdkman", "sdkman-local")
TRANSITIONS = (("1.21.13", "1.22.10"), ("1.22.10", "1.23.4"), ("1.20.14", "1.21.13"))
POLLUTIONS = ((), ("goroot-bin-path",), ("gopath-spaces",), ("distro-go",))
RAN = (("PASS", 22), ("SHARED", 32), ("INACTIVE", 24), ("LEAK", 14), ("BROKEN", 6),
       ("ERROR", 2))


def _env(cell: dict, phase: str, version: str, home: str) -> dict:
    """A probe's environment: some forty variables, as a login shell has after a switch;
    the same for the same manager, version, pollution and shell, as in a real run."""
    manager, user = cell["manager"], home.rsplit("/", 1)[-1]
    root = f"{home}/.{manager}/versions/{version}"
    entries = [f"{root}/bin", f"{home}/go/bin", f"{home}/.local/bin"]
    if cell["pollution"]:
        entries.append(f"/opt/{cell['pollution'][0]}/go/bin")
    path = ":".join([*entries, "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin",
                     "/sbin", "/bin", "/usr/games", "/usr/local/games", "/snap/bin"])
    return {"HOME": home, "USER": user, "LOGNAME": user, "SHELL": "/bin/bash", "PATH": path,
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color",
            "HOSTNAME": "localhost", "PWD": home, "OLDPWD": "/", "SHLVL": "2",
            "_": f"{root}/bin/go", "MAIL": f"/var/mail/{user}", "GOROOT": root,
            "GOPATH": f"{home}/go", "GOBIN": "", "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod",
            "GOCACHE": f"{home}/.cache/go-build", "GOMODCACHE": f"{home}/go/pkg/mod",
            "GOPROXY": "off", "GOSUMDB": "off", "XDG_CONFIG_HOME": f"{home}/.config",
            "XDG_CACHE_HOME": f"{home}/.cache", "XDG_DATA_HOME": f"{home}/.local/share",
            "DEBIAN_FRONTEND": "noninteractive", "TZ": "UTC", "PAGER": "less", "EDITOR": "vi",
            "HISTFILE": f"{home}/.bash_history", "HISTSIZE": "1000", "PS1": r"\u@\h:\w\$ ",
            "LS_COLORS": "rs=0:di=01;34:ln=01;36:mi=00:pi=40;33:so=01;35:do=01;35:bd=40;33;01"
                         ":cd=40;33;01:or=40;31;01:ex=01;32",
            f"{manager.upper().replace('-', '_')}_ROOT": f"{home}/.{manager}",
            "GOVM_LABEL": f"{cell['shell']}:{phase}", "GOVM_GO": version, "CI": "true",
            "LESS": "-R", "SCOPE": cell["scope"]}


def _snapshot(cell: dict, phase: str, version: str, home: str, at: float) -> dict:
    root = f"{home}/.{cell['manager']}/versions/{version}"
    env = _env(cell, phase, version, home)
    go_env = {f"GO{k}": v for k, v in (
        ("ROOT", root), ("PATH", f"{home}/go"), ("BIN", ""), ("TOOLCHAIN", "local"),
        ("VERSION", f"go{version}"), ("OS", "linux"), ("ARCH", "amd64"), ("HOSTOS", "linux"),
        ("HOSTARCH", "amd64"), ("CACHE", f"{home}/.cache/go-build"),
        ("ENV", f"{home}/.config/go/env"), ("MODCACHE", f"{home}/go/pkg/mod"),
        ("PROXY", "off"), ("SUMDB", "off"), ("FLAGS", "-mod=mod"),
        ("TOOLDIR", f"{root}/pkg/tool/linux_amd64"), ("AMD64", "v1"), ("EXPERIMENT", ""),
        ("INSECURE", ""), ("NOPROXY", ""), ("NOSUMDB", ""), ("PRIVATE", ""), ("WORK", ""),
        ("MOD", "/dev/null"), ("EXE", ""), ("DEBUG", ""), ("TELEMETRY", "off"),
        # a temporary directory of its own in every snapshot, as `go env` prints it
        ("GCCFLAGS", f"-fPIC -m64 -pthread -Wl,--no-gc-sections -fmessage-length=0 "
                     f"-ffile-prefix-map={home}/.cache/go-tmp/go-build"
                     f"{int(at * 1000) % 10**9}=/go-build "
                     f"-gno-record-gcc-switches"))}
    return {"label": f"{cell['shell']}:{phase}", "time": at, "env": env,
            "vars": {k: env[k] for k in ("GOROOT", "GOPATH", "GOBIN", "GOTOOLCHAIN", "PATH")},
            "go_env": go_env, "go": f"{root}/bin/go", "go_env_error": None,
            "go_on_path": [f"{root}/bin/go", "/usr/bin/go"],
            "go_version": {"output": f"go version go{version} linux/amd64", "status": 0},
            "path_entries": env["PATH"].split(":"),
            "real": {"go": f"{root}/bin/go", "goroot": root},
            "build": {"status": 0, "version": f"go{version}", "output": "hello",
                      "seconds": round(at % 7, 3)}}


def _evidence(cell: dict, check: str, verdict: str, home: str) -> list[str]:
    old, new = cell["from"], cell["to"]
    root = f"{home}/.{cell['manager']}/versions"
    lines = [f"go{old}→go{new}: PASS: `go env {check.upper()}` is {root}/{new}, go{new}'s",
             f"back to go{old}: PASS: `go env {check.upper()}` is {root}/{old}, go{old}'s"]
    if verdict != "PASS":
        lines.append(f"go{old}→go{new}: {verdict}: expected {check} of go{new} under "
                     f"{root}/{new}, got {root}/{old}/bin in {cell['shell']}")
    return lines


def _steps(cell: dict, shells: tuple[str, ...]) -> list[dict]:
    """The commands of one run (shared by the cells of its group)."""
    old, new, manager = cell["from"], cell["to"], cell["manager"]
    session = "\n".join(f"$ go env GOROOT # {i}\n{cell['group']}/{new}/{i}" for i in range(30))
    steps = [{"step": "read install roots", "command": "timeout 300 cat /opt/govm-matrix/"
              "roots.json /opt/govm-matrix/manager.json", "status": 0,
              "stdout": json.dumps({old: f"/opt/{manager}/{old}", new: f"/opt/{manager}/{new}"}),
              "stderr": "", "seconds": 0.08},
             {"step": f"select go{old}", "command": f"timeout 300 bash -lc '{manager} use {old}'",
              "status": 0, "stdout": f"go version go{old} linux/amd64\n", "stderr": "",
              "seconds": 0.4}]
    for phase in ("base", "after", "back"):
        if phase == "after":
            steps.append({"step": f"switch to go{new}", "status": 0, "stderr": "",
                          "command": f"timeout 300 bash -lc '{manager} use {new}'",
                          "stdout": f"switched to go{new}\n", "seconds": 0.6})
        steps += [{"step": f"probe {shell} {phase}", "status": 0, "stdout": "", "seconds": 0.5,
                   "command": f"timeout 300 bash -lc 'GOVM_LABEL={shell}:{phase}; "
                              ". /opt/govm-matrix/probe.sh'",
                   "stderr": "bash: cannot set terminal process group (1193): Inappropriate "
                             "ioctl for device\nbash: no job control in this shell\n"
                   if shell == "bash-interactive" else ""} for shell in shells]
    steps.append({"step": "interactive session", "command": "timeout 300 script -qc bash",
                  "status": 0, "stdout": session, "stderr": "", "seconds": 3.2})
    return steps


def _synthetic_cells(count: int) -> list[dict]:
    """``count`` cells over every platform, manager and shell context, a third of them
    SKIPPED or UNSUPPORTED; the ones that ran carry evidence and the commands of their run,
    and the findings their snapshots."""
    rng = random.Random(7000)
    verdicts, weights = zip(*RAN, strict=True)
    cells: list[dict] = []
    for old, new in TRANSITIONS:
        for scope in ("global", "session", "directory"):
            for pollution in POLLUTIONS:
                scenario = Scenario(old, new, scope, pollution, "-".join(pollution) or "clean")
                for platform, profile in PLATFORMS.items():
                    for manager in MANAGERS:
                        fate, steps = rng.random(), None
                        for shell in profile.shells:
                            cell = Cell(platform, manager, scenario, shell)
                            data = {**cell.to_dict(), "group": cell.group,
                                    "shell_order": profile.shells.index(shell),
                                    "image": {"tag": f"govm-matrix/{platform}-{manager}:1f2e"},
                                    "manager_info": {}, "log_tail": [], "snapshots": {},
                                    "steps": [], "run_seconds": 0.0, "error": None,
                                    "active": True}
                            if fate < 0.25:
                                verdict = "SKIPPED"
                                data["error"] = (f"{manager} needs an artifact this offline "
                                                 f"mirror lacks; add it with `govm-matrix "
                                                 f"fetch {manager}`")
                            elif fate < 0.32:
                                verdict = "UNSUPPORTED"
                                data["error"] = f"{manager} has no {scope} scope"
                            else:
                                verdict = rng.choices(verdicts, weights)[0]
                                steps = steps or _steps(data, profile.shells)
                                data.update(steps=steps, run_seconds=41.5,
                                            log_tail=[f"{manager}: switched to {new}"],
                                            manager_info={"name": manager, "version": "1.0",
                                                          "source": "the mirror"})
                            data["verdict"] = verdict
                            data["checks"] = {}
                            for name in CHECKS:
                                mine = verdict if name in ("path", "gobin") else "PASS"
                                if verdict in FOLDED:
                                    mine, lines = verdict, [f"{verdict}: {data['error']}"]
                                else:
                                    lines = _evidence(data, name, mine, profile.home)
                                data["checks"][name] = {"check": name, "verdict": mine,
                                                        "evidence": lines}
                            if verdict in ("LEAK", "BROKEN", "ERROR"):
                                at = 1.7e9 + len(cells)
                                data["snapshots"] = {
                                    phase: _snapshot(data, phase, version, profile.home, at + i)
                                    for i, (phase, version) in enumerate(
                                        (("base", old), ("after", new), ("back", old)))}
                            cells.append(data)
    assert len(cells) >= count
    return cells[:count]


def test_a_matrix_of_7000_cells_is_small_and_opens_fast(browser, tmp_path):
    """Twice today's matrix: the page stays a few MB and opens in well under a second on a
    small machine, because the list is drawn a page of rows at a time."""
    from selenium.webdriver.common.by import By

    cells = _synthetic_cells(SYNTHETIC_CELLS)
    report = build_report(cells, {}, {"network": "offline"})
    started = time.monotonic()
    text = render_html(report)
    rendered = time.monotonic() - started
    page = tmp_path / "matrix.html"
    page.write_text(text, encoding="utf-8")
    size = page.stat().st_size
    findings = sum(1 for c in cells if c["snapshots"])
    whole = len(json.dumps(report, ensure_ascii=False))

    browser.get("about:blank")
    started = time.monotonic()
    browser.get(page.as_uri())
    opened = time.monotonic() - started
    timing = None
    for _ in range(50):
        timing = browser.execute_script(
            "const n = performance.getEntriesByType('navigation')[0];"
            "const m = performance.getEntriesByName('cell-list-shown')[0];"
            "return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd,"
            " rows: m ? m.startTime : null, nodes: document.getElementsByTagName('*').length};")
        if timing["load"]:
            break
        time.sleep(0.1)
    filtered = browser.execute_script(
        "const s = document.getElementById('filter-verdict'); const t = performance.now();"
        "s.value = 'LEAK'; s.dispatchEvent(new Event('change'));"
        "return performance.now() - t;")
    print(f"\n{SYNTHETIC_CELLS} cells ({findings} with snapshots; the report is "
          f"{whole / 1e6:.1f} MB of JSON): page {size / 1e6:.2f} MB, rendered in "
          f"{rendered:.2f} s; DOMContentLoaded {timing['dcl']:.0f} ms, load "
          f"{timing['load']:.0f} ms, first rows at {timing['rows']:.0f} ms, "
          f"{timing['nodes']} elements; opened in {opened:.2f} s; a filter redraws in "
          f"{filtered:.0f} ms")
    assert size < 12_000_000
    assert timing["load"] and timing["load"] < 5000
    assert timing["rows"] is not None and timing["rows"] < 5000
    assert timing["nodes"] < 20000  # a page of rows, not thousands
    rows = _rows(browser)
    assert 0 < len(rows) <= PAGE_ROWS
    assert {r.get_attribute("data-verdict") for r in rows} == {"LEAK"}
    _choose(browser, "verdict", "")
    rows = _rows(browser)
    assert len(rows) == PAGE_ROWS
    listed = sum(1 for c in cells if c["verdict"] not in FOLDED)
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing {listed} of {SYNTHETIC_CELLS} cells")
    assert {r.get_attribute("data-verdict") for r in rows[:10]} <= {"LEAK", "BROKEN", "ERROR"}
    browser.find_element(By.ID, "show-more").click()
    assert len(_rows(browser)) == 2 * PAGE_ROWS
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", rows[0])
    rows[0].click()
    panel = browser.find_element(By.ID, "drilldown")
    assert panel.is_displayed() and rows[0].get_attribute("data-id") in panel.text
    _no_errors(browser)


REAL_REPORT = os.environ.get("GOVM_MATRIX_REPORT_HTML")


def test_a_real_report_renders_and_drills_down(browser):
    """The page of a whole matrix run, as CI publishes it: the list shows a page of its rows
    with SKIPPED and UNSUPPORTED cells folded, the filters narrow it, and each kind of verdict
    it holds opens to its evidence."""
    if not REAL_REPORT:
        unavailable("set GOVM_MATRIX_REPORT_HTML to a matrix.html written by a run (CI runs "
                    "the matrix first and sets it)")
    from selenium.webdriver.common.by import By

    page = Path(REAL_REPORT)
    report = json.loads(page.with_name("matrix.json").read_text())
    cells = report["cells"]
    browser.get(page.resolve().as_uri())
    listed = [c for c in cells if c["verdict"] not in FOLDED]
    assert len(_rows(browser)) == min(len(listed), PAGE_ROWS)
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing {len(listed)} of {report['summary']['cells']} cells")
    groups = {"SKIPPED": {(c["manager"], c.get("error") or "") for c in cells
                          if c["verdict"] == "SKIPPED"},
              "UNSUPPORTED": {(c["manager"], c["scope"]) for c in cells
                              if c["verdict"] == "UNSUPPORTED"}}
    for verdict, found in groups.items():
        lines = browser.find_elements(By.CSS_SELECTOR, f"#folded-{verdict.lower()} li")
        assert len(lines) == len(found)
    platform = cells[0]["platform"]
    _choose(browser, "platform", platform)
    wanted = sum(1 for c in listed if c["platform"] == platform)
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing {wanted} of {len(cells)} cells")
    assert {r.get_attribute("data-platform") for r in _rows(browser)} <= {platform}
    _choose(browser, "platform", "")
    panel = browser.find_element(By.ID, "drilldown")
    for verdict in {c["verdict"] for c in cells}:
        _choose(browser, "verdict", verdict)
        index = next(i for i, c in enumerate(cells) if c["verdict"] == verdict)
        row = browser.find_element(By.ID, f"cell-{index}")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", row)
        row.click()
        assert panel.is_displayed() and cells[index]["id"] in panel.text
        snapshots = cells[index].get("snapshots") or {}
        if verdict in ("LEAK", "BROKEN", "ERROR"):
            for name, snapshot in snapshots.items():
                assert _snapshot_shown(panel, name) == snapshot
        elif snapshots:
            assert "Snapshots are in matrix.json" in panel.text
        browser.find_element(By.ID, "drilldown-close").click()
    _choose(browser, "verdict", "")
    answer = browser.find_elements(By.CSS_SELECTOR, "#answers a.ev")
    if answer:
        answer[0].click()
        assert panel.is_displayed() and answer[0].get_attribute("title") in panel.text
    _no_errors(browser)
