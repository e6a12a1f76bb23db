"""mise: `mise use -g`, `mise shell`, a directory's mise.toml; `mise activate` in the rc files."""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply import pins
from ..base import Manager, q
from .recipe import MiseBinary, mise_key

RECIPES = (MiseBinary(),)

MISE = "~/.local/bin/mise"


class Mise(Manager):
    NAME = "mise"
    # mise's docs for non-interactive shells and CI: activate with shims
    SCRIPT = 'eval "$(~/.local/bin/mise activate bash --shims)"'
    SCOPES = {
        "global": "mise use -g go@<version> (writes ~/.config/mise/config.toml)",
        "session": "mise shell go@<version> (exports MISE_GO_VERSION in this shell)",
        "directory": "mise use go@<version> in the directory (writes ./mise.toml)",
    }
    BEHAVIOUR = {
        "install": f"mise {pins.MISE_VERSION} binary at ~/.local/bin/mise (where its installer "
                   "puts it); Go via `mise install go@<version>`; `eval \"$(mise activate "
                   "bash)\"` in ~/.bashrc, `… zsh` in ~/.zshrc",
        "GOROOT": "exported by the hook as the selected install (go.set_goroot=true)",
        "GOPATH": "not set (go.set_gopath defaults to false): Go's ~/go, shared by every version",
        "GOBIN": "exported as <install>/bin unless already set: per version",
        "PATH": "<install>/bin prepended by the hook, which runs on activation and at each "
                "prompt; nothing in shells that do not read the rc files",
    }

    SOURCE_ARTIFACT = "MISE_KEY"

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"MISE_VERSION": pins.MISE_VERSION, "MISE_KEY": source_key or mise_key()}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*super().artifact_keys(versions), source_key or mise_key()]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        tool = q(f"go@{version}")
        if scope == "global":
            return f"{MISE} use -g {tool}"
        if scope == "session":
            return f"mise shell {tool}"  # the shell function that `mise activate` defines
        return f"{MISE} use {tool}"

    #: its own words when a scope needs the shell activation it does not have (`mise shell`
    #: in a script that activated shims, as its docs tell scripts to)
    REFUSALS = (r"mise is not activated in this shell session",)

    def current(self, platform: Platform) -> str | None:
        """The go entry of the global config file that `mise use -g` writes."""
        return (f'{MISE} config get -f "${{MISE_GLOBAL_CONFIG_FILE:-$HOME/.config/mise/'
                'config.toml}" tools.go')

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.local/share/mise"]

    def shim_dirs(self, platform: Platform) -> list[str]:
        """`mise activate --shims` (what its docs give scripts and CI) puts these on PATH: a
        go there runs the version mise selects for the directory."""
        return [f"{platform.home}/.local/share/mise/shims"]
