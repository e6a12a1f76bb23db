"""The workaround people use to make SDKMAN manage Go anyway (SDKMAN has no Go candidate).

``go`` appended to the candidates list SDKMAN keeps in ``~/.sdkman/var/candidates``, each Go
release tarball unpacked to ``~/sdk/go<version>`` and linked with ``sdk install go <version>
<dir>``, versions switched with ``sdk default`` / ``sdk use``. SDKMAN links a local directory
only after its candidates API answers ``invalid`` for that version; during the image build the
HTTPS mirror gives that answer. SDKMAN itself comes from the same place as for ``sdkman``.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply.pins import SDKMAN_INSTALLER_URL
from ..base import Manager, q
from ..sdkman import Sdkman, sdk
from ..sdkman.recipe import SDKMAN_RELEASE_KEY


class SdkmanLocal(Sdkman):
    NAME = "sdkman-local"
    LABEL = "sdkman-local (workaround: Go linked into SDKMAN as a local candidate)"
    SCOPES = {
        "global": "sdk default go <version> (repoints ~/.sdkman/candidates/go/current)",
        "session": Sdkman.SCOPES["session"],
    }
    BEHAVIOUR = {
        "install": "WORKAROUND, not supported by SDKMAN (it has no Go candidate): SDKMAN by "
                   f"its installer (`curl -s \"{SDKMAN_INSTALLER_URL}\" | bash`); `go` appended "
                   "to ~/.sdkman/var/candidates (`sdk update` undoes it); Go release tarballs "
                   "unpacked to ~/sdk/go<version> and linked with `sdk install go <version> "
                   "~/sdk/go<version>`, which SDKMAN does only after its API answers `invalid` "
                   "for that version",
        "GOROOT": "not exported: SDKMAN exports GO_HOME (~/.sdkman/candidates/go/current, or "
                  "…/go/<version> after `sdk use`); go finds its root from its own path",
        "GOPATH": "Go's default ~/go, shared by every version",
        "GOBIN": "unset: go install writes to ~/go/bin, shared by every version",
        "PATH": "sdkman-init.sh prepends ~/.sdkman/candidates/go/current/bin in shells that "
                "read ~/.bashrc or ~/.zshrc; `sdk use` rewrites it to …/go/<version>/bin in "
                "its own shell",
    }

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        return [*Manager.artifact_keys(self, versions), SDKMAN_RELEASE_KEY]

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        if scope == "global":
            return sdk(f"default go {q(version)}")
        return sdk(f"use go {q(version)}")

    def unsupported_probe(self, version: str, scope: str, platform: Platform) -> str | None:
        return None
