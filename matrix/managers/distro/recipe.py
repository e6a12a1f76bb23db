"""Debian's versioned Go packages (``golang-1.2x-go``), as a local apt repository.

Fetched on the host from the Debian archive this machine's apt sources name (the same one the
offline base rootfs comes from), suite ``bookworm-backports``: its ``InRelease`` is checked with
``gpgv`` against Debian's archive keyring, ``Packages.xz`` against the SHA256 the signed text
lists, and every ``.deb`` against the SHA256 ``Packages`` lists. They are kept byte for byte
under ``mirror/debian/`` in the archive's own layout, so that apt in the image, pointed at the
loopback mirror, checks the same signature with its own keyring and installs them as from
the archive. ``mirror/debian/golang-<series>[+<series>…].json`` lists what one image needs;
it is the mirror key that stands for the lot.
"""

from __future__ import annotations

import json
import lzma
import re
import subprocess
import tempfile
from pathlib import Path

from ...core.errors import EXIT_ENVIRONMENT, MatrixError
from ...supply.apt import apt_sources
from ...supply.download import download, sha256_file
from ...supply.recipes import Recipe

SUITE = "bookworm-backports"
COMPONENT = "main"
ARCH = "amd64"
KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
# The Go series bookworm-backports carries (golang-<series>-go), as its index listed them on
# 2026-11-28: 1.21 (1.21.13-1~bpo12+1), 1.22 (1.22.12-3~bpo12+1), 1.23 (1.23.5-1~bpo12+1).
SERIES = ("1.21", "1.22", "1.23")
_MANIFEST = re.compile(r"^debian/golang-([0-9.+]+)\.json$")


def series_of(version: str) -> str:
    return ".".join(version.split(".")[:2])


def manifest_key(versions) -> str:
    series = sorted({series_of(v) for v in versions}, key=lambda s: tuple(map(int, s.split("."))))
    return f"debian/golang-{'+'.join(series)}.json"


class DebianGo(Recipe):
    """Debian's Go packages. No pin of theirs can go stale online: package versions are not
    pinned but read from the suite's signed index each time, so a newer upload is what runs
    (the manifest names its version), and a Go series the suite stops carrying is refused,
    since no other series can stand in for the Go version a run asks for."""

    prefixes = ("debian/",)
    fetches_offline = True  # the Debian archive is one of the registries reachable here

    def fetch(self, cache, key: str) -> None:
        match = _MANIFEST.match(key)
        if not match:
            raise MatrixError(f"no recipe for artifact {key!r}")
        series = match.group(1).split("+")
        unknown = [s for s in series if s not in SERIES]
        if unknown:
            raise MatrixError(f"Debian {SUITE} carries no Go {unknown[0]}; it carries "
                              f"{', '.join(SERIES)}")
        archive = debian_archive()
        base = f"{archive}/dists/{SUITE}"
        with cache.workdir() as tmp:
            inrelease = tmp / "InRelease"
            download(f"{base}/InRelease", inrelease)
            release = parse_stanzas(verified_text(inrelease))[0]
            index_name = f"{COMPONENT}/binary-{ARCH}/Packages.xz"
            wanted = release_hashes(release).get(index_name)
            if wanted is None:
                raise MatrixError(f"{SUITE}'s InRelease lists no {index_name}", EXIT_ENVIRONMENT)
            index = tmp / "Packages.xz"
            download(f"{base}/{index_name}", index)
            _check(index, *wanted, f"{SUITE} {index_name}")
            packages = {st["Package"]: st for st in parse_stanzas(
                lzma.decompress(index.read_bytes()).decode("utf-8", "replace"))
                if st.get("Architecture") in (ARCH, "all")}
            chosen = closure([f"golang-{s}-go" for s in series], packages)
            files = {f"debian/dists/{SUITE}/InRelease": inrelease,
                     f"debian/dists/{SUITE}/{index_name}": index}
            for name in chosen:
                stanza = packages[name]
                deb = tmp / Path(stanza["Filename"]).name
                download(f"{archive}/{stanza['Filename']}", deb)
                _check(deb, stanza["SHA256"], int(stanza["Size"]), stanza["Filename"])
                files[f"debian/{stanza['Filename']}"] = deb
            manifest = {"suite": SUITE, "archive": archive,
                        "packages": {name: packages[name]["Version"] for name in chosen},
                        "files": {}}
            for file_key, path in files.items():
                artifact = cache.store(file_key, path, f"Debian {SUITE} {Path(file_key).name}, "
                                       "checked against the archive's signed index",
                                       f"sha256:{sha256_file(path)}", offline=True)
                manifest["files"][file_key] = artifact.sha256
            versions = ", ".join(f"{n} {v}" for n, v in manifest["packages"].items())
            cache.put(key, json.dumps(manifest, indent=1, sort_keys=True).encode(),
                      f"Debian {SUITE}: {versions}; InRelease checked with gpgv against "
                      f"{KEYRING}", offline=True)


