"""asdf 0.16 and later (the Go rewrite) with the asdf-golang plugin.

Installed as its getting-started guide says for a pre-compiled binary: the ``asdf`` binary in a
directory on PATH (``/usr/local/bin``), and ``export
PATH="${ASDF_DATA_DIR:-$HOME/.asdf}/shims:$PATH"`` in ``~/.bash_profile`` (``~/.zshrc`` for
zsh). ``asdf set`` replaces ``asdf global``/``local``; ``asdf shell`` is gone, the documented way
to pick a version for one shell is ``ASDF_GOLANG_VERSION``.

The binary: asdf's releases publish no sha256, so online it is built by the guide's other
method, ``go install github.com/asdf-vm/asdf/cmd/asdf@v<version>``, with the module checked
against the ``h1:`` sum in ``matrix/supply/pins.py``. Offline that needs module downloads; a
user adds the release archive or a binary with ``govm-matrix mirror add asdf-binary <path>``, or
else the cells are skipped. asdf 0.20 clones plugins shallow (``git clone --depth 1``), which the
loopback mirror answers with git's smart HTTP protocol.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply.pins import ASDF_VERSION
from ..base import Manager, q
from .golang import (
    ASDF_GOLANG_GIT,
    ASDF_GOLANG_REFS_KEY,
    GO_DOWNLOAD_HOST,
    GOLANG_BEHAVIOUR,
    GOLANG_PLUGIN_REQUIRES,
)
from .recipe import AsdfBinary, AsdfGolang, asdf_binary_key

RECIPES = (AsdfBinary(), AsdfGolang())
ASDF_BIN = "/usr/local/bin/asdf"


class Asdf(Manager):
    NAME = "asdf"
    # asdf's guide: the shims directory on PATH
    SCRIPT = 'export PATH="${ASDF_DATA_DIR:-$HOME/.asdf}/shims:$PATH"'
    SCOPES = {
        "global": "asdf set -u golang <version> (writes ~/.tool-versions)",
        "session": "export ASDF_GOLANG_VERSION=<version> (asdf 0.16 removed `asdf shell`)",
        "directory": "asdf set golang <version> (writes ./.tool-versions)",
    }
    BEHAVIOUR = {
        "install": f"asdf {ASDF_VERSION} binary at {ASDF_BIN} (a directory on PATH; the "
                   "release binary, or online `go install github.com/asdf-vm/asdf/cmd/asdf@v"
                   f"{ASDF_VERSION}` checked against its pinned module sum); "
                   "`export PATH=\"${ASDF_DATA_DIR:-$HOME/.asdf}/shims:$PATH\"` in "
                   "~/.bash_profile (~/.zshrc for zsh) as its guide says, so on Debian and "
                   "Ubuntu bash login shells no longer read ~/.profile; the golang plugin by "
                   "`asdf plugin add golang`, its set-env script in ~/.bashrc (~/.zshrc); Go by "
                   "`asdf install golang <version>` from https://dl.google.com/go/",
        **GOLANG_BEHAVIOUR,
        "PATH": "~/.asdf/shims prepended by ~/.bash_profile (bash login shells) or ~/.zshrc; "
                "the go shim runs the selected version's go/bin/go",
    }
    REQUIRES = {
        asdf_binary_key(): f"the asdf {ASDF_VERSION} binary (the release archive "
                           f"asdf-v{ASDF_VERSION}-linux-amd64.tar.gz, or the binary in it)",
        **GOLANG_PLUGIN_REQUIRES,
    }
    HTTPS_HOSTS = (GO_DOWNLOAD_HOST,)
    SOURCE_ARTIFACT = "ASDF_KEY"

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"ASDF_VERSION": ASDF_VERSION, "ASDF_KEY": source_key or asdf_binary_key(),
                "ASDF_GOLANG_GIT": ASDF_GOLANG_GIT}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), source_key or asdf_binary_key(),
                ASDF_GOLANG_REFS_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return f"asdf set -u golang {q(version)}"
        if scope == "session":
            return f"export ASDF_GOLANG_VERSION={q(version)}"
        return f"asdf set golang {q(version)}"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.asdf/shims"]

    def shim_dirs(self, platform: Platform) -> list[str]:
        """Directories whose ``go`` is a shim that runs the selected version's go."""
        return [f"{platform.home}/.asdf/shims"]
