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
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import docker
import docker.errors
from filelock import FileLock

from .. import LABEL
from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from ..core.platforms import Platform
from ..supply.apt import apt_sources
from ..supply.cache import ArtifactCache, write_atomically
from ..supply.go import go_key
from .engine import labels

ONLINE_BASE = "ubuntu:24.04"
ROOTFS_SUITE = "bookworm"
ROOTFS_PACKAGES = (
    "bash", "zsh", "ca-certificates", "curl", "git", "sudo", "procps", "python3",
    "passwd", "util-linux", "xz-utils", "less", "zip", "unzip",
    "strace",  # traces one switch for the atomic check
)
# mmdebstrap's options. dpkg in the rootfs does not fsync each file it unpacks, as in Debian's
# official image (debuerreotype's docker-apt-speedup): the layers that install packages (the
# distro-go fixture, the distro managers) build faster, and what they install is the same.
ROOTFS_OPTIONS = ("--variant=minbase", "--dpkgopt=force-unsafe-io")
BASE_LABEL = f"{LABEL}.base"
_STEP_IMAGE = re.compile(r"^ ---> ([0-9a-f]{12})$")
_STEP = re.compile(r"^Step \d+/\d+ : (RUN|COPY) ")  # the steps that take time
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _short(line: str, limit: int = 100) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


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


def images_root() -> Path:
    """The build contexts of the base and platform layers (``base/``, ``<platform>/``) shipped
    with the package, or GOVM_MATRIX_IMAGES (a maintainer's modified copy, laid out the same,
    with ``managers/<name>/`` for the manager layers)."""
    override = os.environ.get("GOVM_MATRIX_IMAGES")
    return Path(override) if override else Path(__file__).resolve().parent / "images"


def folder_context(folder: Path) -> dict[str, Path]:
    """A layer's build context: every file of its folder but its README."""
    return {str(p.relative_to(folder)): p for p in sorted(folder.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts and p.name != "README.md"}


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()


def _context_digest(context: dict[str, Path]) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest()
            for name, path in sorted(context.items())}


def _context_tar(context: dict[str, Path]) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, path in sorted(context.items()):
            tar.add(path, arcname=name)
    buf.seek(0)
    return buf


def rootfs_tag(sources: Path | None = None) -> str:
    """The tag of the offline base rootfs: a digest of what goes into it."""
    sources = sources or apt_sources()
    recipe = {"suite": ROOTFS_SUITE, "options": ROOTFS_OPTIONS, "packages": ROOTFS_PACKAGES,
              "sources": sources.read_text()}
    return f"govm-matrix/rootfs:{_digest(recipe)[:16]}"


