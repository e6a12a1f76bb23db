"""The mise binary: online its GitHub release (checked against the release's SHASUMS256.txt),
offline the npm package that carries it (``npm pack``, checked against its pinned integrity)."""

from __future__ import annotations

import base64
import hashlib
import tarfile

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.download import digest_for, download, expect_digest, npm_pack, sha256_file
from ...supply.recipes import Recipe


def mise_key(version: str = pins.MISE_VERSION) -> str:
    return f"mise/mise-v{version}-linux-x64"


class MiseBinary(Recipe):
    """The mise binary. Its pin cannot go stale online: a GitHub release stays downloadable
    at its tag, with its SHASUMS256.txt, after mise releases again (and npm keeps every
    version it published)."""

    prefixes = ("mise/",)
    fetches_offline = True

    def fetch(self, cache, key: str) -> None:
        version = key.split("/", 1)[1].removeprefix("mise-v").removesuffix("-linux-x64")
        if version != pins.MISE_VERSION:
            raise MatrixError(f"unknown mise version {version!r}; pinned: {pins.MISE_VERSION}")
        with cache.workdir() as tmp:
            out = tmp / "mise"
            if cache.is_online:
                url = pins.MISE_RELEASE_URL.format(version=version)
                download(url, out)
                sums = tmp / "SHASUMS256.txt"
                download(pins.MISE_RELEASE_SHASUMS.format(version=version), sums)
                wanted = digest_for(sums.read_text(), url.rsplit("/", 1)[1])
                expect_digest(sha256_file(out), wanted, url)
                cache.store(key, out, f"official release: {url}", f"sha256:{wanted}",
                            offline=False)
                return
            package = f"{pins.MISE_NPM_PACKAGE}@{version}"
            tgz = npm_pack(package, tmp)
            integrity = "sha512-" + base64.b64encode(
                hashlib.sha512(tgz.read_bytes()).digest()).decode()
            expect_digest(integrity, pins.MISE_NPM_INTEGRITY, tgz.name)
            with tarfile.open(tgz) as tar:
                member = tar.extractfile("package/bin/mise")
                if member is None:
                    raise MatrixError(f"{package} has no package/bin/mise; pin another version")
                out.write_bytes(member.read())
            cache.store(key, out, f"npm package {package} (its package/bin/mise)",
                        pins.MISE_NPM_INTEGRITY, offline=True)
