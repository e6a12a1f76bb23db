"""Named pre-existing state applied to a container before the manager is used.

Each fixture is a list of (who, command) steps; commands are templates whose fields
({old_root}, {new_root}, {old}, {new}, {home}) are filled with shell-quoted values. The harness's
own tests plant each kind of leak with these and expect LEAK or BROKEN.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .errors import MatrixError

RC_FILES = (".profile", ".bashrc", ".zprofile", ".zshrc")


@dataclass(frozen=True)
class Fixture:
    name: str
    description: str
    # (kind, template): kind "rc" appends the line to every rc file a shell of the platform
    # reads; "user" and "root" run the command as that user.
    steps: tuple[tuple[str, str], ...]

    def commands(self, values: dict[str, str]) -> list[tuple[str, str]]:
        """The (who, command) steps with every field filled in, shell-quoted."""
        quoted = {k: shlex.quote(v) for k, v in values.items()}
        out = []
        for kind, template in self.steps:
            text = template.format(**quoted)
            if kind == "rc":
                out += [("user", f"printf '%s\\n' {shlex.quote(text)} >> ~/{rc}")
                        for rc in RC_FILES]
            else:
                out.append((kind, text))
        return out


FIXTURES: dict[str, Fixture] = {
    f.name: f
    for f in (
        Fixture("stale-goroot", "export GOROOT=<old root> in the rc files",
                (("rc", "export GOROOT={old_root}"),)),
        Fixture("old-path-entry", "<old root>/bin first on PATH from the rc files",
                (("rc", "export PATH={old_root}/bin:$PATH"),)),
        Fixture("gopath-in-old-root", "export GOPATH=<old root>/gopath in the rc files",
                (("rc", "export GOPATH={old_root}/gopath"),)),
        Fixture("gotoolchain-old", "go env -w GOTOOLCHAIN=go<old> (written to the GOENV file)",
                (("user", "{old_root}/bin/go env -w GOTOOLCHAIN=go{old}"),)),
    )
}


def get_fixture(name: str) -> Fixture:
    try:
        return FIXTURES[name]
    except KeyError:
        raise MatrixError(
            f"unknown fixture {name!r}; valid fixtures: {', '.join(FIXTURES)}"
        ) from None
