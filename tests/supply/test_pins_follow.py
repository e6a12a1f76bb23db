"""An upstream that moved past its pin: followed, checked against the checksums it publishes for
that release and recorded, unless --strict-pins holds to the pin; the generic mechanism, with a
recipe made for the test (SDKMAN, the real case, is in tests/managers/test_upstream.py)."""

from __future__ import annotations

import hashlib
import json

import pytest

from matrix.core.errors import EXIT_ENVIRONMENT, MatrixError
from matrix.supply.cache import ArtifactCache
from matrix.supply.recipes import Recipe, RecipeBook
from matrix.supply.upstream import Drift, check_published, follow, published_digest

SUMS_URL = "https://example.org/tool/releases/download/2.0.0/checksums_sha256.txt"
PAYLOAD = b"tool 2.0.0\n"
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Tool(Recipe):
    """An upstream that serves only its current release, ``served``; pinned at ``pinned``."""

    prefixes = ("tool/",)
    fetches_offline = True

    def __init__(self, served: str, pinned: str = "1.0.0") -> None:
        self.served, self.pinned, self.fetches = served, pinned, 0

    def pins_now(self) -> dict[str, str]:
        return {"tool": self.pinned}

    def fetch(self, cache, key):
        self.fetches += 1
        drift = []
        if follow(cache, "the tool's installer", self.served, self.pinned,
                  "set TOOL_VERSION in matrix/supply/pins.py"):
            drift.append(Drift("tool", self.pinned, self.served, SUMS_URL).record())
        cache.put(key, f"tool {self.served}\n".encode(), "the tool's installer", drift=drift)


def _cache(tmp_path, recipe, strict=False):
    return ArtifactCache(tmp_path / "cache", "offline", RecipeBook([recipe]), strict_pins=strict)


def test_the_pin_served_records_no_drift(tmp_path):
    artifact = _cache(tmp_path, _Tool("1.0.0")).ensure("tool/release")
    assert artifact.drift is None
    entry = json.loads((tmp_path / "cache" / "index.json").read_text())["tool/release"]
    assert entry["drift"] is None


def test_another_release_served_is_followed_and_recorded(tmp_path):
    artifact = _cache(tmp_path, _Tool("2.0.0")).ensure("tool/release")
    record = {"tool": "tool", "pinned": "1.0.0", "ran": "2.0.0", "checked_against": SUMS_URL}
    assert artifact.drift == [record]
    assert ArtifactCache(tmp_path / "cache").index()["tool/release"].drift == [record]


def test_strict_pins_refuse_another_release_in_one_line(tmp_path):
    cache = _cache(tmp_path, _Tool("2.0.0"), strict=True)
    with pytest.raises(MatrixError) as err:
        cache.ensure("tool/release")
    assert str(err.value) == (
        "the tool's installer now serves 2.0.0, not the pinned 1.0.0, and --strict-pins holds "
        "to the pin: set TOOL_VERSION in matrix/supply/pins.py, or run without --strict-pins")
    assert err.value.exit_code == EXIT_ENVIRONMENT
    assert cache.cached("tool/release") is None


def test_strict_pins_do_not_take_a_followed_release_from_the_cache(tmp_path):
    _cache(tmp_path, _Tool("2.0.0")).ensure("tool/release")
    recipe = _Tool("2.0.0")
    with pytest.raises(MatrixError, match="not the pinned 1.0.0, and --strict-pins"):
        _cache(tmp_path, recipe, strict=True).ensure("tool/release")
    assert recipe.fetches == 1  # asked the upstream again instead of using the cached 2.0.0


def test_a_followed_release_is_fetched_again_once_the_pin_moves(tmp_path):
    _cache(tmp_path, _Tool("2.0.0")).ensure("tool/release")
    same_pin = _Tool("2.0.0")
    assert _cache(tmp_path, same_pin).ensure("tool/release").drift  # the record still stands
    assert same_pin.fetches == 0
    moved = _Tool("2.0.0", pinned="2.0.0")
    artifact = _cache(tmp_path, moved).ensure("tool/release")
    assert moved.fetches == 1 and artifact.drift is None