class ImageBuilder:
    """Builds (or finds) the image of each layer; safe to use from several processes.

    ``progress`` (optional) is called with one line per layer found or built, and with each
    step of a build as it starts, so that a first run on a new machine is not silent.
    """

    def __init__(self, cli: docker.DockerClient, cache: ArtifactCache, mirror_url,
                 progress: Callable[[str], None] | None = None) -> None:
        self.cli = cli
        self.cache = cache
        self._mirror_url = mirror_url  # callable: the mirror starts only if a build needs it
        self.locks = cache.root / "locks"
        self.progress = progress or (lambda line: None)
        self._seen: set[str] = set()

    # -- layers --------------------------------------------------------------------------
    def base(self, pinned_go: tuple[str, ...] = ()) -> ImageRef:
        """The common base; ``pinned_go``: the releases whose build cache each platform's
        user starts with (lib.sh, ``warm_pinned_cache``)."""
        bottom = self._bottom()
        return self._build(
            "base", folder_context(images_root() / "base"),
            {"BASE_IMAGE": bottom["image"], "PINNED_GO_VERSIONS": " ".join(pinned_go)},
            bottom["id"], [go_key(v) for v in pinned_go], base=bottom, inherited={},
        )

    def platform(self, platform: Platform, runner_go: tuple[str, ...] = ()) -> ImageRef:
        parent = self.base(runner_go)
        args = {"BASE_IMAGE": parent.tag}
        keys = []
        if platform.name == "macos-runner":
            args["RUNNER_GO_VERSIONS"] = " ".join(runner_go)
            keys = [go_key(v) for v in runner_go]
        return self._build(platform.name, folder_context(images_root() / platform.name), args,
                           parent.id, keys, base=parent.base, inherited=parent.artifacts)

    def manager(self, platform: Platform, manager, versions: tuple[str, ...],
                runner_go: tuple[str, ...] = (), source: str | None = None) -> ImageRef:
        """The manager layer (``manager`` is an adapter: its context, build arguments and
        artifacts), on the layer the adapters of its folder share when it has one
        (``SHARED_LAYER``, which then takes the artifacts); ``source`` is a local build of the
        manager's own program."""
        parent = self.platform(platform, runner_go)
        source_key = self.cache.add_local(source).key if source else None
        keys = manager.artifact_keys(versions, source_key)
        shared = manager.shared_layer()
        if shared is not None:  # the layer the adapters of the folder share, then its own
            name, context = shared
            args = {"PLATFORM_IMAGE": parent.tag, "GO_VERSIONS": " ".join(versions),
                    **manager.shared_build_args()}
            parent = self._build(f"{platform.name}-{name}", context, args, parent.id, keys,
                                 base=parent.base, inherited=parent.artifacts,
                                 https_hosts=manager.HTTPS_HOSTS)
            keys = []
        args = {"PLATFORM_IMAGE": parent.tag, "GO_VERSIONS": " ".join(versions)}
        args.update(manager.build_args(source_key))
        return self._build(
            f"{platform.name}-{manager.name}", manager.context(), args, parent.id, keys,
            base=parent.base, inherited=parent.artifacts,
            https_hosts=() if shared else manager.HTTPS_HOSTS,
        )

    def fixture_layer(self, parent: ImageRef, fixtures) -> ImageRef:
        """``parent`` with ``fixtures`` applied as root (each has ``image_commands``): one
        content-addressed layer, built once, so that a fixture such as installing Debian's Go
        is not repeated in every container run that needs it."""
        names = "-".join(f.name for f in fixtures)
        lines = ["ARG PARENT_IMAGE", "FROM ${PARENT_IMAGE}", "USER root"]
        lines += [f"RUN {command}" for f in fixtures for command in f.image_commands]
        text = "\n".join(lines) + "\n"
        folder = self.cache.root / "layers" / hashlib.sha256(text.encode()).hexdigest()[:16]
        dockerfile = folder / "Dockerfile"
        if not dockerfile.is_file():  # layers are built side by side: each writes its own
            folder.mkdir(parents=True, exist_ok=True)
            write_atomically(dockerfile, text.encode())
        return self._build(f"{parent.layer}-fixture-{names}", {"Dockerfile": dockerfile},
                           {"PARENT_IMAGE": parent.tag}, parent.id, [], base=parent.base,
                           inherited=parent.artifacts)

    # -- machinery -----------------------------------------------------------------------
    def _build(self, layer: str, context: dict[str, Path], args: dict[str, str],
               parent_id: str, artifact_keys: list[str], base: dict, inherited: dict,
               https_hosts: tuple[str, ...] = ()) -> ImageRef:
        artifacts = {k: self.cache.ensure(k).sha256 for k in artifact_keys}
        below = {**inherited, **artifacts}
        key = _digest({"layer": layer, "files": _context_digest(context), "args": args,
                       "parent": parent_id, "artifacts": artifacts})
        tag = f"govm-matrix/{layer}:{key[:16]}"
        self.locks.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.locks / f"{layer}.lock")):
            try:
                image = self.cli.images.get(tag)
                self._say(layer, f"image {layer}: cached ({tag})")
                return ImageRef(tag, image.id, layer, False, 0.0, base, below)
            except docker.errors.ImageNotFound:
                pass
            started = time.monotonic()
            self.progress(f"image {layer}: building {tag}")
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
                self._stream_build(layer, context, tag, key, buildargs, extra_hosts, log,
                                   started)
            image = self.cli.images.get(tag)
            seconds = round(time.monotonic() - started, 1)
            self._say(layer, f"image {layer}: built in {seconds} s")
            return ImageRef(tag, image.id, layer, True, seconds, base, below)

    def _say(self, layer: str, line: str) -> None:
        """One line per layer per builder (a layer below many is looked up many times)."""
        if layer not in self._seen:
            self._seen.add(layer)
            self.progress(line)

    @contextmanager
    def _https_mirror(self, hosts: tuple[str, ...]):
        """The HTTPS mirror for hard-coded download hosts, one per machine at a time (it
        needs port 443)."""
        from ..supply.https_mirror import HttpsMirror

        with FileLock(str(self.locks / "https-mirror.lock")):
            with HttpsMirror(self.cache.mirror_dir, hosts) as https:
                yield https

    def _stream_build(self, layer: str, context: dict[str, Path], tag: str, key: str,
                      buildargs: dict, extra_hosts: dict | None, log: list[str],
                      started: float) -> None:
        try:
            for chunk in self.cli.api.build(
                fileobj=_context_tar(context), custom_context=True, tag=tag,
                buildargs=buildargs, labels=labels(layer=layer, key=key),
                network_mode="host", rm=True, forcerm=True, decode=True, pull=False,
                extra_hosts=extra_hosts,
            ):
                if "stream" in chunk:
                    lines = _ANSI.sub("", chunk["stream"]).rstrip("\n").splitlines()
                    log.extend(lines)
                    for line in lines:
                        if _STEP.match(line):
                            self.progress(f"image {layer}: {time.monotonic() - started:.0f} s, "
                                          f"{_short(line)}")
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
        sources = apt_sources()
        tag = rootfs_tag(sources)
        provenance = (f"Debian {ROOTFS_SUITE} rootfs built with mmdebstrap "
                      f"{' '.join(ROOTFS_OPTIONS)} from this machine's apt sources ({sources}), "
                      "imported")
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
                    ["mmdebstrap", *ROOTFS_OPTIONS, "--include=" + ",".join(ROOTFS_PACKAGES),
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
