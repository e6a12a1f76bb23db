"""The distribution's own Go packages: Debian's (and Ubuntu's) versioned ``golang-1.2x-go``.

Each series installs under ``/usr/lib/go-1.2x`` (GOROOT = that folder); neither package creates
``/usr/bin/go`` nor an alternatives entry, so people switch them in one of two ways, each an
adapter here, each a thin layer on the one image layer that installs the packages
(``packages/``, built once for both):

``distro``
    the ``PATH`` line in the login profile (``export PATH=$PATH:/usr/lib/go-1.2x/bin`` in
    ``~/.profile``, as Go's install docs write it for ``/usr/local/go``) rewritten to the other
    series (global), or ``export PATH=/usr/lib/go-1.2x/bin:$PATH`` typed in one shell (session);
``distro-alternatives``
    an ``update-alternatives`` group on ``/usr/local/bin/go`` (with ``gofmt`` as a follower),
    switched with ``sudo update-alternatives --set go /usr/lib/go-1.2x/bin/go`` (global only).

The versions are the distribution's: a cell that asks for 1.22.10 gets the series' release the
archive carries (bookworm-backports: 1.22.12), and the report shows both. Offline the packages
come from Debian bookworm-backports through a loopback apt repository that apt in the image
checks against the archive's signature; on an Ubuntu base (online) from Ubuntu's own archive.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ..base import Manager, q
from .recipe import SERIES, SUITE, DebianGo, manifest_key, series_of

RECIPES = (DebianGo(),)


def lib(version: str) -> str:
    return f"/usr/lib/go-{series_of(version)}"


class Distro(Manager):
    NAME = "distro"
    SCRIPT = '. "$HOME/.profile"'  # the login profile that holds the PATH line, sourced
    VARIANT = "profile"
    SHARED_LAYER = "packages"  # both adapters' packages, installed once
    SCOPES = {
        "global": "the PATH line in ~/.profile (~/.zprofile for zsh logins) rewritten from one "
                  "/usr/lib/go-1.2x/bin to the other",
        "session": "export PATH=/usr/lib/go-1.2x/bin:$PATH typed in this shell",
    }
    BEHAVIOUR = {
        "install": f"golang-<series>-go for each series asked for, with apt (Debian {SUITE} "
                   "through a loopback repository apt checks against the archive's signature; "
                   "Ubuntu's own archive on an Ubuntu base); `export PATH=$PATH:/usr/lib/"
                   "go-<series>/bin` in ~/.profile (and ~/.zprofile for zsh logins) for the "
                   "selected one, as Go's install docs write it for /usr/local/go",
        "versions": "the distribution's release of each series: asked 1.22.10, installed "
                    f"1.22.12 ({SUITE}); series carried: {', '.join(SERIES)}",
        "GOROOT": "not exported; go finds /usr/lib/go-<series> from its own path",
        "GOPATH": "Go's default ~/go, shared by every version",
        "GOBIN": "unset: go install writes to ~/go/bin, shared by every version",
        "PATH": "one entry, /usr/lib/go-<series>/bin, appended by login shells only; a session "
                "switch prepends the other series and keeps the first",
    }

    def build_args(self, source_key: str | None = None) -> dict[str, str]:
        return {"DISTRO_VARIANT": self.VARIANT}

    def shared_build_args(self) -> dict[str, str]:
        return {"DISTRO_SUITE": SUITE}

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [manifest_key(versions)]

    def cannot_install(self, versions) -> str | None:
        missing = sorted({series_of(v) for v in versions} - set(SERIES))
        if missing:
            return (f"{self.NAME} installs the distribution's packages, and Debian {SUITE} "
                    f"carries no Go {', '.join(missing)}; it carries Go {', '.join(SERIES)} "
                    "(golang-<series>-go)")
        return None

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "session":
            return f"export PATH={q(lib(version) + '/bin')}:$PATH"
        profiles = "~/.profile ~/.zprofile" if platform.login_shell == "zsh" else "~/.profile"
        return (f"sed -i -E 's|/usr/lib/go-[0-9]+[.][0-9]+/bin|{lib(version)}/bin|' "
                f"{profiles}")

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"/usr/lib/go-{s}/bin" for s in SERIES]


class DistroAlternatives(Distro):
    NAME = "distro-alternatives"
    SCRIPT = ""  # nothing: /usr/local/bin, where the alternatives link is, is on every PATH
    VARIANT = "alternatives"
    LABEL = "distro-alternatives (Debian's versioned Go packages in an update-alternatives group)"
    SCOPES = {"global": "sudo update-alternatives --set go /usr/lib/go-1.2x/bin/go"}
    BEHAVIOUR = {
        **Distro.BEHAVIOUR,
        "install": Distro.BEHAVIOUR["install"].split("; `export")[0] + "; each series "
                   "registered in an update-alternatives group on /usr/local/bin/go with "
                   "gofmt as a follower (`update-alternatives --install /usr/local/bin/go go "
                   "/usr/lib/go-<series>/bin/go <priority> --slave /usr/local/bin/gofmt gofmt "
                   "…`), the selected one set with `--set`",
        "GOROOT": "not exported; go finds /usr/lib/go-<series> through /usr/local/bin/go -> "
                  "/etc/alternatives/go -> /usr/lib/go-<series>/bin/go",
        "PATH": "nothing added: /usr/local/bin is on every PATH; its go is the alternatives "
                "link (so /usr/local/bin counts as this manager's entry)",
    }

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        return f"sudo update-alternatives --quiet --set go {q(lib(version) + '/bin/go')}"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return ["/usr/local/bin"]