def debian_archive() -> str:
    """The Debian archive this machine's apt sources name (its first URI for Debian's own
    suites; security updates are elsewhere)."""
    sources = apt_sources()
    text = sources.read_text()
    uris = re.findall(r"^URIs:\s*(\S+)", text, re.M)
    uris += re.findall(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+", text, re.M)
    for uri in uris:
        if "security" not in uri:
            return uri.rstrip("/")
    raise MatrixError(f"{sources} names no Debian archive to fetch Go packages from",
                      EXIT_ENVIRONMENT)


def verified_text(inrelease: Path) -> str:
    """The signed text of an InRelease file whose signature gpgv accepts with Debian's
    archive keyring (one valid signature, none bad, as apt does)."""
    if not KEYRING.is_file():
        raise MatrixError(f"{KEYRING} is missing; install Debian's debian-archive-keyring",
                          EXIT_ENVIRONMENT)
    with tempfile.TemporaryDirectory() as tmp:
        signed = Path(tmp) / "signed"
        try:
            proc = subprocess.run(["gpgv", "--keyring", str(KEYRING), "--status-fd", "1",
                                   "--output", str(signed), str(inrelease)],
                                  capture_output=True, text=True, timeout=60)
        except FileNotFoundError:
            raise MatrixError("gpgv is needed to check Debian's signed index; install "
                              "Debian's gpgv", EXIT_ENVIRONMENT) from None
        status = proc.stdout.splitlines()
        bad = [line for line in status if line.split()[1:2] in
               (["BADSIG"], ["EXPKEYSIG"], ["REVKEYSIG"])]
        if bad or not any(line.startswith("[GNUPG:] VALIDSIG ") for line in status) \
                or not signed.exists():
            raise MatrixError(f"{SUITE}'s InRelease failed its signature check "
                              f"({(bad or status or ['no status'])[0]})", EXIT_ENVIRONMENT)
        return signed.read_text()


def _check(path: Path, sha256: str, size: int, what: str) -> None:
    got = path.stat().st_size, sha256_file(path)
    if got != (size, sha256):
        raise MatrixError(f"{what} is not what the signed index lists (size {got[0]}, sha256 "
                          f"{got[1]}; expected {size}, {sha256})", EXIT_ENVIRONMENT)


def parse_stanzas(text: str) -> list[dict[str, str]]:
    out, current, key = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if current:
                out.append(current)
            current, key = {}, None
        elif line[0] in " \t":
            if key:
                current[key] += "\n" + line
        else:
            key, _, value = line.partition(":")
            current[key] = value.strip()
    if current:
        out.append(current)
    return out


def release_hashes(release: dict[str, str]) -> dict[str, tuple[str, int]]:
    files = {}
    for line in release.get("SHA256", "").splitlines():
        parts = line.split()
        if len(parts) == 3:
            files[parts[2]] = (parts[0], int(parts[1]))
    return files


def closure(names: list[str], packages: dict[str, dict]) -> list[str]:
    """The packages to fetch: ``names`` and whatever they depend on that this suite carries
    (the rest comes from the base image); recommendations are not installed."""
    chosen: list[str] = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in chosen:
            continue
        if name not in packages:
            raise MatrixError(f"Debian {SUITE} has no package {name}", EXIT_ENVIRONMENT)
        chosen.append(name)
        for relation in re.split(r",\s*", packages[name].get("Depends", "")):
            first = relation.split("|")[0].strip().split(" ")[0].split(":")[0]
            if first and first in packages:
                todo.append(first)
    return chosen
