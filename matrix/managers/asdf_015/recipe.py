"""asdf 0.15 is a git repository: ``govm-matrix mirror add asdf <a full clone with the pinned
tag>``, or online a clone of its upstream at that tag."""

from __future__ import annotations

from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.git import RepositoryRecipe, git_ok

ASDF_GIT = "git/asdf.git"
ASDF_REFS_KEY = f"{ASDF_GIT}/info/refs"


class AsdfRepository(RepositoryRecipe):
    """asdf 0.15's repository. Its pin cannot go stale online: the clone is made at tag
    v0.15.0, which the repository keeps as asdf moves on."""

    git_key = ASDF_GIT
    # read when used, not at import: the pins are the one place these are set
    repo = property(lambda self: pins.ASDF_REPO)
    branch = property(lambda self: f"v{pins.ASDF_015_VERSION}")
    kind = "asdf"
    path_help = f"a full git clone of asdf with tag v{pins.ASDF_015_VERSION}"

    def check(self, git_dir: str, path: Path) -> None:
        _check_asdf(git_dir, path)


def _check_asdf(git_dir: str, path: Path) -> None:
    tag = f"v{pins.ASDF_015_VERSION}"
    if not git_ok("--git-dir", git_dir, "rev-parse", "-q", "--verify", f"refs/tags/{tag}"):
        raise MatrixError(f"{path} has no tag {tag}; clone asdf with `git clone "
                          f"https://github.com/asdf-vm/asdf.git --branch {tag}`")
    if not git_ok("--git-dir", git_dir, "cat-file", "-e", f"{tag}^{{commit}}:asdf.sh"):
        raise MatrixError(f"tag {tag} of {path} has no asdf.sh: is it asdf's repository?")
