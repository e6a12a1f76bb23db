"""Manual switching: /usr/local/go is a symlink to a versioned directory, as Go's docs teach."""

from __future__ import annotations

from ...core.platforms import Platform
from ..base import Manager, q


class Manual(Manager):
    NAME = "manual"
    # Go's install docs: the PATH line, in the script itself
    SCRIPT = 'export PATH=$PATH:/usr/local/go/bin'
    SCOPES = {"global": "sudo ln -sfn /usr/local/go-<version> /usr/local/go"}
    BEHAVIOUR = {
        "install": "official tarballs unpacked to /usr/local/go-<version>; /usr/local/go is a "
                   "symlink; `export PATH=$PATH:/usr/local/go/bin` in ~/.profile (and "
                   "~/.zprofile for zsh logins), as Go's install docs say",
        "GOROOT": "not exported; go finds its root from its own path through the symlink",
        "GOPATH": "Go's default ~/go, shared by every version",
        "GOBIN": "unset: go install writes to ~/go/bin, shared by every version",
        "PATH": "one entry, /usr/local/go/bin, set only by login shells",
    }

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        return f"sudo ln -sfn {q('/usr/local/go-' + version)} /usr/local/go"

    def current(self, platform: Platform) -> str | None:
        """Where the symlink points; nothing when /usr/local/go is not a link to a versioned
        folder (a plain tarball install, which `ln -sfn` would not replace but link into)."""
        return "readlink /usr/local/go | sed -n 's|^/usr/local/go-||p'"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return ["/usr/local/go"]
