"""Git repositories in the mirror: a user's clone (or one made online) becomes a bare
repository under ``mirror/git/<name>.git`` that image builds clone over the loopback mirror,
as the tools' own instructions `git clone` from their upstream."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from .download import run_tool
from .recipes import Origin, Recipe

if TYPE_CHECKING:
    from .cache import ArtifactCache


def git(*args: str, cwd: Path | None = None) -> str:
    """The output of a git command, or a MatrixError with its last line."""
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


def git_ok(*args: str) -> bool:
    """Whether a git command succeeds (for questions such as "is there a tag v1?")."""
    return subprocess.run(["git", *args], capture_output=True).returncode == 0


def clone(url: str, dest: Path, branch: str | None = None) -> None:
    """A full clone of ``url`` (at ``branch``, a branch or tag), as the tools' guides do."""
    run_tool(["git", "-c", "advice.detachedHead=false", "clone", "-q",
              *(["--branch", branch] if branch else []), url, str(dest)],
             url)


def import_repository(cache: ArtifactCache, path: Path, bare_key: str, refs_key: str,
                      what: str, check: Callable[[str, Path], None],
                      origin: Origin) -> list[str]:
    """Make the clone at ``path`` the bare repository ``bare_key`` of the mirror, prepared for
    git's dumb HTTP protocol too (``git update-server-info``), after ``check(git_dir, path)``
    accepted it. Its ``info/refs`` (``refs_key``, every ref with its commit) is the mirror key
    that stands for the repository. A shallow clone is refused: the dumb protocol walks the
    whole history."""
    if not git_ok("-C", str(path), "rev-parse", "--git-dir"):
        raise MatrixError(f"{path} is not a git repository; expected {what}")
    if git("-C", str(path), "rev-parse", "--is-shallow-repository") == "true":
        raise MatrixError(f"{path} is a shallow clone; the mirror serves git's dumb HTTP "
                          "protocol, which needs the whole history: clone without --depth")
    dest = cache.path(bare_key)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    tmp.chmod(0o755)
    try:
        git("init", "-q", "--bare", str(tmp))
        head = git("-C", str(path), "rev-parse", "HEAD^{commit}")
        git("--git-dir", str(tmp), "fetch", "-q", "--no-tags", str(path),
            "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "HEAD")
        branch = subprocess.run(["git", "-C", str(path), "symbolic-ref", "-q", "HEAD"],
                                capture_output=True, text=True).stdout.strip()
        if branch.startswith("refs/heads/"):
            git("--git-dir", str(tmp), "symbolic-ref", "HEAD", branch)
        else:  # a detached checkout (e.g. `git clone --branch <tag>`): serve that commit
            git("--git-dir", str(tmp), "update-ref", "--no-deref", "HEAD", head)
        check(str(tmp), path)
        git("--git-dir", str(tmp), "update-server-info")
        (tmp / "FETCH_HEAD").unlink(missing_ok=True)
        _replace_dir(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    cache.register(refs_key, f"git repository {path} (HEAD {head[:12]}), {origin.how}",
                   f"git:{head}", offline=origin.offline)
    return [refs_key]


def _replace_dir(new: Path, dest: Path) -> None:
    old = dest.with_name(f".{dest.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


class RepositoryRecipe(Recipe):
    """A tool that is a git repository: ``govm-matrix mirror add <kind> <a clone>``, or online a
    clone of its upstream ``repo`` (at ``branch``), as its install instructions clone it. A
    subclass names ``git_key`` (``git/<name>.git``), ``repo``, ``kind`` and ``path_help`` and
    says in ``check`` what makes a clone the right one."""

    git_key = ""
    repo = ""
    branch: str | None = None

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if cls.git_key:
            cls.prefixes = (cls.git_key + "/",)

    @property
    def refs_key(self) -> str:
        return f"{self.git_key}/info/refs"

    def check(self, git_dir: str, path: Path) -> None:
        """Refuse (MatrixError naming the fix) a clone that is not the tool at its pin."""

    def add(self, cache, path: Path, origin: Origin) -> list[str]:
        return import_repository(cache, path, self.git_key, self.refs_key, self.path_help,
                                 self.check, origin)

    def fetch(self, cache, key: str) -> None:
        with cache.workdir() as tmp:
            dest = tmp / self.git_key.rsplit("/", 1)[-1].removesuffix(".git")
            clone(self.repo, dest, branch=self.branch)
            self.add(cache, dest, Origin(f"cloned from {self.repo}", offline=False))
