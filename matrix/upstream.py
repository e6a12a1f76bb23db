"""Online recipes for the manager artifacts that come only from their upstream.

Offline, these come in through ``govm-matrix mirror add`` (see ``mirror_add``); online, each is
fetched the way its documentation installs it, checked against what ``pins`` holds, and put in
the mirror by the same code ``mirror add`` runs, so an image build cannot tell the difference
except by the provenance recorded:

* asdf 0.15 and the asdf-golang plugin: ``git clone`` of the upstream repository (asdf at its
  pinned tag).
* asdf 0.16+: ``go install github.com/asdf-vm/asdf/cmd/asdf@v<version>`` (its releases publish
  no sha256), by the newest pinned Go, which switches to the toolchain the module asks for
  (``go mod download`` would not). ``go install`` checks the module and its dependencies
  against the module's go.sum and the Go checksum database; the binary is kept only if the
  module sum its build information records is the pinned ``h1:`` one.
* SDKMAN: its installer from https://get.sdkman.io and the two archives the installer
  downloads from SDKMAN's broker, each checked against the pinned sha256, plus the real answer
  of its candidates API.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from . import pins
from .artifacts import (
    Artifact,
    ArtifactCache,
    _download,
    _expect,
    _run_tool,
    go_key,
    sha256_file,
)
from .errors import EXIT_ENVIRONMENT, MatrixError
from .managers.asdf import asdf_binary_key
from .mirror_add import _ADDERS, Origin, _add_asdf_binary, _add_sdkman, _installer


def fetch(cache: ArtifactCache, key: str, kind: str) -> Artifact:
    """Fetch the upstream artifact behind mirror key ``key`` (written by ``mirror add`` kind
    ``kind``); the caller holds the cache lock."""
    if kind in ("asdf", "asdf-golang"):
        _clone(cache, kind)
    elif kind == "asdf-binary":
        _go_install_asdf(cache, key)
    elif kind == "sdkman":
        _sdkman(cache)
    else:
        raise MatrixError(f"no recipe for artifact {key!r}")
    found = cache._cached(key)
    if found is None:
        raise MatrixError(f"fetching {kind} from its upstream did not give {key}",
                          EXIT_ENVIRONMENT)
    return found


def _clone(cache: ArtifactCache, kind: str) -> None:
    url, tag = {"asdf": (pins.ASDF_REPO, f"v{pins.ASDF_015_VERSION}"),
                "asdf-golang": (pins.ASDF_GOLANG_REPO, None)}[kind]
    with tempfile.TemporaryDirectory(dir=cache.root) as tmp:
        clone = Path(tmp) / kind
        _run_tool(["git", "clone", "-q", *(["--branch", tag] if tag else []), url,
                   str(clone)], url)
        _ADDERS[kind](cache, clone, Origin(f"cloned from {url}", offline=False))


# -- asdf 0.16+ ------------------------------------------------------------------------------
def _go_install_asdf(cache: ArtifactCache, key: str) -> None:
    if key != asdf_binary_key(pins.ASDF_VERSION):
        raise MatrixError(f"no recipe for {key}: asdf {pins.ASDF_VERSION} is the pinned "
                          "version (matrix/pins.py)")
    version = f"v{pins.ASDF_VERSION}"
    command = f"go install {pins.ASDF_MODULE}/cmd/asdf@{version}"
    with tempfile.TemporaryDirectory(dir=cache.root) as tmp:
        work = Path(tmp)
        go = _unpacked_go(cache, work)
        env = _go_env(work)
        try:
            _run_tool([go, "install", f"{pins.ASDF_MODULE}/cmd/asdf@{version}"], command,
                      env=env, cwd=work)
            built = work / "bin" / "asdf"
            toolchain, sum_ = _build_info(
                _run_tool([go, "version", "-m", str(built)], "go version -m", env=env,
                          cwd=work), pins.ASDF_MODULE, version)
            # The module that went into the binary, as its build information records it.
            _expect(sum_, pins.ASDF_MODULE_SUM, f"module {pins.ASDF_MODULE}@{version}")
            named = work / f"asdf-{version}-linux-amd64"
            built.rename(named)
            _add_asdf_binary(cache, named, Origin(
                f"built online with `CGO_ENABLED=0 {command}` ({toolchain}; module "
                f"{pins.ASDF_MODULE_SUM} as pinned)", offline=False))
        finally:
            # a module cache can hold read-only files, which the temporary folder cannot remove
            shutil.rmtree(work / "mod", ignore_errors=True)


def _build_info(text: str, module: str, version: str) -> tuple[str, str]:
    """The Go toolchain and the main module's h1: sum from ``go version -m`` output."""
    lines = text.splitlines()
    toolchain = lines[0].rsplit(": ", 1)[-1].strip() if lines else ""
    for line in lines[1:]:
        fields = line.split()
        if fields[:3] == ["mod", module, version] and len(fields) > 3:
            return toolchain, fields[3]
    raise MatrixError(f"the build information of the installed asdf names no sum for "
                      f"{module}@{version}", EXIT_ENVIRONMENT)


