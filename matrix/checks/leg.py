"""A leg: one switch seen from one shell context, and the facts every check asks of it.

The snapshot taken before the switch is ``baseline``, and
the one taken after it (``snap``), ``old`` the version switched away from, ``new`` the one
selected. A cell has two legs (A→B, then back B→A) plus the round-trip comparison of the first
and last snapshots. Paths are compared by their real paths inside the container (the probe
resolves them), so a symlink such as /usr/local/go counts as the directory it points to.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..core.verdicts import Verdict

VERSION_RE = re.compile(r"go version go(\S+)")
TOOLCHAIN_MODULE = re.compile(r"/golang\.org/toolchain@v0\.0\.1-go(\d+\.\d+\.\d+)\.")
TOOLCHAIN_ROOT = re.compile(TOOLCHAIN_MODULE.pattern + r"[^/]+$")  # the module's folder itself


@dataclass
class Leg:
    snap: dict
    baseline: dict | None
    old: str
    new: str
    manager: str
    managed_dirs: tuple[str, ...] = ()
    shim_dirs: tuple[str, ...] = ()
    #: version -> folders that belong to it besides its install folder (a per-version
    #: GOPATH the manager keeps elsewhere, e.g. goenv's ~/go/<version>, gvm's pkgsets)
    version_dirs: dict = field(default_factory=dict)
    #: what ``roots`` and ``owner`` found, kept: the checks ask them of the same paths again and
    #: again, and a leg's snapshots do not change once it is made
    _found: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    # -- facts derived from the snapshot -------------------------------------------------
    def roots(self) -> dict[str, list[str]]:
        """version -> its install folder and GOROOT (as recorded and as resolved); a path
        belongs to a version when it lies inside one of them. "_dispatcher" is the root of a
        go that re-executes the selected toolchain (Go's own switching)."""
        if "roots" not in self._found:
            found: dict[str, list[str]] = {}
            for version, info in (self.snap.get("roots") or {}).items():
                paths = [info.get(k) for k in ("root", "real", "goroot", "goroot_real")]
                paths += list(self.version_dirs.get(version, ()))
                found[version] = sorted({p for p in paths if p})
            self._found["roots"] = found
        return self._found["roots"]

    def owner(self, path: str | None, real: str | None = None,
              on_path: bool = False) -> str | None:
        """The Go version whose install root holds this path, if any. ``on_path``: the path
        is a PATH entry or the go found there, where a dispatching go belongs to no version
        (what it runs is decided by GOTOOLCHAIN, and checked by goroot, version and build)."""
        key = ("owner", path, real, on_path)
        if key not in self._found:
            self._found[key] = self._owner(path, real, on_path)
        return self._found[key]

    def _owner(self, path: str | None, real: str | None, on_path: bool) -> str | None:
        if real is None and path:
            real = (self.snap.get("real") or {}).get(path)
        candidates = [os.path.normpath(p) for p in (path, real) if p]

        def depth(roots: list[str]) -> int:
            """The length of the longest of ``roots`` that holds a candidate, -1 if none."""
            return max((len(r.rstrip("/")) for r in roots for c in candidates
                        if c == r or c.startswith(r.rstrip("/") + "/")), default=-1)

        # One version's root can lie inside another's (a toolchain module under a GOPATH
        # inside the old GOROOT): the path is the closest root's, the first of equals.
        roots = self.roots()
        found = {version: depth(version_roots) for version, version_roots in roots.items()}
        versions = {v: d for v, d in found.items() if not v.startswith("_") and d >= 0}
        closest = max(versions.values(), default=-1)
        if on_path and found.get("_dispatcher", -1) >= max(closest, 0):
            return None
        if versions:
            return max(versions, key=versions.__getitem__)
        for candidate in candidates:  # a toolchain module is its version wherever it lies
            match = TOOLCHAIN_MODULE.search(candidate)
            if match and match.group(1) in roots:
                return match.group(1)
        return None

    def is_goroot(self, path: str, real: str | None = None) -> bool:
        """Is this path a toolchain's GOROOT itself, by spelling or real path: a recorded
        GOROOT or a toolchain module's folder, not just a folder inside an install (go takes
        any folder as GOROOT, and then finds no standard library there)."""
        if real is None:
            real = (self.snap.get("real") or {}).get(path)
        candidates = {os.path.normpath(p) for p in (path, real) if p}
        for info in (self.snap.get("roots") or {}).values():
            if candidates & {os.path.normpath(info[k]) for k in ("goroot", "goroot_real")
                             if info.get(k)}:
                return True
        return any(TOOLCHAIN_ROOT.search(c) for c in candidates)

    def dispatching(self, path: str | None, real: str | None = None) -> bool:
        """A go that runs whatever version is selected: a shim, or Go's own dispatcher."""
        if path and any(os.path.normpath(path).startswith(d.rstrip("/") + "/")
                        for d in self.shim_dirs):
            return True
        return self.owner(path, real) is not None and self.owner(path, real, True) is None

    def managed(self, entry: dict) -> bool:
        if self.owner(entry.get("entry"), entry.get("real")):
            return True
        value = os.path.normpath(entry.get("entry") or ".")
        return any(value == d or value.startswith(d.rstrip("/") + "/") for d in self.managed_dirs)

    def installed(self, version: str) -> str:
        """The Go version installed for an asked one: the same, except where the manager
        installs the distribution's release of that series (1.22.10 asked, 1.22.12 there)."""
        info = (self.snap.get("roots") or {}).get(version) or {}
        return info.get("version") or version

    @property
    def old_go(self) -> str:
        return self.installed(self.old)

    @property
    def new_go(self) -> str:
        return self.installed(self.new)

    def active_in(self, snap: dict | None) -> bool:
        """Is the manager in effect in that snapshot's shell at all (any PATH entry of its
        own)?"""
        return any(self.managed(e) for e in (snap or {}).get("path_entries") or [])

    @property
    def active(self) -> bool:
        return self.active_in(self.snap)

    @property
    def vanished(self) -> bool:
        """The manager was in effect in this shell before the switch and is not after it:
        the switch broke the shell, which is not the same as a shell it never reached."""
        return not self.active and self.active_in(self.baseline)

    @property
    def idle(self) -> bool:
        """Not in effect here, neither before the switch nor after it: INACTIVE."""
        return not self.active and not self.vanished

    def root_of(self, version: str) -> str:
        """The version's GOROOT (its go's own answer), else its shortest recorded root."""
        info = (self.snap.get("roots") or {}).get(version) or {}
        roots = self.roots().get(version) or ["?"]
        return info.get("goroot") or sorted(roots, key=len)[0]

    def _vanished_note(self) -> str:
        before = [e["entry"] for e in (self.baseline or {}).get("path_entries") or []
                  if self.managed(e)]
        return (f"{self.manager} was active in this shell before the switch (PATH had "
                f"{', '.join(before[:3])}) and put nothing on PATH after it")

    def gone(self, what: str) -> tuple[Verdict, str]:
        """Verdict and wording when there is no go to ask in this shell."""
        if self.idle:
            return Verdict.INACTIVE, (f"expected go{self.new_go} from {self.manager}, got {what} "
                                      f"({self.manager} put nothing on PATH in this shell)")
        if self.vanished:
            return Verdict.BROKEN, f"expected go{self.new_go}, got {what}: {self._vanished_note()}"
        return Verdict.BROKEN, f"expected go{self.new_go}, got {what}"

    def failed_before(self, part: str) -> bool:
        """Did the go of this shell fail at ``part`` ("go env", "build", "install") in the
        snapshot before this switch too: a go broken before the switch, not by it (a switch
        can break a go it does not own: Go's own switching writes the GOENV file every go
        reads)."""
        before = self.baseline or {}
        if part == "go env":
            return bool(before.get("go")) and not before.get("go_env")
        build = before.get("build") or {}
        if part == "build":
            return bool(build) and (build.get("status") != 0
                                    or build.get("runtime_version") is None)
        found = build.get("install") or {}
        return bool(found) and (found.get("status") != 0 or found.get("ran") != 0)

    def foreign(self, what: str) -> tuple[Verdict, str]:
        if self.idle:
            return Verdict.INACTIVE, f"{what}, not a {self.manager} install: not active here"
        note = f" ({self._vanished_note()})" if self.vanished else ""
        return Verdict.BROKEN, (f"expected go{self.new_go}'s root {self.root_of(self.new)}, got "
                                f"{what}{note}")


def release(runtime_version: str) -> str:
    """The release a built program's runtime.Version() names: its first word, without what
    follows it (" X:<experiments>" when GOEXPERIMENT was set for the build)."""
    return runtime_version.split(" ", 1)[0]


def first_go(leg: Leg) -> tuple[str | None, str | None]:
    """The first go on PATH (the one the probe asked, built and installed with) and its real
    path."""
    first = (leg.snap.get("go_on_path") or [{}])[0]
    return first.get("path"), first.get("real")


def version_tag(path: str, version: str) -> bool:
    return re.search(rf"(^|[/@_.-]|go){re.escape(version)}($|/)", path) is not None


def foreign_and_idle(leg: Leg, path: str | None, real: str | None) -> bool:
    """A go from outside every install root, in a shell the manager never reached: what it
    reports says nothing about the switch, whatever its version."""
    return bool(path) and leg.idle and leg.owner(path, real) is None


def tail(text: str | None, limit: int = 240) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else "no output"
    return line if len(line) <= limit else line[: limit - 1] + "…"
