"""goenv is a git repository: ``govm-matrix mirror add goenv <a full clone with the pinned
tag>``, or online a clone of its upstream at that tag (its INSTALL.md: ``git clone
https://github.com/go-nv/goenv.git ~/.goenv``)."""

from __future__ import annotations

from pathlib import Path

from ...core.errors import MatrixError
from ...supply import pins
from ...supply.git import clone, git, git_ok, import_repository
from ...supply.recipes import Origin, Recipe

GOENV_GIT = "git/goenv.git"
GOENV_REFS_KEY = f"{GOENV_GIT}/info/refs"


class GoenvRepository(Recipe):
    prefixes = (GOENV_GIT + "/",)
    kind = "goenv"
    path_help = f"a full git clone of goenv with tag {pins.GOENV_VERSION}"

    def add(self, cache, path: Path, origin: Origin) -> list[str]:
        return import_repository(cache, path, GOENV_GIT, GOENV_REFS_KEY, self.path_help,
                                 _check_goenv, origin)

    def fetch(self, cache, key: str) -> None:
        with cache.workdir() as tmp:
            clone(pins.GOENV_REPO, tmp / "goenv", branch=pins.GOENV_VERSION)
            self.add(cache, tmp / "goenv", Origin(f"cloned from {pins.GOENV_REPO}",
                                                  offline=False))


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
