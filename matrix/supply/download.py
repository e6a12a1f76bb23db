"""Getting files from elsewhere: downloads, checksums, and the registry tools (pip, npm, git)
that fetch what a recipe needs. Every failure is a MatrixError that names what failed."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from ..core.errors import EXIT_ENVIRONMENT, MatrixError


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expect_digest(got: str, wanted: str, what: str) -> None:
    """Refuse a file whose digest is not the pinned or published one."""
    if got != wanted:
        raise MatrixError(
            f"checksum mismatch for {what}: expected {wanted}, got {got}; "
            "the download is corrupt or the pin in matrix/supply/pins.py is wrong",
            EXIT_ENVIRONMENT,
        )


_SHA256 = re.compile(r"[0-9a-f]{64}")


def listed_digest(sums: str, name: str) -> str | None:
    """The sha256 a SHASUMS-style listing (``<sha256>  [*][./]<file>`` lines) gives for file
    ``name``, or None."""
    for line in sums.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*").removeprefix("./") == name \
                and _SHA256.fullmatch(parts[0].lower()):
            return parts[0].lower()
    return None


def digest_for(sums: str, name: str) -> str:
    """The digest a SHASUMS-style listing gives for file ``name``."""
    found = listed_digest(sums, name)
    if found is None:
        raise MatrixError(f"{name} is not listed in the release's checksums", EXIT_ENVIRONMENT)
    return found


def download(url: str, dest: Path, timeout: int = 60) -> None:
    """Download ``url`` to ``dest``; a partial file is removed, never left as a result."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as fh:
            shutil.copyfileobj(resp, fh)
    except (urllib.error.URLError, OSError) as exc:
        Path(dest).unlink(missing_ok=True)
        raise MatrixError(
            f"download of {url} failed ({exc}); retry, or run with --network offline",
            EXIT_ENVIRONMENT,
        ) from None


def run_tool(argv: list[str], what: str, env: dict | None = None, cwd: Path | None = None,
             timeout: int = 1800) -> str:
    """Run a tool that fetches or builds ``what``; its stdout, or a MatrixError with its last
    line of output."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                              cwd=cwd)
    except FileNotFoundError:
        raise MatrixError(f"{argv[0]} is needed to fetch {what}; install it",
                          EXIT_ENVIRONMENT) from None
    except subprocess.TimeoutExpired:
        raise MatrixError(f"fetching {what} took more than {timeout} s", EXIT_ENVIRONMENT) from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise MatrixError(f"fetching {what} failed: {tail[0]}", EXIT_ENVIRONMENT)
    return proc.stdout


def pip_download(requirement: str, dest: Path, platform: str) -> Path:
    """One binary wheel of ``requirement`` for ``platform``, without its dependencies."""
    run_tool(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--platform", platform, "--dest", str(dest), requirement],
        requirement,
    )
    wheels = sorted(dest.glob("*.whl"))
    if not wheels:
        raise MatrixError(f"pip downloaded no wheel for {requirement}", EXIT_ENVIRONMENT)
    return wheels[0]


def npm_pack(package: str, dest: Path) -> Path:
    """The tarball of an npm package, as `npm pack` fetches it from the registry."""
    run_tool(["npm", "pack", package, "--pack-destination", str(dest), "--silent"], package)
    tgzs = sorted(dest.glob("*.tgz"))
    if not tgzs:
        raise MatrixError(f"npm pack produced no tarball for {package}", EXIT_ENVIRONMENT)
    return tgzs[0]


_ELF_X86_64 = 0x3E  # e_machine of an x86-64 ELF file


def linux_amd64_binary(path: Path, name: str, expected: str) -> bytes:
    """A tool's linux/amd64 executable, given as its release archive (the file called ``name``
    in it) or as the binary itself; ``expected`` says what ``path`` should be."""
    import tarfile

    if path.is_dir():
        raise MatrixError(f"{path} is a folder; expected {expected}")
    data = (file_from_archive(path, name, expected) if tarfile.is_tarfile(path)
            else path.read_bytes())
    if data[:4] != b"\x7fELF" or len(data) < 20 or int.from_bytes(data[18:20], "little") \
            != _ELF_X86_64:
        raise MatrixError(f"{path} is not a linux/amd64 executable; expected {expected}")
    return data


def file_from_archive(path: Path, name: str, expected: str) -> bytes:
    """The bytes of the first regular file called ``name`` in the tar archive ``path`` (a
    release archive holding a tool's binary); ``expected`` says what ``path`` should be."""
    import tarfile

    with tarfile.open(path) as tar:
        for member in tar.getmembers():
            if member.isfile() and Path(member.name).name == name:
                fh = tar.extractfile(member)
                if fh is not None:
                    return fh.read()
    raise MatrixError(f"{path} holds no file named {name}; expected {expected}")


def version_output(data: bytes, name: str) -> str:
    """What the binary ``data`` prints for ``--version`` (stdout and stderr), run as ``name``
    from a temporary folder with a bare environment; the error's text when it cannot run."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        exe = Path(tmp) / name
        exe.write_bytes(data)
        exe.chmod(0o755)
        try:
            out = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                                 timeout=30, env={"PATH": "/usr/bin:/bin", "HOME": tmp})
            return out.stdout + out.stderr
        except (OSError, subprocess.TimeoutExpired) as exc:
            return str(exc)
