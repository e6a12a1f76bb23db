from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from matrix.core.cells import Cell, Scenario
from matrix.core.verdicts import CHECKS, SYMBOLS, Verdict
from matrix.report import build_report
from matrix.report.html import render_html
from matrix.run.results import GroupOutcome, cell_result

from ..conftest import unavailable

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
HOSTILE = "<script>alert('x')</script> & </b>"


def _cell(platform: str, manager: str, shell: str, verdict: Verdict, reason: str) -> dict:
    cell = Cell(platform, manager, Scenario("1.21.13", "1.22.10"), shell)
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


def _embedded(page: str, element_id: str) -> object:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>',
                      page, re.S)
    assert match, element_id
    return json.loads(match.group(1))


def test_page_shows_provenance_and_every_verdict_as_symbol_and_word():
    report = _report()
    page = render_html(report)
    table = page[page.index('<table id="matrix"'):page.index("</table>")]
    for verdict, symbol in SYMBOLS.items():
        assert f"{symbol} {verdict.value}" in table
    assert "2026.9.15" in page and "npm package" in page and "offline" in page
    assert "20.10.24" in page and "6119" * 16 in page and "sha256:aa" in page
    assert "govm-matrix/ubuntu-manual:abc" in page and "built in 12.5 s" in page
    assert report["generated_at"] in page and report["harness"]["version"] in page
    assert table.count("<tr id=\"cell-") == 3
    for key in ("platform", "manager", "scenario", "shell", "check", "verdict"):
        assert f'id="filter-{key}"' in page
    assert "1.21.13→1.22.10 · global · none" in page


def test_everything_is_escaped_and_the_embedded_data_round_trips():
    page = render_html(_report())
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; wheel" in page
    scripts = re.findall(r"<script\b", page)
    assert len(scripts) == page.count("</script>") == 3
    data = _embedded(page, "cell-data")
    wsl = next(c for c in data if c["id"].startswith("wsl2/"))
    assert wsl["error"] == f"image failed: {HOSTILE}"
    assert any(HOSTILE in line for line in wsl["checks"]["goroot"]["evidence"])


def test_snapshots_appear_once_and_long_output_is_cut_to_its_tail():
    report = _report()
    report["cells"][0]["snapshots"]["base"]["marker"] = "snapshot-marker-1234"
    page = render_html(report)
    assert page.count("snapshot-marker-1234") == 1
    stderr = _embedded(page, "cell-data")[0]["steps"][0]["stderr"]
    assert stderr.startswith("…\n") and stderr.endswith("line 199") and "line 100\n" not in stderr


def test_page_loads_nothing_from_the_network():
    page = render_html(_report())
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""\b(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<(link|img|iframe|object|embed)\b|@import|url\(", page, re.I)


def test_an_empty_report_still_renders():
    page = render_html(build_report([], {}, {}))
    assert "No cells ran." in page and 'id="filter-platform"' in page


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


def test_the_page_filters_and_drills_down_in_a_real_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = tmp_path / "matrix.html"
    page.write_text(render_html(_report()), encoding="utf-8")
    browser.get(page.as_uri())

    rows = browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert len(rows) == 3 and all(r.is_displayed() for r in rows)
    assert browser.find_element(By.ID, "row-count").text == "showing 3 of 3 cells"
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0

    Select(browser.find_element(By.ID, "filter-platform")).select_by_value("ubuntu")
    shown = {r.get_attribute("data-platform") for r in rows if r.is_displayed()}
    hidden = {r.get_attribute("data-platform") for r in rows if not r.is_displayed()}
    assert shown == {"ubuntu"} and hidden == {"wsl2"}
    assert browser.find_element(By.ID, "row-count").text == "showing 2 of 3 cells"

    Select(browser.find_element(By.ID, "filter-check")).select_by_value("path")
    header = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#matrix thead th")
              if th.is_displayed()]
    assert "path" in header and "goroot" not in header and "build" not in header

    Select(browser.find_element(By.ID, "filter-platform")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-verdict")).select_by_value("UNSUPPORTED")
    assert [r.get_attribute("data-id") for r in rows if r.is_displayed()] == [
        "ubuntu/manual/1.21.13→1.22.10/global/sh"]
    Select(browser.find_element(By.ID, "filter-verdict")).select_by_value("")

    panel = browser.find_element(By.ID, "drilldown")
    assert not panel.is_displayed()
    wsl = browser.find_element(By.CSS_SELECTOR, '#matrix tbody tr[data-platform="wsl2"]')
    wsl.click()
    assert panel.is_displayed()
    text = panel.text
    assert "wsl2/mise/1.21.13→1.22.10/global/bash-login" in text
    assert f"ERROR: image failed: {HOSTILE}" in text
    assert "tail of wsl2 bash-login" in text and "No snapshot was taken." in text

    browser.find_element(By.ID, "cell-0").click()
    assert "expected goroot ok, got goroot PASS" in panel.text
    assert "mise use -g go@1.22.10" in panel.text
    summaries = [s.text for s in panel.find_elements(By.TAG_NAME, "summary")]
    assert {"base", "after", "back", "stderr"} <= set(summaries)

    browser.find_element(By.ID, "drilldown-close").click()
    assert not panel.is_displayed()
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors



REAL_REPORT = os.environ.get("GOVM_MATRIX_REPORT_HTML")


def test_a_real_report_renders_and_drills_down(browser):
    """The page of a whole matrix run, as CI publishes it: every cell is a row, the filters
    narrow it, and each kind of verdict it holds opens to its evidence."""
    if not REAL_REPORT:
        unavailable("set GOVM_MATRIX_REPORT_HTML to a matrix.html written by a run (CI runs "
                    "the matrix first and sets it)")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = Path(REAL_REPORT)
    report = json.loads(page.with_name("matrix.json").read_text())
    browser.get(page.resolve().as_uri())
    rows = browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
    assert len(rows) == report["summary"]["cells"]
    platform = report["cells"][0]["platform"]
    Select(browser.find_element(By.ID, "filter-platform")).select_by_value(platform)
    wanted = sum(1 for c in report["cells"] if c["platform"] == platform)
    assert browser.find_element(By.ID, "row-count").text == (
        f"showing {wanted} of {len(rows)} cells")
    Select(browser.find_element(By.ID, "filter-platform")).select_by_value("")
    panel = browser.find_element(By.ID, "drilldown")
    for verdict in {c["verdict"] for c in report["cells"]}:
        index = next(i for i, c in enumerate(report["cells"]) if c["verdict"] == verdict)
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})",
                               browser.find_element(By.ID, f"cell-{index}"))
        browser.find_element(By.ID, f"cell-{index}").click()
        assert panel.is_displayed() and report["cells"][index]["id"] in panel.text
        browser.find_element(By.ID, "drilldown-close").click()
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
