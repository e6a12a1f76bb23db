"""``govm-matrix mirror add <kind> <path>``: artifacts a user has from elsewhere, into the mirror.

Some managers' release files cannot be fetched offline (asdf's repositories, a prebuilt asdf
binary, SDKMAN's installer and archives). A user who has them imports them here; each lands
under the cache's ``mirror/`` folder with a ``.sha256`` beside it and its provenance in
``index.json``, as fetched artifacts do. The kinds:

``asdf``, ``asdf-golang``
    A full git clone of the repository (asdf: with the pinned tag). It becomes a bare repository
    at ``mirror/git/<name>.git``, prepared for git's dumb HTTP protocol (``git
    update-server-info``) so that an image build clones it from the loopback mirror exactly as
    the documentation's ``git clone`` does. Its ``info/refs`` (every ref with its commit) is
    the mirror key that stands for the repository. Shallow clones are refused: the dumb
    protocol walks the whole history.
``asdf-binary``
    asdf's release archive ``asdf-v<version>-linux-amd64.tar.gz`` or the linux/amd64 binary in
    it, stored as ``mirror/asdf/asdf-v<version>-linux-amd64``.
``sdkman``
    A folder holding SDKMAN's installer as https://get.sdkman.io serves it, saved as
    ``install.sh``; the script CLI archive it downloads, ``sdkman-cli-<version>.zip`` (the
    GitHub release asset); the native CLI archive ``sdkman-cli-native-<version>-*.zip`` when the
    installer installs one; and optionally ``candidates-all.txt``, a saved answer of the
    candidates API's ``/candidates/all``. They are laid out under ``mirror/hosts/<host>/`` as the
    HTTPS mirror serves them. Besides them, only the API answers SDKMAN's own code asks for
    during the install and a local ``sdk install``, written as static files:

    * ``/candidates/all`` (the installer writes it to ``var/candidates``): the saved answer if
      given, else the stand-in ``java``, SDKMAN's first candidate; the real list is not known
      offline.
    * ``/healthcheck`` (asked by every ``sdk`` command): SDKMAN only checks that the answer is
      neither empty nor HTML; the stand-in is ``OK``.
    * ``/candidates/validate/go/<version>/<platform>`` for each pinned Go version: ``invalid``,
      the API's answer for a version it does not distribute, which is what lets ``sdk install
      go <version> <dir>`` link a local directory.

    ``mirror/sdkman/release.json`` lists the release's versions, platform and every file
    written with its sha256; it is the mirror key that stands for the lot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import urllib.parse
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock

from . import pins
from .artifacts import Artifact, ArtifactCache, sha256_file
from .errors import EXIT_ENVIRONMENT, MatrixError
from .managers.asdf import asdf_binary_key
from .managers.asdf015 import (
    ASDF_015_VERSION,
    ASDF_GIT,
    ASDF_GOLANG_GIT,
    ASDF_GOLANG_REFS_KEY,
    ASDF_REFS_KEY,
    GO_DOWNLOAD_HOST,
)
from .managers.sdkman import SDKMAN_API_HOST, SDKMAN_INSTALLER_HOST, SDKMAN_RELEASE_KEY


@dataclass(frozen=True)
class Origin:
    """How an artifact came in, as its provenance says it; ``urls`` names where each file of
    a folder was downloaded from, when it was."""
    how: str
    offline: bool
    urls: dict[str, str] = field(default_factory=dict)

    def where(self, path: Path) -> str:
        return self.urls.get(path.name, str(path))


ADDED = Origin("added with `govm-matrix mirror add`", offline=True)


@dataclass(frozen=True)
class Kind:
    name: str
    path: str  # what <path> must be, as the help and error messages say it


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("asdf", f"a full git clone of asdf with tag v{ASDF_015_VERSION}"),
    Kind("asdf-golang", "a full git clone of the asdf-golang plugin"),
    Kind("asdf-binary", "asdf's release archive asdf-v<version>-linux-amd64.tar.gz, or the "
                        "binary in it"),
    Kind("sdkman", "a folder with SDKMAN's installer (install.sh) and the archives it "
                   "downloads"),
)}

_KEY_KINDS: tuple[tuple[str, str], ...] = (
    (ASDF_GIT + "/", "asdf"),
    (ASDF_GOLANG_GIT + "/", "asdf-golang"),
    ("asdf/", "asdf-binary"),
    ("sdkman/", "sdkman"),
    (f"hosts/{SDKMAN_INSTALLER_HOST}/", "sdkman"),
    (f"hosts/{SDKMAN_API_HOST}/", "sdkman"),
)

CANDIDATES_STAND_IN = "java"
HEALTHCHECK_STAND_IN = "OK"
_ELF_X86_64 = 0x3E


def kind_for(key: str) -> str | None:
    """The ``mirror add`` kind that writes mirror key ``key`` (None: not one of these)."""
    return next((kind for prefix, kind in _KEY_KINDS if key.startswith(prefix)), None)


def add(cache_root: Path, kind: str, path: Path) -> list[str]:
    """Import ``path`` as an artifact of ``kind`` into the mirror of the cache at
    ``cache_root``; returns the mirror keys written. Bad input raises MatrixError."""
    if kind not in KINDS:
        raise MatrixError(f"unknown artifact kind {kind!r}; valid kinds: {', '.join(KINDS)}")
    path = Path(path).expanduser()
    if not path.exists():
        raise MatrixError(f"{path} does not exist; expected {KINDS[kind].path}")
    cache = ArtifactCache(Path(cache_root))
    cache.root.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache.root / ".lock")):
        return _ADDERS[kind](cache, path.resolve(), ADDED)


# -- recording -------------------------------------------------------------------------------
def _register(cache: ArtifactCache, key: str, source: str, origin: str = "",
              offline: bool = True) -> Artifact:
    """Record a file already in place under mirror/ as an artifact (sha256 beside it, as the
    official download site does, and its provenance in index.json)."""
    dest = cache.mirror_dir / key
    digest = sha256_file(dest)
    Path(f"{dest}.sha256").write_text(digest)
    artifact = Artifact(key=key, sha256=digest, size=dest.stat().st_size, source=source,
                        origin_digest=origin or f"sha256:{digest}", offline=offline,
                        fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    cache._record(artifact)
    return artifact


def _put(cache: ArtifactCache, key: str, data: bytes, source: str,
         offline: bool = True) -> Artifact:
    dest = cache.mirror_dir / key
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(dest)
    return _register(cache, key, source, offline=offline)


# -- git repositories ------------------------------------------------------------------------
def _git(*args: str, cwd: Path | None = None) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              timeout=600)
    except FileNotFoundError:
        raise MatrixError("git is needed to add a repository to the mirror; install it",
                          EXIT_ENVIRONMENT) from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MatrixError(f"git {args[0]} failed: {tail[0]}", EXIT_ENVIRONMENT)
    return proc.stdout.strip()


def _git_ok(*args: str) -> bool:
    return subprocess.run(["git", *args], capture_output=True).returncode == 0


def _add_repository(cache: ArtifactCache, path: Path, bare_key: str, refs_key: str,
                    what: str, check: Callable[[str, Path], None], origin: Origin) -> list[str]:
    if not _git_ok("-C", str(path), "rev-parse", "--git-dir"):
        raise MatrixError(f"{path} is not a git repository; expected {what}")
    if _git("-C", str(path), "rev-parse", "--is-shallow-repository") == "true":
        raise MatrixError(f"{path} is a shallow clone; the mirror serves git's dumb HTTP "
                          "protocol, which needs the whole history: clone without --depth")
    dest = cache.mirror_dir / bare_key
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    tmp.chmod(0o755)
    try:
        _git("init", "-q", "--bare", str(tmp))
        head = _git("-C", str(path), "rev-parse", "HEAD^{commit}")
        _git("--git-dir", str(tmp), "fetch", "-q", "--no-tags", str(path),
             "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "HEAD")
        branch = subprocess.run(["git", "-C", str(path), "symbolic-ref", "-q", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        if branch.startswith("refs/heads/"):
            _git("--git-dir", str(tmp), "symbolic-ref", "HEAD", branch)
        else:  # a detached checkout (e.g. `git clone --branch <tag>`): serve that commit
            _git("--git-dir", str(tmp), "update-ref", "--no-deref", "HEAD", head)
        check(str(tmp), path)
        _git("--git-dir", str(tmp), "update-server-info")
        (tmp / "FETCH_HEAD").unlink(missing_ok=True)
        _replace_dir(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _register(cache, refs_key, f"git repository {path} (HEAD {head[:12]}), {origin.how}",
              f"git:{head}", offline=origin.offline)
    return [refs_key]


def _replace_dir(new: Path, dest: Path) -> None:
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def _check_asdf(git_dir: str, path: Path) -> None:
    tag = f"v{ASDF_015_VERSION}"
    if not _git_ok("--git-dir", git_dir, "rev-parse", "-q", "--verify", f"refs/tags/{tag}"):
        raise MatrixError(f"{path} has no tag {tag}; clone asdf with `git clone "
                          f"https://github.com/asdf-vm/asdf.git --branch {tag}`")
    if not _git_ok("--git-dir", git_dir, "cat-file", "-e", f"{tag}^{{commit}}:asdf.sh"):
        raise MatrixError(f"tag {tag} of {path} has no asdf.sh: is it asdf's repository?")


def _check_asdf_golang(git_dir: str, path: Path) -> None:
    for name in ("bin/download", "bin/install", "bin/exec-env"):
        if not _git_ok("--git-dir", git_dir, "cat-file", "-e", f"HEAD:{name}"):
            raise MatrixError(f"{path} has no {name} at HEAD: is it the asdf-golang plugin?")
    download = _git("--git-dir", git_dir, "show", "HEAD:bin/download")
    if f"https://{GO_DOWNLOAD_HOST}/go/" not in download:
        raise MatrixError(f"{path}'s bin/download does not download from "
                          f"https://{GO_DOWNLOAD_HOST}/go/, the host the HTTPS mirror answers for")


def _add_asdf(cache: ArtifactCache, path: Path, origin: Origin) -> list[str]:
    return _add_repository(cache, path, ASDF_GIT, ASDF_REFS_KEY, KINDS["asdf"].path,
                           _check_asdf, origin)


def _add_asdf_golang(cache: ArtifactCache, path: Path, origin: Origin) -> list[str]:
    return _add_repository(cache, path, ASDF_GOLANG_GIT, ASDF_GOLANG_REFS_KEY,
                           KINDS["asdf-golang"].path, _check_asdf_golang, origin)


# -- the asdf binary -------------------------------------------------------------------------
_ASDF_NAME = re.compile(r"asdf-v(\d+\.\d+\.\d+)-linux-amd64")


def _add_asdf_binary(cache: ArtifactCache, path: Path, origin: Origin) -> list[str]:
    if path.is_dir():
        raise MatrixError(f"{path} is a folder; expected {KINDS['asdf-binary'].path}")
    named = _ASDF_NAME.search(path.name)
    if tarfile.is_tarfile(path):
        data = _binary_from_archive(path)
    else:
        data = path.read_bytes()
    if data[:4] != b"\x7fELF" or len(data) < 20 or int.from_bytes(data[18:20], "little") \
            != _ELF_X86_64:
        raise MatrixError(f"{path} is not a linux/amd64 executable; expected "
                          f"{KINDS['asdf-binary'].path}")
    version = named.group(1) if named else _version_of(data, path)
    if pins.version_key(version) < (0, 16, 0):
        raise MatrixError(f"{path} is asdf {version}; the asdf binary exists from 0.16.0 on "
                          "(0.15 and older: add its git repository with kind asdf)")
    key = asdf_binary_key(version)
    _put(cache, key, data, f"asdf {version} binary from {path}, {origin.how}",
         offline=origin.offline)
    return [key]


def _binary_from_archive(path: Path) -> bytes:
    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).name == "asdf":
                fh = tar.extractfile(member)
                if fh is not None:
                    return fh.read()
    raise MatrixError(f"{path} holds no file named asdf; expected {KINDS['asdf-binary'].path}")


def _version_of(data: bytes, path: Path) -> str:
    """asdf's own answer to --version, for a binary whose name does not say it."""
    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / "asdf"
        exe.write_bytes(data)
        exe.chmod(0o755)
        try:
            out = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                                 timeout=30, env={"PATH": "/usr/bin:/bin", "HOME": tmp})
            text = out.stdout + out.stderr
        except (OSError, subprocess.TimeoutExpired) as exc:
            text = str(exc)
    found = re.search(r"\b(\d+\.\d+\.\d+)\b", text)
    if not found:
        raise MatrixError(f"cannot tell which asdf version {path} is; name it "
                          "asdf-v<version>-linux-amd64")
    return found.group(1)


