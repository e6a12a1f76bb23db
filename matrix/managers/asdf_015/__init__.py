"""asdf 0.15 (the bash implementation) with the asdf-golang plugin.

Installed as asdf's 0.15 getting-started guide says: ``git clone
https://github.com/asdf-vm/asdf.git ~/.asdf --branch v0.15.0`` and ``. "$HOME/.asdf/asdf.sh"`` in
``~/.bashrc`` (``~/.zshrc`` for zsh). The golang plugin is added with ``asdf plugin add golang``
and its ``set-env`` script is sourced from the rc file, as its README asks. Offline, both git
repositories come from the mirror (``govm-matrix mirror add asdf|asdf-golang``) and the Go
downloads, which asdf-golang hard-codes to ``https://dl.google.com/go/``, from the HTTPS mirror.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply import pins
from ...supply.pins import ASDF_015_VERSION
from ..asdf.golang import (
    ASDF_GOLANG_GIT,
    ASDF_GOLANG_REFS_KEY,
    GO_DOWNLOAD_HOST,
    GOLANG_BEHAVIOUR,
    GOLANG_PLUGIN_REQUIRES,
)
from ..base import Manager, q
from .recipe import ASDF_GIT, ASDF_REFS_KEY, AsdfRepository

ASDF_REPO_URL = pins.ASDF_REPO

RECIPES = (AsdfRepository(),)


class Asdf015(Manager):
    NAME = "asdf-0.15"
    SCRIPT = '. "$HOME/.asdf/asdf.sh"'  # asdf 0.15's guide: source asdf.sh
    SCOPES = {
        "global": "asdf global golang <version> (writes ~/.tool-versions)",
        "session": "asdf shell golang <version> (the shell function of asdf.sh exports "
                   "ASDF_GOLANG_VERSION in this shell)",
        "directory": "asdf local golang <version> (writes ./.tool-versions)",
    }
    BEHAVIOUR = {
        "install": f"asdf {ASDF_015_VERSION} by `git clone {ASDF_REPO_URL} ~/.asdf --branch "
                   f"v{ASDF_015_VERSION}`, `. \"$HOME/.asdf/asdf.sh\"` in ~/.bashrc (~/.zshrc "
                   "for zsh) as its 0.15 guide says; the golang plugin by `asdf plugin add "
                   "golang`; Go by `asdf install golang <version>`, which downloads "
                   "https://dl.google.com/go/go<version>.linux-amd64.tar.gz and checks its "
                   ".sha256",
        **GOLANG_BEHAVIOUR,
        "PATH": "asdf.sh prepends ~/.asdf/shims and ~/.asdf/bin, only in shells that read "
                "~/.bashrc or ~/.zshrc; the go shim runs the selected version's go/bin/go",
    }
    REQUIRES = {
        ASDF_REFS_KEY: f"asdf's git repository with tag v{ASDF_015_VERSION} (a full clone of "
                       f"{ASDF_REPO_URL})",
        **GOLANG_PLUGIN_REQUIRES,
    }
    HTTPS_HOSTS = (GO_DOWNLOAD_HOST,)
    SHARED_FILES = ("asdf/asdf-golang.sh",)

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"ASDF_VERSION": ASDF_015_VERSION, "ASDF_GIT": ASDF_GIT,
                "ASDF_GOLANG_GIT": ASDF_GOLANG_GIT}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), ASDF_REFS_KEY, ASDF_GOLANG_REFS_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return f"~/.asdf/bin/asdf global golang {q(version)}"
        if scope == "session":
            return f"asdf shell golang {q(version)}"  # the function asdf.sh defines
        return f"~/.asdf/bin/asdf local golang {q(version)}"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.asdf/shims", f"{platform.home}/.asdf/bin"]

    def shim_dirs(self, platform: Platform) -> list[str]:
        """Directories whose ``go`` is a shim that runs the selected version's go."""
        return [f"{platform.home}/.asdf/shims"]
