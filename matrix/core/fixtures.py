"""Pollution fixtures: named, composable state that real machines carry, applied to a container
before the manager is used.

A fixture is data: lines for the shell rc files, files to write, environment variables the
container starts with, commands to run (as the platform user or as root), and the platforms it
applies to. Text may hold the fields {old}, {new} (the Go versions switched from and to),
{old_root}, {new_root} (their GOROOTs, as each version's own `go env GOROOT` reports it inside
the install folder the manager's command names: for asdf that is `<asdf where>/go`) and
{home}; values are shell-quoted where they land in a command. User-defined fixtures come from a
matrix definition file (see definition.py) and take the same form.
"""

from __future__ import annotations

import shlex
import string
from dataclasses import dataclass, field

from .errors import MatrixError

RC_FILES = (".profile", ".bashrc", ".zprofile", ".zshrc")
FIELDS = ("old", "new", "old_root", "new_root", "home")


@dataclass(frozen=True)
class Step:
    kind: str  # "rc" | "file" | "user" | "root"
    text: str  # the rc line, the command, or the file content
    path: str = ""  # for "file"
    who: str = "user"  # for "file": who writes it

    def commands(self, values: dict[str, str]) -> list[tuple[str, str]]:
        """(who, command) pairs with every field filled in."""
        quoted = {k: shlex.quote(v) for k, v in values.items()}
        if self.kind == "rc":
            line = self.text.format(**quoted)
            return [("user", f"printf '%s\\n' {shlex.quote(line)} >> ~/{rc}") for rc in RC_FILES]
        if self.kind == "file":
            content = self.text.format(**values)
            path = self.path.format(**values).replace("~", values["home"], 1)
            folder = shlex.quote(path.rsplit("/", 1)[0] or "/")
            return [(self.who, f"mkdir -p {folder} && printf '%s' {shlex.quote(content)} "
                               f">> {shlex.quote(path)}")]
        return [(self.kind, self.text.format(**quoted))]


