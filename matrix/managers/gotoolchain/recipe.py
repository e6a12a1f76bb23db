"""The golang.org/toolchain module of each Go version, as the Go module proxy serves it
(``.info``, ``.mod``, ``.zip``), made from the cached release tarball of that version: what Go's
own switching downloads, served from a ``file://`` proxy in the image."""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from pathlib import Path

from ...core.errors import MatrixError
from ...supply.go import go_key
from ...supply.recipes import Recipe

TOOLCHAIN_MODULE = "golang.org/toolchain"
_KEY = re.compile(r"/v0\.0\.1-go(\d+\.\d+(?:\.\d+)?)\.linux-amd64\.(info|mod|zip)$")


def toolchain_version(version: str) -> str:
    return f"v0.0.1-go{version}.linux-amd64"


def module_keys(version: str) -> list[str]:
    stem = f"goproxy/{TOOLCHAIN_MODULE}/@v/{toolchain_version(version)}"
    return [f"{stem}.info", f"{stem}.mod", f"{stem}.zip"]


class ToolchainModule(Recipe):
    """A golang.org/toolchain module. No pin of its own can go stale online: it is made from
    the cached Go release tarball, whose recipe is GoRelease."""

    prefixes = ("goproxy/",)
    fetches_offline = True

    def fetch(self, cache, key: str) -> None:
        match = _KEY.search(key)
        if not match:
            raise MatrixError(f"no recipe for artifact {key!r}")
        version = match.group(1)
        tarball = cache.ensure(go_key(version))  # re-entrant: the caller holds the lock
        module = f"{TOOLCHAIN_MODULE}@{toolchain_version(version)}"
        source = f"toolchain module {module} made from {tarball.key} (sha256 {tarball.sha256})"
        stem = key.rsplit(".", 1)[0]
        with cache.workdir() as tmp:
            zipped = tmp / "module.zip"
            tarball_to_module_zip(cache.path(tarball.key), zipped, module)
            info = tmp / "module.info"
            info.write_text(json.dumps({"Version": toolchain_version(version),
                                        "Time": "2024-01-01T00:00:00Z"}))
            mod = tmp / "module.mod"
            mod.write_text(f"module {TOOLCHAIN_MODULE}\n")
            for ext, path in (("zip", zipped), ("info", info), ("mod", mod)):
                cache.store(f"{stem}.{ext}", path, source, "n/a", offline=True)


def tarball_to_module_zip(tarball: Path, out: Path, module: str) -> None:
    """A Go release tarball as a toolchain module zip: every path under ``<module>/``, go.mod
    files renamed _go.mod (a module zip cannot hold nested modules)."""
    with tarfile.open(tarball) as tar, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                       compresslevel=1) as zf:
        for member in tar:
            if not member.isfile() or not member.name.startswith("go/"):
                continue
            name = member.name[len("go/"):]
            parts = name.split("/")
            if parts[-1] == "go.mod":
                parts[-1] = "_go.mod"
            info = zipfile.ZipInfo(f"{module}/{'/'.join(parts)}", date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (member.mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, tar.extractfile(member).read())
