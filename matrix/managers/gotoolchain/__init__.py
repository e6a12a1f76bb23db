"""Go's own switching (Go 1.21+): GOTOOLCHAIN and go.mod toolchain lines over one base Go.

The go on PATH is always the base Go; it re-executes the selected toolchain, which lives in the
module cache as golang.org/toolchain@v0.0.1-go<version>.<os>-<arch>. Its install root is that
module directory (`go env GOROOT` under the toolchain), the base's is /usr/local/go.
"""

from __future__ import annotations

from ...core.platforms import Platform
from ...supply.go import go_key
from ..base import Manager, q
from .recipe import TOOLCHAIN_MODULE, ToolchainModule, module_keys

RECIPES = (ToolchainModule(),)


class GoToolchain(Manager):
    NAME = "gotoolchain"
    # Go's install docs: the PATH line, in the script itself
    SCRIPT = 'export PATH=$PATH:/usr/local/go/bin'
    SCOPES = {
        "global": "go env -w GOTOOLCHAIN=go<version>+auto (the GOENV file every go reads; "
                  "+auto lets a go.mod toolchain line still upgrade)",
        "session": "export GOTOOLCHAIN=go<version> in this shell",
        "directory": "go mod edit -toolchain=go<version> (a toolchain line in ./go.mod)",
    }
    BEHAVIOUR = {
        "install": "the oldest selected Go unpacked to /usr/local/go with /usr/local/go/bin on "
                   "PATH in ~/.profile (~/.zprofile for zsh logins), as Go's install docs say; "
                   "every other version fetched by the go command itself as the toolchain "
                   "module golang.org/toolchain, from a file:// GOPROXY that the mirror serves "
                   "(built from the cached release tarballs), with GOSUMDB=off; since go "
                   "verifies a toolchain against the checksum database at every switch and "
                   "accepts an unverified one only from a file:// proxy, the base's go.env "
                   "points GOPROXY at the module cache's download folder with GOSUMDB=off "
                   "(the containers have no network)",
        "GOROOT": "not exported; `go env GOROOT` is the selected toolchain's module directory",
        "GOPATH": "Go's default ~/go, shared by every version (the toolchains live in its "
                  "module cache)",
        "GOBIN": "unset: go install writes to ~/go/bin, shared by every version",
        "PATH": "one entry, /usr/local/go/bin: the base go, which re-executes the selected "
                "toolchain; a toolchain line in go.mod only ever upgrades, and an explicit "
                "GOTOOLCHAIN=go<version> overrides go.mod",
    }

    def artifact_keys(self, versions: tuple[str, ...], source_key: str | None = None
                      ) -> list[str]:
        base, *others = versions
        keys = [go_key(base)]
        for version in others:
            keys += module_keys(version)
        return keys

    def _select(self, version: str, scope: str, platform: Platform) -> str:
        toolchain = q(f"go{version}")
        if scope == "global":
            return f"go env -w GOTOOLCHAIN={q(f'go{version}+auto')}"
        if scope == "session":
            return f"export GOTOOLCHAIN={toolchain}"
        return f"go mod edit -toolchain={toolchain}"

    def managed_dirs(self, platform: Platform) -> list[str]:
        return ["/usr/local/go", f"{platform.home}/go/pkg/mod/{TOOLCHAIN_MODULE}@"]