@dataclass(frozen=True)
class Fixture:
    name: str
    description: str
    steps: tuple[Step, ...] = ()
    env: tuple[tuple[str, str], ...] = ()  # the container's environment, every shell sees it
    platforms: tuple[str, ...] = ()  # empty: every platform
    needs: tuple[str, ...] = ()  # image contents the fixture relies on, for the report

    def applies_to(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms

    @property
    def image_commands(self) -> tuple[str, ...] | None:
        """The fixture's commands when it can be an image layer: every step a root command
        with no field to fill (the same in every run of an image, e.g. installing Debian's
        Go), so that applying it once into a layer is applying it in each container; None
        otherwise."""
        if not self.steps or self.env:
            return None
        for step in self.steps:
            fields = [f for _, f, _, _ in string.Formatter().parse(step.text) if f is not None]
            if step.kind != "root" or fields:
                return None
        return tuple(step.text for step in self.steps)

    def commands(self, values: dict[str, str]) -> list[tuple[str, str]]:
        return [pair for step in self.steps for pair in step.commands(values)]

    def environment(self, values: dict[str, str]) -> dict[str, str]:
        return {k: v.format(**values) for k, v in self.env}

    def to_dict(self) -> dict:
        return {"name": self.name, "description": self.description,
                "platforms": list(self.platforms) or "all",
                "steps": [{"kind": s.kind, "text": s.text, "path": s.path, "as": s.who}
                          for s in self.steps],
                "env": dict(self.env)}


def check_fields(text: str, where: str) -> None:
    """Refuse a template naming a field that does not exist (e.g. a typo like {old_rot})."""
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise MatrixError(f"{where}: bad template {text!r} ({exc}); write {{{{ for a "
                          "literal brace") from None
    unknown = [n for n in names if n not in FIELDS]
    if unknown:
        raise MatrixError(f"{where}: unknown field {{{unknown[0]}}}; fields: "
                          + ", ".join("{" + f + "}" for f in FIELDS))


_RUNNER_GO = "/Users/runner/hostedtoolcache/go/1.21.13/x64/bin/go"

BUILTIN: dict[str, Fixture] = {
    f.name: f
    for f in (
        Fixture("stale-goroot", "export GOROOT=<old root> left in the rc files by a manual "
                "install", (Step("rc", "export GOROOT={old_root}"),)),
        Fixture("etc-environment", "GOROOT=\"<old GOROOT>\" in /etc/environment, where many Go "
                "install guides for Ubuntu send it; pam_env applies it at every login",
                (Step("file", 'GOROOT="{old_root}"\n', path="/etc/environment", who="root"),),
                platforms=("ubuntu",)),
        Fixture("gopath-tmp", "export GOPATH=/tmp/go in the rc files",
                (Step("rc", "export GOPATH=/tmp/go"),)),
        Fixture("distro-go", "Debian's golang-go installed, /usr/bin/go",
                (Step("root", "dpkg -i /opt/govm-matrix/debs/*.deb >/dev/null"),),
                needs=("Debian's golang-go packages in /opt/govm-matrix/debs",)),
        Fixture("goenv-pinned", "go env -w GOTOOLCHAIN=go<old> and go env -w GOFLAGS=-mod=mod "
                "(the GOENV file every version reads)",
                (Step("file", "GOTOOLCHAIN=go{old}\nGOFLAGS=-mod=mod\n",
                      path="~/.config/go/env"),)),
        Fixture("windows-go", "a Windows GOPATH shared through WSLENV=GOPATH/p, with the "
                "Windows Go's folder first on PATH",
                (Step("rc", "export PATH=\"/mnt/c/Program Files/Go/bin:$PATH\""),),
                env=(("GOPATH", "/mnt/c/Users/dev/go"),
                     ("WSLENV", "WT_SESSION:WT_PROFILE_ID::GOPATH/p")),
                platforms=("wsl2",)),
        Fixture("paths-d-go", "/etc/paths.d/go holding /usr/local/go/bin (as Go's macOS "
                "package installs it) and the runner's preinstalled Go first on PATH",
                (Step("file", "/usr/local/go/bin\n", path="/etc/paths.d/go", who="root"),
                 Step("root", f"ln -sf {_RUNNER_GO} /usr/local/bin/go")),
                platforms=("macos-runner",)),
        # GOPATH shapes (published claims: a GOPATH with spaces fails on Linux and macOS and
        # works on WSL2 when quoted; a Windows-side GOPATH under /mnt/c is the form to use on
        # WSL2). The go install target is exercised by every probe after a switch.
        Fixture("gopath-spaces", "export GOPATH=\"$HOME/Go Projects\" (a folder name with a "
                "space, quoted) in the rc files",
                (Step("rc", 'export GOPATH="$HOME/Go Projects"'),)),
        Fixture("gopath-windows-drive", "export GOPATH=/mnt/c/Users/dev/go, the Windows "
                "user's Go folder on the emulated C: drive, in the rc files",
                (Step("rc", "export GOPATH=/mnt/c/Users/dev/go"),), platforms=("wsl2",)),
        # Planted leaks for the harness's own tests, one per detection path.
        Fixture("old-path-entry", "<old root>/bin first on PATH from the rc files",
                (Step("rc", "export PATH={old_root}/bin:$PATH"),)),
        Fixture("gopath-in-old-root", "export GOPATH=<old root>/gopath in the rc files",
                (Step("rc", "export GOPATH={old_root}/gopath"),)),
        Fixture("gobin-through-link", "export GOBIN=~/go-current/mybin in the rc files, "
                "~/go-current a symlink to <old root> and mybin not made yet",
                (Step("user", "ln -sfn {old_root} ~/go-current"),
                 Step("rc", "export GOBIN=$HOME/go-current/mybin"))),
        Fixture("gotoolchain-old", "go env -w GOTOOLCHAIN=go<old> (written to the GOENV file)",
                (Step("user", "{old_root}/bin/go env -w GOTOOLCHAIN=go{old}"),)),
        Fixture("gotoolchain-env-old", "export GOTOOLCHAIN=go<old> in the rc files",
                (Step("rc", "export GOTOOLCHAIN=go{old}"),)),
    )
}

# The pollution the default matrix applies, one scenario each (global scope).
DEFAULT_POLLUTION = ("stale-goroot", "etc-environment", "gopath-tmp", "distro-go",
                     "goenv-pinned", "windows-go", "paths-d-go", "gopath-spaces",
                     "gopath-windows-drive")


@dataclass
class FixtureSet:
    """The fixtures a run knows: the built-in ones plus a definition file's."""

    fixtures: dict[str, Fixture] = field(default_factory=lambda: dict(BUILTIN))

    def get(self, name: str) -> Fixture:
        try:
            return self.fixtures[name]
        except KeyError:
            raise MatrixError(
                f"unknown fixture {name!r}; valid fixtures: {', '.join(self.fixtures)}"
            ) from None


def get_fixture(name: str) -> Fixture:
    return FixtureSet().get(name)
