"""The artifact cache: pinned release files with sha256 and provenance, and where they came from.

Layout under the cache root (``GOVM_MATRIX_CACHE``, default ``~/.cache/govm-matrix``):
``mirror/`` holds what the loopback mirror serves (each file with a ``.sha256`` beside it holding
the bare digest, as the official download site does), ``index.json`` the provenance of each file.
A file already in the cache is never fetched again.

Every file enters the mirror under a temporary name in its final folder, is checked, and is
renamed into place: a download cut short or a full disk leaves no artifact behind, and the next
run fetches it again. How each kind of artifact is fetched is a recipe (``recipes.py``); the
cache is given the table of them.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from .download import sha256_file
from .upstream import drift_stands

if TYPE_CHECKING:
    from filelock import FileLock

    from .recipes import Recipe, RecipeBook

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
    # the releases that ran instead of their pins (upstream.Drift records), none when every
    # pin held; entries recorded before the field existed load as none
    drift: list[dict] | None = None


class MissingArtifact(MatrixError):
    """An artifact that cannot be had here: offline, only its upstream has it."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason, EXIT_ENVIRONMENT)
        self.key = key


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


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class ArtifactCache:
    """The cache at ``root``; ``recipes`` says how each kind of artifact is fetched (without
    it the cache only serves what is already there). ``strict_pins`` (--strict-pins) refuses
    a release other than the pinned one where an upstream has moved past its pin
    (``upstream.follow``)."""

    def __init__(self, root: Path | None = None, network: str = "auto",
                 recipes: RecipeBook | None = None, strict_pins: bool = False) -> None:
        self.root = Path(root or default_cache_root())
        self.mirror_dir = self.root / "mirror"
        self.network = network
        self.recipes = recipes
        self.strict_pins = strict_pins
        self._online: bool | None = None
        self._lock: FileLock | None = None

    @property
    def is_online(self) -> bool:
        if self._online is None:
            self._online = online(self.network)
        return self._online

    @property
    def lock(self) -> FileLock:
        """The cache's lock, held while anything is written; re-entrant within this object
        (a recipe holding it may ensure the artifacts it is made from)."""
        if self._lock is None:
            from filelock import FileLock  # here: the cache's readers run without it (doctor)

            self.root.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.root / ".lock"))
        return self._lock

    def path(self, key: str) -> Path:
        return self.mirror_dir / key

    # -- the index -----------------------------------------------------------------------
    def index(self) -> dict[str, Artifact]:
        try:
            data = json.loads((self.root / "index.json").read_text())
        except (OSError, ValueError):
            return {}
        return {k: Artifact(**v) for k, v in data.items()}

    def record(self, artifact: Artifact) -> None:
        entries = {k: asdict(v) for k, v in self.index().items()}
        entries[artifact.key] = asdict(artifact)
        write_atomically(self.root / "index.json",
                         json.dumps(entries, indent=2, sort_keys=True).encode())

    def cached(self, key: str) -> Artifact | None:
        """The artifact if its file is in the mirror whole (the size the index recorded)."""
        artifact = self.index().get(key)
        path = self.path(key)
        if artifact and path.is_file() and path.stat().st_size == artifact.size:
            return artifact
        return None

    def usable(self, key: str, recipe: Recipe | None) -> Artifact | None:
        """The cached artifact, unless it is a release that ran past its pin and the pin has
        moved since, or strict pins are asked for: then it is fetched again."""
        found = self.cached(key)
        if found and not drift_stands(found.drift, recipe.pins_now() if recipe else {},
                                      self.strict_pins):
            return None
        return found

    # -- getting artifacts ---------------------------------------------------------------
    def ensure(self, key: str) -> Artifact:
        """The artifact for a mirror key, fetched once by its recipe if needed."""
        with self.lock:
            recipe = self.recipes.for_key(key) if self.recipes else None
            found = self.usable(key, recipe)
            if found:
                return found
            if recipe is None:
                if key.startswith("local/"):
                    raise MatrixError(f"local artifact {key} is gone from the cache; give "
                                      "--manager-source again", EXIT_ENVIRONMENT)
                raise MatrixError(f"no recipe for artifact {key!r}")
            if not recipe.fetches_offline and not self.is_online:
                raise MissingArtifact(key, recipe.missing(key))
            try:
                recipe.fetch(self, key)
            except OSError as exc:  # a full disk, a broken download: nothing half-kept
                raise MatrixError(f"fetching {key} into the cache at {self.root} failed: "
                                  f"{exc.strerror or exc}; nothing of it was kept, the next "
                                  "run fetches it again", EXIT_ENVIRONMENT) from None
            found = self.usable(key, recipe)
            if found is None:
                raise MatrixError(f"fetching {key} did not give it", EXIT_ENVIRONMENT)
            return found

    def missing(self, key: str, description: str = "") -> str | None:
        """Why ``key`` cannot be had here (offline, not in the mirror, only its upstream has
        it), naming it and the command that adds it; None when it is there or can be
        fetched."""
        recipe = self.recipes.for_key(key) if self.recipes else None
        if self.usable(key, recipe):
            return None
        if recipe is None or recipe.fetches_offline or self.is_online:
            return None
        return recipe.missing(key, description)

    # -- putting artifacts in --------------------------------------------------------------
    @contextmanager
    def workdir(self):
        """A scratch folder inside the cache (same file system: files move in by rename)."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".work-", dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def store(self, key: str, data_path: Path, source: str, origin: str,
              offline: bool, move: bool = True, drift: list[dict] | None = None) -> Artifact:
        """Put a finished file into the mirror as ``key``: moved (or copied) to a temporary
        name beside its final one, its size checked, then renamed into place."""
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        size = Path(data_path).stat().st_size
        fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        os.close(fd)
        try:
            try:
                if not move:
                    raise OSError(errno.EXDEV, "copy asked for")
                os.replace(data_path, tmp)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                shutil.copyfile(data_path, tmp)
            if Path(tmp).stat().st_size != size:
                raise MatrixError(f"copying {key} into the cache left {Path(tmp).stat().st_size}"
                                  f" of {size} bytes", EXIT_ENVIRONMENT)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        except OSError as exc:
            raise MatrixError(f"cannot write {key} into the cache at {self.root}: "
                              f"{exc.strerror or exc}", EXIT_ENVIRONMENT) from None
        finally:
            Path(tmp).unlink(missing_ok=True)
        return self.register(key, source, origin, offline, drift)

    def put(self, key: str, data: bytes, source: str, offline: bool = True,
            drift: list[dict] | None = None) -> Artifact:
        """Write ``data`` as artifact ``key`` (atomically)."""
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomically(dest, data)
        except OSError as exc:
            raise MatrixError(f"cannot write {key} into the cache at {self.root}: "
                              f"{exc.strerror or exc}", EXIT_ENVIRONMENT) from None
        return self.register(key, source, offline=offline, drift=drift)

    def register(self, key: str, source: str, origin: str = "",
                 offline: bool = True, drift: list[dict] | None = None) -> Artifact:
        """Record a file already in place under mirror/ as an artifact: its sha256 beside it
        (bare digest, no newline: the official .sha256 files look like this and mise rejects
        a trailing newline) and its provenance in index.json, with ``drift``, the releases
        that ran instead of their pins."""
        dest = self.path(key)
        digest = sha256_file(dest)
        artifact = Artifact(key=key, sha256=digest, size=dest.stat().st_size, source=source,
                            origin_digest=origin or f"sha256:{digest}", offline=offline,
                            fetched_at=now(), drift=drift or None)
        try:
            write_atomically(Path(f"{dest}.sha256"), digest.encode())
            self.record(artifact)
        except OSError as exc:
            # The index is the artifact's existence: without its entry the file is not one,
            # and the next run fetches it again. Take the file out too, to free the space.
            dest.unlink(missing_ok=True)
            raise MatrixError(f"cannot record {key} in the cache at {self.root}: "
                              f"{exc.strerror or exc}", EXIT_ENVIRONMENT) from None
        return artifact

    def add_local(self, path: str | Path) -> Artifact:
        """Put a local file (a manager built from source) into the mirror; its key is
        content-addressed so a new build means a new image layer."""
        source = Path(path)
        digest = sha256_file(source)
        key = f"local/{digest[:16]}/{source.name}"
        with self.lock:
            found = self.cached(key)
            if found:  # same build given again, perhaps from elsewhere: say where from now
                found.source = f"local build {source.resolve()}"
                self.record(found)
                return found
            return self.store(key, source, f"local build {source.resolve()}",
                              f"sha256:{digest}", offline=True, move=False)


def write_atomically(dest: Path, data: bytes) -> None:
    """``dest`` holds ``data`` whole or not at all; writers at once (processes or threads)
    each write their own temporary file, and the last rename wins."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        Path(tmp).unlink(missing_ok=True)
