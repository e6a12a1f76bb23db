"""goenv is a git repository: ``govm-matrix mirror add goenv <a full clone with the pinned
tag>``, or online a clone of its upstream at that tag (its INSTALL.md: ``git clone
https://github.com/go-nv/goenv.git ~/.goenv``)."""

from __future__ import annotations

from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.git import RepositoryRecipe, git, git_ok

GOENV_GIT = "git/goenv.git"
GOENV_REFS_KEY = f"{GOENV_GIT}/info/refs"


class GoenvRepository(RepositoryRecipe):
    """goenv's repository. Its pin cannot go stale online: the clone is made at the pinned
    tag (its commit checked against the pinned one), which the repository keeps as goenv
    moves on."""

    git_key = GOENV_GIT
    # read when used, not at import: the pins are the one place these are set
    repo = property(lambda self: pins.GOENV_REPO)
    branch = property(lambda self: pins.GOENV_VERSION)
    kind = "goenv"
    path_help = f"a full git clone of goenv with tag {pins.GOENV_VERSION}"

    def check(self, git_dir: str, path: Path) -> None:
        _check_goenv(git_dir, path)


def _check_goenv(git_dir: str, path: Path) -> None:
    tag = pins.GOENV_VERSION
    if not git_ok("--git-dir", git_dir, "rev-parse", "-q", "--verify", f"refs/tags/{tag}"):
        raise MatrixError(f"{path} has no tag {tag}; clone goenv with `git clone "
                          f"{pins.GOENV_REPO} --branch {tag}`")
    commit = git("--git-dir", git_dir, "rev-parse", f"{tag}^{{commit}}")
    if commit != pins.GOENV_COMMIT:
        raise MatrixError(f"tag {tag} of {path} is commit {commit[:12]}, not the pinned "
                          f"{pins.GOENV_COMMIT[:12]}: is it goenv's repository?")
    if not git_ok("--git-dir", git_dir, "cat-file", "-e", f"{tag}^{{commit}}:libexec/goenv"):
        raise MatrixError(f"tag {tag} of {path} has no libexec/goenv: is it goenv?")