def _unpacked_go(cache: ArtifactCache, into: Path) -> str:
    """The newest pinned Go, unpacked; ``go install`` switches to the toolchain the module
    asks for (GOTOOLCHAIN=auto) and downloads it, checked by the checksum database."""
    newest = max(pins.GO, key=pins.version_key)
    tarball = cache._ensure_unlocked(go_key(newest))
    with tarfile.open(cache.mirror_dir / tarball.key) as tar:
        tar.extractall(into, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
    return str(into / "go" / "bin" / "go")


def _go_env(work: Path) -> dict[str, str]:
    """The caller's environment (its proxy and checksum database settings hold) with a
    build of its own: a fresh module cache, a static binary, the binary in ``work/bin``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOROOT", "GOFLAGS", "GOENV", "GOTOOLCHAIN", "GOBIN", "GOPATH")}
    env.update(HOME=str(work), GOPATH=str(work / "gopath"), GOMODCACHE=str(work / "mod"),
               GOCACHE=str(work / "cache"), GOBIN=str(work / "bin"), GOENV="off",
               GOFLAGS="-modcacherw", GOTOOLCHAIN="auto", CGO_ENABLED="0")
    return env


# -- SDKMAN ----------------------------------------------------------------------------------
def _sdkman(cache: ArtifactCache) -> None:
    with tempfile.TemporaryDirectory(dir=cache.root) as tmp:
        folder = Path(tmp)
        _download(pins.SDKMAN_INSTALLER_URL, folder / "install.sh")
        inst = _installer(folder)
        got = (inst.version, inst.native_version)
        pinned = (pins.SDKMAN_VERSION, pins.SDKMAN_NATIVE_VERSION)
        if got != pinned:
            raise MatrixError(
                f"SDKMAN's installer ({pins.SDKMAN_INSTALLER_URL}) now installs SDKMAN "
                f"{got[0]} with native CLI {got[1] or 'none'}, not the pinned {pinned[0]} with "
                f"{pinned[1]}: set SDKMAN_VERSION, SDKMAN_NATIVE_VERSION and their sha256 in "
                "matrix/pins.py, or add saved release files with `govm-matrix mirror add "
                "sdkman <folder>`", EXIT_ENVIRONMENT)
        urls = {"install.sh": pins.SDKMAN_INSTALLER_URL}
        wanted = [(f"sdkman-cli-{inst.version}.zip", "sdkman", inst.version,
                   pins.SDKMAN_CLI_SHA256)]
        if inst.native_version:
            wanted.append((f"sdkman-cli-native-{inst.native_version}-x86_64-unknown-linux-gnu"
                           ".zip", "native", inst.native_version, pins.SDKMAN_NATIVE_SHA256))
        for name, what, version, sha256 in wanted:
            url = f"{inst.service}/broker/download/{what}/install/{version}/{inst.platform}"
            _download(url, folder / name)
            _expect(sha256_file(folder / name), sha256, url)
            urls[name] = url
        urls["candidates-all.txt"] = f"{inst.service}/candidates/all"
        _download(urls["candidates-all.txt"], folder / "candidates-all.txt")
        _add_sdkman(cache, folder, Origin(
            "fetched online (archives checked against the sha256 in matrix/pins.py)",
            offline=False, urls=urls))

