"""Finished container runs kept by content, so that an unchanged matrix costs nothing to run
again.

A group's result depends only on what goes into it: the image (its tag is a digest of its
contents), the platform and its shell contexts, the manager's adapter folder (the commands it
types) and those of the managers it takes code from, the versions, the scope, the fixtures (as
data), the Docker Engine's version, the options the run takes its snapshots with (a run that
turns a speed-up off, for comparison, finds only results taken the same way), and the harness
that runs and judges it (a digest of the files of ``matrix/run`` that run containers and probe,
of the commands that read a container's outputs back, of ``matrix/checks``, ``matrix/core`` and
the manager base class, and the version of testinfra, which runs every step). The key is a digest
of all of it; a result is kept under its key (written to a temporary name, then renamed, so a
crash or a full disk never leaves half a file) and found again only by the very same key.
A run that could not decide (ERROR) is never kept. ``--fresh`` runs everything again and
keeps the new results.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import os
import tempfile
import time
from functools import cache
from importlib import metadata
from pathlib import Path

from .. import __version__
from .results import GroupOutcome

_PACKAGE = Path(__file__).resolve().parent.parent
#: what a run's result depends on besides its inputs: the code that runs, probes and judges it
HARNESS = ("run/runner.py", "run/steps.py", "run/probe", "run/results.py", "run/shells.py",
           "build/commands.py", "checks", "core", "managers/base.py")


def _digest_paths(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(str(path.relative_to(root)).encode() + b"\0")
            h.update(path.read_bytes())
    return h.hexdigest()


def _files(folder: Path) -> list[Path]:
    return [folder] if folder.is_file() else [p for p in folder.rglob("*") if p.is_file()]


@cache
def harness_digest() -> str:
    """A digest of the files that run, probe and judge a container run, and of the testinfra
    that runs its steps."""
    files = [f for part in HARNESS for f in _files(_PACKAGE / part)]
    return hashlib.sha256((__version__ + " testinfra " + _testinfra_version()
                           + _digest_paths(files, _PACKAGE)).encode()).hexdigest()


def _testinfra_version() -> str:
    try:
        return metadata.version("pytest-testinfra")
    except metadata.PackageNotFoundError:
        return "?"


def manager_digest(manager) -> str:
    """A digest of the manager's own folder (its adapter, Dockerfile, install script) and of
    every other manager's folder it takes code from (sdkman-local's adapter is SDKMAN's class,
    asdf 0.15's uses asdf's golang plugin). Taken once per process, which asks for it for every
    group."""
    return _class_digest(type(manager))


@cache
def _class_digest(cls) -> str:
    return folders_digest(Path(inspect.getfile(cls)).resolve().parent)


def folders_digest(folder: Path) -> str:
    """The digest of a manager's ``folder`` and of the managers' folders it imports from."""
    managers = folder.parent
    return _digest_paths([f for d in _imported_folders(folder) for f in _files(d)],
                         managers)


def _imported_folders(folder: Path) -> set[Path]:
    """``folder`` and every other manager's folder its Python files import from (``from
    ..sdkman import Sdkman``), and theirs in turn."""
    managers = folder.parent
    found, todo = set(), [folder]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        for path in current.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.ImportFrom) and node.level and node.module):
                    continue
                target = path.parents[node.level - 1].joinpath(*node.module.split("."))
                if target.is_relative_to(managers) and target != managers:
                    other = managers / target.relative_to(managers).parts[0]
                    if other.is_dir():
                        todo.append(other)
    return found


class ResultStore:
    """Results kept by key under ``root``; ``fresh`` finds nothing (and keeps what runs)."""

    def __init__(self, root: Path, fresh: bool = False) -> None:
        self.root, self.fresh = root, fresh

    @staticmethod
    def key(**inputs) -> str:
        inputs["harness"] = harness_digest()
        text = json.dumps(inputs, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get_data(self, key: str):
        if self.fresh:
            return None
        try:
            return json.loads(self._path(key).read_text())["data"]
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, or not a whole file: run it again

    def put_data(self, key: str, data, run_id: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "w") as fh:
                    # dumps, not dump: only a whole document goes through json's C encoder
                    fh.write(json.dumps({"data": data, "run_id": run_id, "at": time.strftime(
                        "%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        except OSError:
            pass  # a result that cannot be kept is run again next time; never half-kept

    def get(self, key: str) -> GroupOutcome | None:
        """The kept outcome of a group, marked with the run it came from."""
        if self.fresh:
            return None
        try:
            doc = json.loads(self._path(key).read_text())
            outcome = GroupOutcome.from_dict(doc["data"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        outcome.reused = {"run_id": doc.get("run_id"), "at": doc.get("at")}
        return outcome

    def put(self, key: str, outcome: GroupOutcome, run_id: str) -> None:
        data = outcome.to_dict()
        data["image"] = None  # the image is the key's; the run that finds it sets it
        data["shells"] = None  # measured (or found) per run
        data.pop("reused", None)
        self.put_data(key, data, run_id)