# -- SDKMAN ----------------------------------------------------------------------------------
@dataclass
class _Installer:
    text: bytes
    service: str  # e.g. https://api.sdkman.io/2
    version: str
    native_version: str
    platform: str


def _installer(folder: Path) -> _Installer:
    path = folder / "install.sh"
    if not path.is_file():
        raise MatrixError(f"{folder} has no install.sh; save SDKMAN's installer there with "
                          "`curl -s https://get.sdkman.io -o install.sh`")
    data = path.read_bytes()
    text = data.decode(errors="replace")
    service = re.search(r'SDKMAN_SERVICE="(https://[^"$]+)"', text)
    version = re.search(r'SDKMAN_VERSION="([^"$]+)"', text)
    if not (service and version and "/broker/download/sdkman/install/" in text):
        raise MatrixError(f"{path} does not look like SDKMAN's installer (no SDKMAN_SERVICE, "
                          "SDKMAN_VERSION or archive download)")
    native = re.search(r'SDKMAN_NATIVE_VERSION="([^"$]*)"', text)
    if "infer_platform" in text:
        platform = "linuxx64"  # what its infer_platform answers on x86_64 Linux
    elif re.search(r"SDKMAN_PLATFORM=\$\(uname\)", text):
        platform = "Linux"
    else:
        raise MatrixError(f"{path}: cannot tell which platform name the installer sends")
    host = urllib.parse.urlsplit(service.group(1)).hostname
    if host != SDKMAN_API_HOST:
        raise MatrixError(f"{path} installs from {host}; the SDKMAN adapters answer for "
                          f"{SDKMAN_API_HOST} (the stable channel) only")
    return _Installer(data, service.group(1).rstrip("/"), version.group(1),
                      native.group(1) if native else "", platform)


