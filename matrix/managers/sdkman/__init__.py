"""SDKMAN, which has no Go candidate, and the workaround people use to make it manage Go anyway.

SDKMAN serves JVM SDKs only, by its maintainers' choice. ``sdkman`` installs it with its
official installer (``curl -s "https://get.sdkman.io" | bash``) and has each cell ask it for Go
(``sdk install go <version>``): the cell is UNSUPPORTED with whatever SDKMAN answers, read from
the command's output at run time.

``sdkman-local`` is the workaround: ``go`` appended to the candidates list SDKMAN keeps in
``~/.sdkman/var/candidates``, each Go release tarball unpacked to ``~/sdk/go<version>`` and linked
with ``sdk install go <version> <dir>``, versions switched with ``sdk default`` / ``sdk use``.
SDKMAN links a local directory only after its candidates API answers ``invalid`` for that
version; during the image build the HTTPS mirror gives that answer.

There is no directory scope: SDKMAN's ``.sdkmanrc`` takes effect on ``cd`` only with
``sdkman_auto_env=true``, which its installer sets to false; otherwise it needs ``sdk env``
typed in the directory, which is the session scope again.

``sdk`` is a shell function that ``sdkman-init.sh`` defines when ``~/.bashrc`` or ``~/.zshrc`` is
read; a shell that has not read them (a login shell on Debian, ``zsh -l``) loads it the way
SDKMAN's installer says for an open terminal, so each command is prefixed with that, only when
``sdk`` is not there yet. Offline, SDKMAN's installer and archives exist only on its own
servers: its cells are skipped until a user adds them with ``govm-matrix mirror add sdkman``.
Online they are fetched and checked against the versions and sha256 in ``matrix/supply/pins.py``;
when the installer has moved past those pins, the release it names runs instead, checked against
the checksums its GitHub release publishes, and the report says so (``--strict-pins`` refuses).
"""

from __future__ import annotations

import re

from ...core.platforms import Platform
from ...supply.pins import SDKMAN_INSTALLER_URL
from ..base import Manager, q
from .recipe import SDKMAN_API_HOST, SDKMAN_INSTALLER_HOST, SDKMAN_RELEASE_KEY, SdkmanRelease

RECIPES = (SdkmanRelease(),)
SDKMAN_INIT = "$HOME/.sdkman/bin/sdkman-init.sh"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BANNER = re.compile(r"^[=\s]*$|^=+ .* =+$")


def sdk(arguments: str) -> str:
    """An ``sdk`` command line that also works in a shell that has not loaded SDKMAN."""
    return f'{{ command -v sdk >/dev/null || . "{SDKMAN_INIT}"; }} && sdk {arguments}'


def unsupported_reason(command: str, status: int, output: str) -> str:
    """SDKMAN's own answer to ``command`` in one line: its last line of output without
    colours (SDKMAN prints its verdict last, after any network warning banner)."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line and not _BANNER.match(line)]
    if not lines:
        return f"`{command}` exited {status} with no output"
    return f"`{command}` exited {status}: {lines[-1]}"


class Sdkman(Manager):
    NAME = "sdkman"
    SCRIPT = 'source "$HOME/.sdkman/bin/sdkman-init.sh"'  # SDKMAN's docs: source sdkman-init.sh
    SCOPES = {
        "global": "sdk install go <version> (a new install becomes the default)",
        "session": "sdk use go <version> (this shell only)",
    }
    BEHAVIOUR = {
        "install": f"SDKMAN by its installer (`curl -s \"{SDKMAN_INSTALLER_URL}\" | bash`), "
                   "which adds `source \"$HOME/.sdkman/bin/sdkman-init.sh\"` to ~/.bashrc and "
                   "~/.zshrc; no Go: SDKMAN has no Go candidate (it serves JVM SDKs only, by "
                   "design), so each cell reports what `sdk install go <version>` answers",
        "GOROOT": "not applicable: SDKMAN installs no Go (for a candidate it exports "
                  "<CANDIDATE>_HOME, never GOROOT)",
        "GOPATH": "not applicable: SDKMAN installs no Go",
        "GOBIN": "not applicable: SDKMAN installs no Go",
        "PATH": "sdkman-init.sh prepends ~/.sdkman/candidates/<candidate>/current/bin for each "
                "installed candidate, in shells that read ~/.bashrc or ~/.zshrc",
    }
    REQUIRES = {
        SDKMAN_RELEASE_KEY: f"SDKMAN's release files (its installer from "
                            f"{SDKMAN_INSTALLER_URL} and the CLI archives it downloads)",
    }
    HTTPS_HOSTS = (SDKMAN_INSTALLER_HOST, SDKMAN_API_HOST)

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [SDKMAN_RELEASE_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return sdk(f"install go {q(version)}")
        return sdk(f"use go {q(version)}")

    def unsupported_probe(self, version: str, scope: str, platform: Platform) -> str | None:
        """A command run in the container before any switch: when it fails, the cell is
        UNSUPPORTED with SDKMAN's refusal (``refusal``) in its own words. Every scope needs the
        version installed first, so it is always ``sdk install go <version>``."""
        return sdk(f"install go {q(version)}")

    # What SDKMAN prints when it has no such candidate (its `__sdkman_validate_candidate`).
    REFUSALS = (r"is not a valid candidate",)

    def refusal(self, command: str, status: int, output: str) -> str | None:
        """SDKMAN's refusal of a failed ``unsupported_probe``, naming the sdk command as
        typed; None when its answer is not a refusal (e.g. no ``sdk`` at all)."""
        reason = unsupported_reason(command.rsplit(" && ", 1)[-1], status, output)
        if any(re.search(pattern, reason) for pattern in self.REFUSALS):
            return reason
        return None

    def managed_dirs(self, platform: Platform) -> list[str]:
        return [f"{platform.home}/.sdkman/candidates"]
