"""gvm (moovweb/gvm), bash.

Installed by its own installer (``binscripts/gvm-installer``, with ``SRC_REPO`` at the loopback
mirror's clone and the pinned commit as the branch it checks out), after the packages its README
and its ``gvm-check`` ask for (binutils, bison, gcc, make; bsdextrautils for hexdump). The
installer adds ``[[ -s "$HOME/.gvm/scripts/gvm" ]] && source "$HOME/.gvm/scripts/gvm"`` to
``~/.bashrc`` (and ``~/.zshrc`` when there is one). Sourcing it unsets GOROOT, GOPATH and
GOBIN, defines the ``gvm`` function, replaces ``cd`` with one that reads ``.go-version``
(``.go-pkgset``) and runs ``gvm use``, and sources ``environments/default``.

Go versions: ``gvm install go<v> -B`` (binary archives from ``GO_BINARY_BASE_URL``: the loopback
mirror, for the build only; gvm checks no checksum). Each version's environment file exports
``GOROOT=~/.gvm/gos/go<v>``, ``GOPATH=~/.gvm/pkgsets/go<v>/global`` and a PATH with both.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply import pins
from ..base import Manager, q
from .recipe import GVM_GIT, GVM_REFS_KEY, GvmRepository

RECIPES = (GvmRepository(),)
LOAD = '{ command -v gvm >/dev/null || . "$HOME/.gvm/scripts/gvm"; }'


def gvm(arguments: str) -> str:
    """A ``gvm`` command line that also works in a shell that has not loaded gvm."""
    return f"{LOAD} && gvm {arguments}"


class Gvm(Manager):
    NAME = "gvm"
    SCRIPT = 'source "$HOME/.gvm/scripts/gvm"'  # gvm's installer line: source its script
    SCOPES = {
        "global": "gvm use go<version> --default (copies environments/go<version> to "
                  "environments/default, which every new shell sources)",
        "session": "gvm use go<version> (sources environments/go<version> in this shell)",
        "directory": "a .go-version file naming go<version>, which gvm's replacement cd reads",
    }
    BEHAVIOUR = {
        "install": f"gvm {pins.GVM_VERSION} (commit {pins.GVM_COMMIT[:12]}) by its installer "
                   "binscripts/gvm-installer, after binutils, bison, gcc, make and "
                   "bsdextrautils; the installer's source line in ~/.bashrc (and ~/.zshrc); Go "
                   "by `gvm install go<version> -B` (binary archives, no checksum check)",
        "GOROOT": "exported by each version's environment file as ~/.gvm/gos/go<version>, "
                  "when `gvm use` runs or a new shell sources environments/default",
        "GOPATH": "exported as ~/.gvm/pkgsets/go<version>/global: one per version (its pkgset)",
        "GOBIN": "unset: go install writes to the pkgset's bin, per version",
        "PATH": "the pkgset's bin, go<version>/bin, the overlay's bin and ~/.gvm/bin, ahead of "
                "the rest, rebuilt by `gvm use`; sourcing gvm also replaces `cd` with a "
                "function that reads .go-version and does not switch back on leaving",
        "reported": "moovweb/gvm#503: after `gvm use system` GOROOT holds a quoted path (needs a "
                    "system Go when gvm is installed; not in this matrix's images); "
                    "moovweb/gvm#504: a toolchain line in go.mod overrides `gvm use` (Go's own "
                    "GOTOOLCHAIN=auto; gvm sets no GOTOOLCHAIN)",
    }
    REQUIRES = {
        GVM_REFS_KEY: f"gvm's git repository holding commit {pins.GVM_COMMIT[:12]} (a full "
                      f"clone of {pins.GVM_REPO})",
    }

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"GVM_COMMIT": pins.GVM_COMMIT, "GVM_GIT": GVM_GIT}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), GVM_REFS_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return gvm(f"use {q('go' + version)} --default")
        if scope == "session":
            return gvm(f"use {q('go' + version)}")
        return f"printf '%s\\n' {q('go' + version)} > .go-version"

    def current(self, platform: Platform) -> str | None:
        """The Go of the default environment that `gvm use --default` writes."""
        return "sed -n 's/.*gvm_go_name=\"go\\(.*\\)\"$/\\1/p' ~/.gvm/environments/default"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.gvm"]

    def version_dirs(self, version: str, platform: Platform) -> list[str]:
        return [f"{platform.home}/.gvm/pkgsets/go{version}"]  # its pkgset: GOPATH and bin