def _zip_named(folder: Path, names: list[str], what: str) -> Path:
    for pattern in names:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    raise MatrixError(f"{folder} has no {what} ({' or '.join(names)})")


def _zip_member(archive: Path, suffix: str) -> bytes | None:
    """The content of the first member whose name ends with ``suffix`` inside a top folder
    named sdkman-* (the layout the installer copies from); raises for a corrupt zip."""
    try:
        with zipfile.ZipFile(archive) as zf:
            if zf.testzip() is not None:
                raise zipfile.BadZipFile("a member fails its CRC check")
            for name in zf.namelist():
                if name.startswith("sdkman-") and name.endswith(suffix):
                    return zf.read(name)
    except zipfile.BadZipFile as exc:
        raise MatrixError(f"{archive} is not a valid zip archive ({exc})") from None
    return None


def _candidates_api(cli_zip: Path) -> str:
    init = _zip_member(cli_zip, "/bin/sdkman-init.sh")
    if init is None:
        raise MatrixError(f"{cli_zip} has no sdkman-*/bin/sdkman-init.sh: is it SDKMAN's "
                          "CLI release archive?")
    api = re.search(r'SDKMAN_CANDIDATES_API="(https://[^"@]+)"', init.decode(errors="replace"))
    if not api:
        raise MatrixError(f"the sdkman-init.sh in {cli_zip} names no candidates API (a "
                          "development build? release archives are built with -Penv=stable)")
    if urllib.parse.urlsplit(api.group(1)).hostname != SDKMAN_API_HOST:
        raise MatrixError(f"the sdkman-init.sh in {cli_zip} asks {api.group(1)}; the SDKMAN "
                          f"adapters answer for {SDKMAN_API_HOST} only")
    return api.group(1).rstrip("/")


