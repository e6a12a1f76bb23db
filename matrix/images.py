"""Content-addressed image layers: base ► platform ► manager.

Each layer's tag is a digest of everything that goes into it (the files of its folder under
images/, its build arguments, its parent image and the artifacts it downloads), so an image is
built only when an input changed. Builds run with the host network so that RUN steps reach the
loopback mirror, and take release files from nowhere else.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import docker
import docker.errors
from filelock import FileLock

from . import LABEL
from .artifacts import ArtifactCache
from .docker_env import labels
from .errors import EXIT_ENVIRONMENT, MatrixError
from .platforms import Platform, images_root

ONLINE_BASE = "ubuntu:24.04"
ROOTFS_SUITE = "bookworm"
ROOTFS_PACKAGES = (
    "bash", "zsh", "ca-certificates", "curl", "git", "sudo", "procps", "python3",
    "passwd", "util-linux", "xz-utils", "less", "zip", "unzip",
)
BASE_LABEL = f"{LABEL}.base"
_STEP_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12})$")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


class BuildFailed(MatrixError):
    """An image build that failed; carries the tail of its log for the report."""

    def __init__(self, message: str, log_tail: list[str]) -> None:
        super().__init__(message, EXIT_ENVIRONMENT)
        self.log_tail = log_tail


@dataclass
class ImageRef:
    tag: str
    id: str
    layer: str
    built: bool  # built during this call (False: reused from the cache)
    seconds: float
    base: dict = field(default_factory=dict)  # provenance of the bottom layer
    artifacts: dict = field(default_factory=dict)  # mirror key -> sha256, this layer and below

    def to_dict(self) -> dict:
        return asdict(self)


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _folder_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and p.name != "README.md"
    }


def _context_tar(folder: Path) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                tar.add(path, arcname=str(path.relative_to(folder)))
    buf.seek(0)
    return buf


class ImageBuilder:
    """Builds (or finds) the image of each layer; safe to use from several processes."""

    def __init__(self, cli: docker.DockerClient, cache: ArtifactCache, mirror_url) -> None:
        self.cli = cli
        self.cache = cache
        self._mirror_url = mirror_url  # callable: the mirror starts only if a build needs it
        self.locks = cache.root / "locks"

    # -- layers --------------------------------------------------------------------------
    def base(self) -> ImageRef:
        bottom = self._bottom()
        return self._build(
            "base", images_root() / "base", {"BASE_IMAGE": bottom["image"]}, bottom["id"],
            [], base=bottom, inherited={},
        )

    def platform(self, platform: Platform, runner_go: tuple[str, ...] = ()) -> ImageRef:
        parent = self.base()
        args = {"BASE_IMAGE": parent.tag}
        keys = []
        if platform.name == "macos-runner":
            args["RUNNER_GO_VERSIONS"] = " ".join(runner_go)
            keys = [f"go/go{v}.linux-amd64.tar.gz" for v in runner_go]
        return self._build(platform.name, platform.image_dir, args, parent.id, keys,
                           base=parent.base, inherited=parent.artifacts)

    def manager(self, platform: Platform, manager, versions: tuple[str, ...],
                runner_go: tuple[str, ...] = (), source: str | None = None) -> ImageRef:
        """The manager layer; ``source`` is a local build of the manager's own program."""
        parent = self.platform(platform, runner_go)
        source_key = self.cache.add_local(source).key if source else None
        args = {"PLATFORM_IMAGE": parent.tag, "GO_VERSIONS": " ".join(versions)}
        args.update(manager.build_args(source_key))
        return self._build(
            f"{platform.name}-{manager.name}", manager.image_dir, args, parent.id,
            manager.artifact_keys(versions, source_key), base=parent.base,
            inherited=parent.artifacts, https_hosts=manager.HTTPS_HOSTS,
        )

    # -- machinery -----------------------------------------------------------------------
    def _build(self, layer: str, folder: Path, args: dict[str, str], parent_id: str,
               artifact_keys: list[str], base: dict, inherited: dict,
               https_hosts: tuple[str, ...] = ()) -> ImageRef:
        artifacts = {k: self.cache.ensure(k).sha256 for k in artifact_keys}
        below = {**inherited, **artifacts}
        key = _digest({"layer": layer, "files": _folder_digest(folder), "args": args,
                       "parent": parent_id, "artifacts": artifacts})
        tag = f"govm-matrix/{layer}:{key[:16]}"
        self.locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.locks / f"{layer}.lock")):
            try:
                image = self.cli.images.get(tag)
                return ImageRef(tag, image.id, layer, False, 0.0, base, below)
            except docker.errors.ImageNotFound:
                pass
            started = time.monotonic()
            buildargs = dict(args)  # transport details below stay out of the image's key
            if artifact_keys:
                buildargs["MIRROR"] = self._mirror_url()
            log: list[str] = []
            with ExitStack() as stack:
                extra_hosts = None
                if https_hosts:
                    https = stack.enter_context(self._https_mirror(https_hosts))
                    buildargs["MIRROR_CA"] = https.ca_pem
                    extra_hosts = https.extra_hosts()
                self._stream_build(layer, folder, tag, key, buildargs, extra_hosts, log)
            image = self.cli.images.get(tag)
            return ImageRef(tag, image.id, layer, True, round(time.monotonic() - started, 1),
                            base, below)

    @contextmanager
    def _https_mirror(self, hosts: tuple[str, ...]):
        """The HTTPS mirror for hard-coded download hosts, one per machine at a time (it
        needs port 443)."""
        from .https_mirror import HttpsMirror

        with FileLock(str(self.locks / "https-mirror.lock")):
            with HttpsMirror(self.cache.mirror_dir, hosts) as https:
                yield https

    def _stream_build(self, layer: str, folder: Path, tag: str, key: str, buildargs: dict,
                      extra_hosts: dict | None, log: list[str]) -> None:
        try:
            for chunk in self.cli.api.build(
                fileobj=_context_tar(folder), custom_context=True, tag=tag,
                buildargs=buildargs, labels=labels(layer=layer, key=key),
                network_mode="host", rm=True, forcerm=True, decode=True, pull=False,
                extra_hosts=extra_hosts,
            ):
                if "stream" in chunk:
                    log.extend(_ANSI.sub("", chunk["stream"]).rstrip("\n").splitlines())
                if "error" in chunk:
                    log.extend(chunk["error"].splitlines())
                    self._remove_leftovers(log)
                    raise BuildFailed(
                        f"image {layer} failed to build: {chunk['error'].strip()[:300]}",
                        log[-40:],
                    )
        except docker.errors.APIError as exc:
            self._remove_leftovers(log)
            raise BuildFailed(f"image {layer} failed to build: {exc}", log[-40:]) from None

    def _remove_leftovers(self, log: list[str]) -> None:
        """Remove the untagged step images a failed build left (newest first); a build
        that failed leaves nothing behind."""
        ids = [m.group(1) for m in map(_STEP_IMAGE.match, log) if m]
        for image_id in reversed(ids):
            try:
                image = self.cli.images.get(image_id)
                if not image.tags:
                    self.cli.images.remove(image.id, noprune=True)
            except docker.errors.APIError:
                pass  # still a parent of something, or already gone

    def _bottom(self) -> dict:
        """The distribution image every layer starts from, with its provenance."""
        if self.cache.is_online:
            try:
                image = self.cli.images.pull(ONLINE_BASE)
                return {"image": ONLINE_BASE, "id": image.id,
                        "provenance": f"official image {ONLINE_BASE} from its registry"}
            except docker.errors.APIError:
                pass  # no registry after all: build the rootfs instead
        return self._rootfs()

    def _rootfs(self) -> dict:
        sources = next((p for p in APT_SOURCES if p.is_file() and p.stat().st_size), None)
        if sources is None:
            raise MatrixError("no Debian apt sources on this machine for mmdebstrap; "
                              "configure apt, or run where a registry is reachable",
                              EXIT_ENVIRONMENT)
        recipe = {"suite": ROOTFS_SUITE, "variant": "minbase", "packages": ROOTFS_PACKAGES,
                  "sources": sources.read_text()}
        key = _digest(recipe)
        tag = f"govm-matrix/rootfs:{key[:16]}"
        provenance = (f"Debian {ROOTFS_SUITE} rootfs built with mmdebstrap --variant=minbase "
                      f"from this machine's apt sources ({sources}), imported")
        self.locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.locks / "rootfs.lock")):
            try:
                image = self.cli.images.get(tag)
                return {"image": tag, "id": image.id, "provenance": provenance}
            except docker.errors.ImageNotFound:
                pass
            if shutil.which("mmdebstrap") is None:
                raise MatrixError("no registry is reachable and mmdebstrap is not installed; "
                                  "install Debian's mmdebstrap", EXIT_ENVIRONMENT)
            with tempfile.TemporaryDirectory(prefix="govm-rootfs-") as tmp:
                tarball = Path(tmp) / "rootfs.tar"
                proc = subprocess.run(
                    ["mmdebstrap", "--variant=minbase", "--include=" + ",".join(ROOTFS_PACKAGES),
                     ROOTFS_SUITE, str(tarball), str(sources)],
                    capture_output=True, text=True, timeout=1800,
                )
                if proc.returncode != 0:
                    tail = (proc.stderr or proc.stdout).splitlines()[-40:]
                    raise BuildFailed("mmdebstrap failed to build the base rootfs", tail)
                repo, _, version = tag.partition(":")
                change = [f"LABEL {LABEL}=1", f'LABEL {BASE_LABEL}="{ROOTFS_SUITE}"',
                          'CMD ["/bin/bash"]']
                self.cli.api.import_image(src=str(tarball), repository=repo, tag=version,
                                          changes=change)
            image = self.cli.images.get(tag)
            return {"image": tag, "id": image.id, "provenance": provenance}
