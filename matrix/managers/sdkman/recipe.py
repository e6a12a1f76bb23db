"""Where SDKMAN comes from: ``govm-matrix mirror add sdkman <folder>``, or online its
installer and the archives that installer downloads, checked against the pinned sha256.

Online the pin can go stale: the installer names only SDKMAN's current release (and native
CLI), and nothing else serves an older one. When it names another release than the pins, that
release is used (``supply.upstream.follow``; ``--strict-pins`` refuses it instead), each of its
archives checked against the ``checksums_sha256.txt`` of its own GitHub release, and
``release.json`` records the drift for the report.

A folder holding SDKMAN's installer as https://get.sdkman.io serves it, saved as
``install.sh``; the script CLI archive it downloads, ``sdkman-cli-<version>.zip`` (the
GitHub release asset); the native CLI archive ``sdkman-cli-native-<version>-*.zip`` when the
installer installs one; and optionally ``candidates-all.txt``, a saved answer of the
candidates API's ``/candidates/all``. They are laid out under ``mirror/hosts/<host>/`` as the
HTTPS mirror serves them. Besides them, only the API answers SDKMAN's own code asks for
during the install and a local ``sdk install``, written as static files:

* ``/candidates/all`` (the installer writes it to ``var/candidates``): the saved answer if
  given, else the stand-in ``java``, SDKMAN's first candidate; the real list is not known
  offline.
* ``/healthcheck`` (asked by every ``sdk`` command): SDKMAN only checks that the answer is
  neither empty nor HTML; the stand-in is ``OK``.
* ``/candidates/validate/go/<version>/<platform>`` for each pinned Go version: ``invalid``,
  the API's answer for a version it does not distribute, which is what lets ``sdk install
  go <version> <dir>`` link a local directory.

``mirror/sdkman/release.json`` lists the release's versions, platform and every file
written with its sha256; it is the mirror key that stands for the lot.
"""

from __future__ import annotations

import json
import re
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.download import download, expect_digest, sha256_file
from ...supply.recipes import Origin, Recipe
from ...supply.upstream import Drift, check_published, follow, published_digest

SDKMAN_INSTALLER_HOST = "get.sdkman.io"
SDKMAN_API_HOST = "api.sdkman.io"
#: written by `govm-matrix mirror add sdkman`: the release's version and every file it wrote
SDKMAN_RELEASE_KEY = "sdkman/release.json"
CANDIDATES_STAND_IN = "java"
HEALTHCHECK_STAND_IN = "OK"
#: the two releases the installer names, as drift records and the report name them
CLI = "SDKMAN"
NATIVE = "SDKMAN native CLI"


class SdkmanRelease(Recipe):
    prefixes = ("sdkman/", f"hosts/{SDKMAN_INSTALLER_HOST}/", f"hosts/{SDKMAN_API_HOST}/")
    kind = "sdkman"
    path_help = ("a folder with SDKMAN's installer (install.sh) and the archives it "
                 "downloads")

    def add(self, cache, path: Path, origin: Origin) -> list[str]:
        return add_release(cache, path, origin, self.path_help)

    def fetch(self, cache, key: str) -> None:
        fetch_release(cache, self.path_help)

    def pins_now(self) -> dict[str, str]:
        return {CLI: pins.SDKMAN_VERSION, NATIVE: pins.SDKMAN_NATIVE_VERSION}


@dataclass
class Installer:
    text: bytes
    service: str  # e.g. https://api.sdkman.io/2
    version: str
    native_version: str
    platform: str


def read_installer(folder: Path) -> Installer:
    path = folder / "install.sh"
    if not path.is_file():
        raise MatrixError(f"{folder} has no install.sh; save SDKMAN's installer there with "
                          "`curl -s https://get.sdkman.io -o install.sh`")
    data = path.read_bytes()
    text = data.decode(errors="replace")
    service = re.search(r'SDKMAN_SERVICE="(https://[^"$]+)"', text)
    version = re.search(r'SDKMAN_VERSION="([^"$]+)"', text)
    if not (service and version and "/broker/download/sdkman/install/" in text):
        raise MatrixError(f"{path} does not look like SDKMAN's installer (no SDKMAN_SERVICE, "
                          "SDKMAN_VERSION or archive download)")
    native = re.search(r'SDKMAN_NATIVE_VERSION="([^"$]*)"', text)
    if "infer_platform" in text:
        platform = "linuxx64"  # what its infer_platform answers on x86_64 Linux
    elif re.search(r"SDKMAN_PLATFORM=\$\(uname\)", text):
        platform = "Linux"
    else:
        raise MatrixError(f"{path}: cannot tell which platform name the installer sends")
    host = urllib.parse.urlsplit(service.group(1)).hostname
    if host != SDKMAN_API_HOST:
        raise MatrixError(f"{path} installs from {host}; the SDKMAN adapters answer for "
                          f"{SDKMAN_API_HOST} (the stable channel) only")
    return Installer(data, service.group(1).rstrip("/"), version.group(1),
                      native.group(1) if native else "", platform)