def _candidates_answer(folder: Path, origin: Origin) -> tuple[bytes, str]:
    saved = folder / "candidates-all.txt"
    if not saved.is_file():
        return (CANDIDATES_STAND_IN.encode(),
                f"stand-in answer (`{CANDIDATES_STAND_IN}`), not SDKMAN's list, which is not "
                "known offline")
    text = saved.read_text().strip()
    if not re.fullmatch(r"[a-z0-9_-]+(,[a-z0-9_-]+)*", text):
        raise MatrixError(f"{saved} is not a comma-separated candidate list like the API's "
                          "/candidates/all answer")
    return text.encode(), f"saved answer {origin.where(saved)}"


def _host_key(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"hosts/{parts.hostname}{parts.path}"


def _add_sdkman(cache: ArtifactCache, folder: Path, origin: Origin) -> list[str]:
    if not folder.is_dir():
        raise MatrixError(f"{folder} is not a folder; expected {KINDS['sdkman'].path}")
    inst = _installer(folder)
    cli_zip = _zip_named(folder, [f"sdkman-cli-{inst.version}.zip", f"sdkman-{inst.version}.zip"],
                         f"SDKMAN CLI {inst.version} release archive")
    api = _candidates_api(cli_zip)
    files: dict[str, tuple[bytes, str]] = {
        f"hosts/{SDKMAN_INSTALLER_HOST}/index.html":
            (inst.text, f"SDKMAN installer {origin.where(folder / 'install.sh')} (as "
                        f"served by https://{SDKMAN_INSTALLER_HOST})"),
        _host_key(f"{inst.service}/broker/download/sdkman/install/{inst.version}/"
                  f"{inst.platform}"):
            (cli_zip.read_bytes(), f"SDKMAN CLI release archive {origin.where(cli_zip)}"),
        _host_key(f"{inst.service}/candidates/all"): _candidates_answer(folder, origin),
        _host_key(f"{api}/healthcheck"):
            (HEALTHCHECK_STAND_IN.encode(), "stand-in answer: SDKMAN only checks that it is "
                                            "neither empty nor HTML"),
    }
    if inst.native_version:
        native = _zip_named(folder, [f"sdkman-cli-native-{inst.native_version}*.zip"],
                            f"SDKMAN native CLI {inst.native_version} archive, which the "
                            "installer also downloads")
        if _zip_member(native, "") is None:
            raise MatrixError(f"{native} has no top folder sdkman-*, which the installer "
                              "copies from")
        files[_host_key(f"{inst.service}/broker/download/native/install/"
                        f"{inst.native_version}/{inst.platform}")] = (
            native.read_bytes(), f"SDKMAN native CLI release archive {origin.where(native)}")
    for version in pins.GO:
        files[_host_key(f"{api}/candidates/validate/go/{version}/{inst.platform}")] = (
            b"invalid", "the candidates API's answer for a version it does not distribute")
    manifest = {"version": inst.version, "native_version": inst.native_version,
                "platform": inst.platform, "service": inst.service, "candidates_api": api,
                "files": {}}
    for key, (data, source) in files.items():
        artifact = _put(cache, key, data, f"{source}, {origin.how}", offline=origin.offline)
        manifest["files"][key] = {"sha256": artifact.sha256, "source": source}
    _put(cache, SDKMAN_RELEASE_KEY, json.dumps(manifest, indent=2, sort_keys=True).encode(),
         f"SDKMAN {inst.version} release files, {origin.how}", offline=origin.offline)
    return [*files, SDKMAN_RELEASE_KEY]


_ADDERS: dict[str, Callable[[ArtifactCache, Path, Origin], list[str]]] = {
    "asdf": _add_asdf,
    "asdf-golang": _add_asdf_golang,
    "asdf-binary": _add_asdf_binary,
    "sdkman": _add_sdkman,
}
