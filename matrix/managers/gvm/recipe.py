"""gvm is a git repository whose own installer clones it: ``govm-matrix mirror add gvm <a full
clone holding the pinned commit>``, or online a clone of its upstream."""

from __future__ import annotations

from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.git import RepositoryRecipe, git_ok

GVM_GIT = "git/gvm.git"
GVM_REFS_KEY = f"{GVM_GIT}/info/refs"


class GvmRepository(RepositoryRecipe):
    """gvm's repository. Its pin cannot go stale online: a clone of the default branch holds
    the pinned commit in its history however far the branch moves on, and the image checks
    that commit out."""

    git_key = GVM_GIT
    repo = property(lambda self: pins.GVM_REPO)  # read when used, as the pins may move
    kind = "gvm"
    path_help = f"a full git clone of gvm holding commit {pins.GVM_COMMIT[:12]}"

    def check(self, git_dir: str, path: Path) -> None:
        _check_gvm(git_dir, path)


def _check_gvm(git_dir: str, path: Path) -> None:
    commit = pins.GVM_COMMIT
    if not git_ok("--git-dir", git_dir, "cat-file", "-e", f"{commit}^{{commit}}"):
        raise MatrixError(f"{path} does not hold commit {commit[:12]}; clone gvm with `git "
                          f"clone {pins.GVM_REPO}` (its history has it)")
    if not git_ok("--git-dir", git_dir, "cat-file", "-e",
                  f"{commit}:binscripts/gvm-installer"):
        raise MatrixError(f"commit {commit[:12]} of {path} has no binscripts/gvm-installer: "
                          "is it gvm's repository?")