def _zip_named(folder: Path, names: list[str], what: str) -> Path:
    for pattern in names:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    raise MatrixError(f"{folder} has no {what} ({' or '.join(names)})")


def _zip_member(archive: Path, suffix: str) -> bytes | None:
    """The content of the first member whose name ends with ``suffix`` inside a top folder
    named sdkman-* (the layout the installer copies from); raises for a corrupt zip."""
    try:
        with zipfile.ZipFile(archive) as zf:
            if zf.testzip() is not None:
                raise zipfile.BadZipFile("a member fails its CRC check")
            for name in zf.namelist():
                if name.startswith("sdkman-") and name.endswith(suffix):
                    return zf.read(name)
    except zipfile.BadZipFile as exc:
        raise MatrixError(f"{archive} is not a valid zip archive ({exc})") from None
    return None


def _candidates_api(cli_zip: Path) -> str:
    init = _zip_member(cli_zip, "/bin/sdkman-init.sh")
    if init is None:
        raise MatrixError(f"{cli_zip} has no sdkman-*/bin/sdkman-init.sh: is it SDKMAN's "
                          "CLI release archive?")
    api = re.search(r'SDKMAN_CANDIDATES_API="(https://[^"@]+)"', init.decode(errors="replace"))
    if not api:
        raise MatrixError(f"the sdkman-init.sh in {cli_zip} names no candidates API (a "
                          "development build? release archives are built with -Penv=stable)")
    if urllib.parse.urlsplit(api.group(1)).hostname != SDKMAN_API_HOST:
        raise MatrixError(f"the sdkman-init.sh in {cli_zip} asks {api.group(1)}; the SDKMAN "
                          f"adapters answer for {SDKMAN_API_HOST} only")
    return api.group(1).rstrip("/")


def _candidates_answer(folder: Path, origin: Origin) -> tuple[bytes, str]:
    saved = folder / "candidates-all.txt"
    if not saved.is_file():
        return (CANDIDATES_STAND_IN.encode(),
                f"stand-in answer (`{CANDIDATES_STAND_IN}`), not SDKMAN's list, which is not "
                "known offline")
    text = saved.read_text().strip()
    if not re.fullmatch(r"[a-z0-9_-]+(,[a-z0-9_-]+)*", text):
        raise MatrixError(f"{saved} is not a comma-separated candidate list like the API's "
                          "/candidates/all answer")
    return text.encode(), f"saved answer {origin.where(saved)}"


def _host_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"hosts/{parts.hostname}{parts.path}"


def add_release(cache, folder: Path, origin: Origin, path_help: str,
                drift: list[dict] | None = None) -> list[str]:
    if not folder.is_dir():
        raise MatrixError(f"{folder} is not a folder; expected {path_help}")
    inst = read_installer(folder)
    cli_zip = _zip_named(folder, [f"sdkman-cli-{inst.version}.zip", f"sdkman-{inst.version}.zip"],
                         f"SDKMAN CLI {inst.version} release archive")
    api = _candidates_api(cli_zip)
    files: dict[str, tuple[bytes, str]] = {
        f"hosts/{SDKMAN_INSTALLER_HOST}/index.html":
            (inst.text, f"SDKMAN installer {origin.where(folder / 'install.sh')} (as "
                        f"served by https://{SDKMAN_INSTALLER_HOST})"),
        _host_key(f"{inst.service}/broker/download/sdkman/install/{inst.version}/"
                  f"{inst.platform}"):
            (cli_zip.read_bytes(), f"SDKMAN CLI release archive {origin.where(cli_zip)}"),
        _host_key(f"{inst.service}/candidates/all"): _candidates_answer(folder, origin),
        _host_key(f"{api}/healthcheck"):
            (HEALTHCHECK_STAND_IN.encode(), "stand-in answer: SDKMAN only checks that it is "
                                            "neither empty nor HTML"),
    }
    if inst.native_version:
        native = _zip_named(folder, [f"sdkman-cli-native-{inst.native_version}*.zip"],
                            f"SDKMAN native CLI {inst.native_version} archive, which the "
                            "installer also downloads")
        if _zip_member(native, "") is None:
            raise MatrixError(f"{native} has no top folder sdkman-*, which the installer "
                              "copies from")
        files[_host_key(f"{inst.service}/broker/download/native/install/"
                        f"{inst.native_version}/{inst.platform}")] = (
            native.read_bytes(), f"SDKMAN native CLI release archive {origin.where(native)}")
    for version in pins.GO_BIN:
        files[_host_key(f"{api}/candidates/validate/go/{version}/{inst.platform}")] = (
            b"invalid", "the candidates API's answer for a version it does not distribute")
    manifest = {"version": inst.version, "native_version": inst.native_version,
                "platform": inst.platform, "service": inst.service, "candidates_api": api,
                "files": {}}
    if drift:
        manifest["drift"] = drift
    for key, (data, source) in files.items():
        artifact = cache.put(key, data, f"{source}, {origin.how}", offline=origin.offline)
        manifest["files"][key] = {"sha256": artifact.sha256, "source": source}
    cache.put(SDKMAN_RELEASE_KEY, json.dumps(manifest, indent=2, sort_keys=True).encode(),
              f"SDKMAN {inst.version} release files, {origin.how}", offline=origin.offline,
              drift=drift)
    return [*files, SDKMAN_RELEASE_KEY]


