"""voidint/g is one Go binary: online its release archive, checked against the sha256sum.txt the
release publishes beside it; offline ``govm-matrix mirror add g-binary <the archive
g<version>.linux-amd64.tar.gz, or the binary in it>``. Stored as
``mirror/g/g-v<version>-linux-amd64``."""

from __future__ import annotations

import re
from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.download import (
    digest_for,
    download,
    expect_digest,
    linux_amd64_binary,
    sha256_file,
    version_output,
)
from ...supply.recipes import Origin, Recipe


def g_binary_key(version: str = pins.G_VERSION) -> str:
    return f"g/g-v{version}-linux-amd64"


class GBinary(Recipe):
    """The g binary. Its pin cannot go stale online: the release archive and its
    sha256sum.txt stay downloadable at their tag after g releases again."""

    prefixes = ("g/",)
    kind = "g-binary"
    path_help = (f"g's release archive g{pins.G_VERSION}.linux-amd64.tar.gz, or the g binary in "
                 "it (or one built from its source)")

    def add(self, cache, path: Path, origin: Origin) -> list[str]:
        data = linux_amd64_binary(path, "g", self.path_help)
        version = _version_of(data, path)
        if version != pins.G_VERSION:
            raise MatrixError(f"{path} is g {version}; the pinned version is {pins.G_VERSION} "
                              "(matrix/supply/pins.py)")
        key = g_binary_key(version)
        cache.put(key, data, f"g {version} binary from {origin.where(path)}, {origin.how}",
                  offline=origin.offline)
        return [key]

    def fetch(self, cache, key: str) -> None:
        version = pins.G_VERSION
        if key != g_binary_key(version):
            raise MatrixError(f"no recipe for {key}: g {version} is the pinned version")
        url = pins.G_RELEASE_URL.format(version=version)
        sums_url = pins.G_RELEASE_SHASUMS.format(version=version)
        with cache.workdir() as tmp:
            archive = tmp / url.rsplit("/", 1)[1]
            download(url, archive)
            download(sums_url, tmp / "sha256sum.txt")
            wanted = digest_for((tmp / "sha256sum.txt").read_text(), archive.name)
            expect_digest(sha256_file(archive), wanted, url)
            self.add(cache, archive, Origin(f"its release archive, checked against the "
                                            f"release's sha256sum.txt ({wanted[:12]}…)",
                                            offline=False, urls={archive.name: url}))


def _version_of(data: bytes, path: Path) -> str:
    """g's own answer to --version."""
    text = version_output(data, "g")
    found = re.search(r"g version (\d+\.\d+\.\d+)", text)
    if not found:
        raise MatrixError(f"{path} does not say it is g (`g --version`: {text.strip()[:80]})")
    return found.group(1)
