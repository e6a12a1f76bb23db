"""voidint/g: one Go binary that installs Go releases and switches a symlink.

Installed as its install.sh does, without that script's download (the binary comes from the
loopback mirror): the binary at ``~/.g/bin/g``; ``~/.g/env`` with ``export
GOROOT="${HOME}/.g/go"``, ``export PATH="${HOME}/.g/bin:${GOROOT}/bin:${GOPATH}/bin:$PATH"`` and
the ``G_MIRROR`` line the installer writes; ``[ -s "${HOME}/.g/env" ] && \\. "${HOME}/.g/env"``
in ``~/.bashrc`` and ``~/.zshrc``. ``g install <v>`` reads a download page (during the build
the mirror's own nginx-style listing, through ``G_MIRROR=autoindex|…``) and checks each tarball
against the ``.sha256`` listed beside it; ``g use <v>`` re-points ``~/.g/go`` at
``~/.g/versions/<v>``. GOROOT is that fixed symlink: shared by every version by design, it
always names the selected one, so it cannot go stale.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply import pins
from ..base import Manager, q
from .recipe import GBinary, g_binary_key

RECIPES = (GBinary(),)
G_BIN = "~/.g/bin/g"


class G(Manager):
    NAME = "g"
    SCRIPT = '. "$HOME/.g/env"'  # g's README: source ~/.g/env
    SCOPES = {"global": "g use <version> (re-points the ~/.g/go symlink)"}
    BEHAVIOUR = {
        "install": f"g {pins.G_VERSION} (voidint/g) at ~/.g/bin/g with the ~/.g/env and rc "
                   "lines its install.sh writes; Go by `g install <version>`, which checks "
                   "each tarball against the .sha256 its download page lists",
        "GOROOT": "exported by ~/.g/env as ~/.g/go, a symlink `g use` re-points: one fixed "
                  "path for every version by design, always the selected one (not a leak)",
        "GOPATH": "not set: Go's default ~/go, shared by every version",
        "GOBIN": "unset: go install writes to ~/go/bin, shared by every version",
        "PATH": "~/.g/bin and ~/.g/go/bin prepended by ~/.g/env, in shells that read "
                "~/.bashrc or ~/.zshrc; the entries never change, the symlink does",
        "reported": "a fixed GOROOT behind a symlink (~/.g/go) is SHARED by every version by "
                    "design and always names the selected one: not a leak",
    }
    REQUIRES = {
        g_binary_key(): f"the g {pins.G_VERSION} binary (its release archive "
                        f"g{pins.G_VERSION}.linux-amd64.tar.gz, or the binary in it)",
    }
    SOURCE_ARTIFACT = "G_KEY"

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"G_VERSION": pins.G_VERSION, "G_KEY": source_key or g_binary_key()}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), source_key or g_binary_key()]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        return f"{G_BIN} use {q(version)}"

    def current(self, platform: Platform) -> str | None:
        """Where `g use` pointed ~/.g/go: ~/.g/versions/<version>."""
        return "readlink ~/.g/go | sed -n 's|.*/versions/||p'"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.g"]