def _named(version: str, native_version: str) -> str:
    return f"{CLI} {version} with native CLI {native_version or 'none'}"


def fetch_release(cache, path_help: str) -> None:
    with cache.workdir() as folder:
        download(pins.SDKMAN_INSTALLER_URL, folder / "install.sh")
        inst = read_installer(folder)
        follow(cache, f"SDKMAN's installer ({pins.SDKMAN_INSTALLER_URL})",
               _named(inst.version, inst.native_version),
               _named(pins.SDKMAN_VERSION, pins.SDKMAN_NATIVE_VERSION),
               "set SDKMAN_VERSION, SDKMAN_NATIVE_VERSION and their sha256 in "
               "matrix/supply/pins.py, or add saved release files with `govm-matrix mirror "
               "add sdkman <folder>`")
        urls = {"install.sh": pins.SDKMAN_INSTALLER_URL}
        wanted = [(CLI, f"sdkman-cli-{inst.version}.zip", "sdkman", inst.version,
                   pins.SDKMAN_VERSION, pins.SDKMAN_CLI_SHA256, pins.SDKMAN_CLI_SHASUMS)]
        if inst.native_version:
            wanted.append((NATIVE, f"sdkman-cli-native-{inst.native_version}-x86_64-unknown-"
                           "linux-gnu.zip", "native", inst.native_version,
                           pins.SDKMAN_NATIVE_VERSION, pins.SDKMAN_NATIVE_SHA256,
                           pins.SDKMAN_NATIVE_SHASUMS))
        drift: list[Drift] = []
        checks: list[str] = []
        for tool, name, what, version, pinned, sha256, shasums in wanted:
            url = f"{inst.service}/broker/download/{what}/install/{version}/{inst.platform}"
            if version == pinned:
                download(url, folder / name)
                expect_digest(sha256_file(folder / name), sha256, url)
                checks.append(f"{tool} {version} checked against the sha256 in "
                              "matrix/supply/pins.py")
            else:  # a release past the pin: the checksums its own release publishes
                sums_url = shasums.format(version=version)
                sums = folder / f"{what}-checksums_sha256.txt"
                download(sums_url, sums)
                listing = sums.read_text(errors="replace")
                # an archive its release does not list is refused before it is downloaded
                published_digest(listing, name, sums_url)
                download(url, folder / name)
                check_published(folder / name, url, listing, sums_url)
                drift.append(Drift(tool, pinned, version, sums_url))
                checks.append(f"{tool} {version}, not the pinned {pinned}, checked against "
                              f"{sums_url}")
            urls[name] = url
        if pins.SDKMAN_NATIVE_VERSION and not inst.native_version:
            drift.append(Drift(NATIVE, pins.SDKMAN_NATIVE_VERSION, "none", ""))
            checks.append(f"no {NATIVE}, not the pinned {pins.SDKMAN_NATIVE_VERSION}")
        urls["candidates-all.txt"] = f"{inst.service}/candidates/all"
        download(urls["candidates-all.txt"], folder / "candidates-all.txt")
        how = "fetched online (archives checked against the sha256 in matrix/supply/pins.py)"
        if drift:
            how = f"fetched online, past a pin ({'; '.join(checks)})"
        add_release(cache, folder, Origin(how, offline=False, urls=urls), path_help,
                    [d.record() for d in drift])