def test_index_entries_recorded_before_drift_existed_still_load(tmp_path):
    root = tmp_path / "cache"
    (root / "mirror" / "tool").mkdir(parents=True)
    (root / "mirror" / "tool" / "release").write_bytes(PAYLOAD)
    (root / "index.json").write_text(json.dumps({"tool/release": {
        "key": "tool/release", "sha256": DIGEST, "size": len(PAYLOAD), "source": "old run",
        "origin_digest": f"sha256:{DIGEST}", "offline": False,
        "fetched_at": "2026-01-01T00:00:00Z"}}))
    recipe = _Tool("1.0.0")
    artifact = _cache(tmp_path, recipe, strict=True).ensure("tool/release")
    assert artifact.drift is None and artifact.source == "old run" and recipe.fetches == 0


def test_the_published_checksum_is_the_check(tmp_path):
    sums = f"{'0' * 64}  tool-2.0.0.zip.asc\n{DIGEST}  tool-2.0.0.zip\n"
    archive = tmp_path / "tool-2.0.0.zip"
    archive.write_bytes(PAYLOAD)
    url = "https://example.org/download/tool/2.0.0"
    assert published_digest(sums, "tool-2.0.0.zip", SUMS_URL) == DIGEST
    assert check_published(archive, url, sums, SUMS_URL) == DIGEST
    archive.write_bytes(PAYLOAD + b"tampered")
    with pytest.raises(MatrixError) as err:
        check_published(archive, url, sums, SUMS_URL)
    assert str(err.value).startswith(f"{url} is not the tool-2.0.0.zip that {SUMS_URL} lists "
                                     f"(sha256 {hashlib.sha256(PAYLOAD + b'tampered').hexdigest()}"
                                     f", listed {DIGEST})")
    assert "\n" not in str(err.value) and err.value.exit_code == EXIT_ENVIRONMENT


def test_a_checksum_file_that_does_not_list_the_file_is_refused_naming_it(tmp_path):
    archive = tmp_path / "tool-2.0.0.zip"
    archive.write_bytes(PAYLOAD)
    for sums in (f"{DIGEST}  tool-2.0.0.tar.gz\n", f"{DIGEST[:40]}  tool-2.0.0.zip\n", ""):
        with pytest.raises(MatrixError) as err:
            check_published(archive, "https://example.org/d", sums, SUMS_URL)
        assert str(err.value).startswith(f"{SUMS_URL} lists no sha256 for tool-2.0.0.zip")


def test_the_report_says_once_per_release_which_ran_instead_of_its_pin():
    from matrix.report import build_report
    from matrix.report.html import render_html
    from matrix.report.markdown import drift_lines, render_markdown

    record = {"tool": "tool", "pinned": "1.0.0", "ran": "2.0.0", "checked_against": SUMS_URL}
    none = {"tool": "tool extension", "pinned": "0.1.0", "ran": "none", "checked_against": ""}
    artifacts = [{"key": k, "sha256": DIGEST, "source": "s", "origin_digest": "sha256:00",
                  "drift": drift} for k, drift in (("tool/a", [record]),
                                                    ("tool/b", [record, none]),
                                                    ("tool/c", None))]
    prov = {"network": "online", "artifacts": artifacts}
    assert drift_lines(prov) == [
        f"Upstream moved past a pin: tool 2.0.0 ran, not the pinned 1.0.0; checked against "
        f"{SUMS_URL}",
        "Upstream moved past a pin: no tool extension ran, not the pinned 0.1.0"]
    assert drift_lines({"artifacts": [{"key": "old", "sha256": DIGEST}]}) == []
    report = build_report([], {}, prov)
    markdown = render_markdown(report)
    assert markdown.count("Upstream moved past a pin: tool 2.0.0 ran") == 1
    assert markdown.index("## Provenance") < markdown.index("- **Upstream moved past a pin: "
                                                            "no tool extension ran") \
        < markdown.index("- artifact `tool/a`")
    page = render_html(report)
    assert page.count('<p class="warn drift">') == 2


def test_every_recipe_follows_its_upstream_or_says_why_its_pin_cannot_go_stale():
    from matrix.managers import recipe_book

    followers = set()
    for recipe in recipe_book().recipes:
        if type(recipe).pins_now is not Recipe.pins_now:
            followers.add(type(recipe).__name__)
            continue
        doc = " ".join((type(recipe).__doc__ or "").split())
        assert "go stale" in doc, f"{type(recipe).__name__} does not say whether its pin can"
    assert followers == {"SdkmanRelease"}
