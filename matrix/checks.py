"""Classification: from the snapshots of one cell to one verdict per check, with evidence.

A leg is one switch seen from one shell context: the snapshot taken before it (``baseline``) and
the one taken after it (``snap``), ``old`` the version switched away from, ``new`` the one
selected. A cell has two legs (A→B, then back B→A) plus the round-trip comparison of the first
and last snapshots. Paths are compared by their real paths inside the container (the probe
resolves them), so a symlink such as /usr/local/go counts as the directory it points to.
"""

from __future__ import annotations

import difflib
import os
import re
from collections import Counter
from dataclasses import dataclass

from .verdicts import CheckResult, Verdict, worst

CHECKS = ("goroot", "path", "gopath", "gobin", "gotoolchain", "version", "build")
_TOOLCHAIN_KEYWORDS = {"", "auto", "local", "path", "local+auto", "local+path"}
_VERSION_RE = re.compile(r"go version go(\S+)")
_TOOLCHAIN_MODULE = re.compile(r"/golang\.org/toolchain@v0\.0\.1-go(\d+\.\d+\.\d+)\.")


@dataclass
class Leg:
    snap: dict
    baseline: dict | None
    old: str
    new: str
    manager: str
    managed_dirs: tuple[str, ...] = ()
    shim_dirs: tuple[str, ...] = ()

    # -- facts derived from the snapshot -------------------------------------------------
    def roots(self) -> dict[str, list[str]]:
        """version -> its install folder and GOROOT (as recorded and as resolved); a path
        belongs to a version when it lies inside one of them. "_dispatcher" is the root of a
        go that re-executes the selected toolchain (Go's own switching)."""
        found: dict[str, list[str]] = {}
        for version, info in (self.snap.get("roots") or {}).items():
            paths = (info.get(k) for k in ("root", "real", "goroot", "goroot_real"))
            found[version] = sorted({p for p in paths if p})
        return found

    def owner(self, path: str | None, real: str | None = None,
              on_path: bool = False) -> str | None:
        """The Go version whose install root holds this path, if any. ``on_path``: the path
        is a PATH entry or the go found there, where a dispatching go belongs to no version
        (what it runs is decided by GOTOOLCHAIN, and checked by goroot, version and build)."""
        if real is None and path:
            real = (self.snap.get("real") or {}).get(path)
        candidates = [os.path.normpath(p) for p in (path, real) if p]

        def inside(roots: list[str]) -> bool:
            return any(c == r or c.startswith(r.rstrip("/") + "/")
                       for c in candidates for r in roots)

        roots = self.roots()
        if on_path and inside(roots.get("_dispatcher", [])):
            return None
        for version, version_roots in roots.items():
            if not version.startswith("_") and inside(version_roots):
                return version
        for candidate in candidates:  # a toolchain module is its version wherever it lies
            match = _TOOLCHAIN_MODULE.search(candidate)
            if match and match.group(1) in roots:
                return match.group(1)
        return None

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
            return Verdict.INACTIVE, (f"expected go{self.new} from {self.manager}, got {what} "
                                      f"({self.manager} put nothing on PATH in this shell)")
        if self.vanished:
            return Verdict.BROKEN, f"expected go{self.new}, got {what}: {self._vanished_note()}"
        return Verdict.BROKEN, f"expected go{self.new}, got {what}"

    def foreign(self, what: str) -> tuple[Verdict, str]:
        if self.idle:
            return Verdict.INACTIVE, f"{what}, not a {self.manager} install: not active here"
        note = f" ({self._vanished_note()})" if self.vanished else ""
        return Verdict.BROKEN, (f"expected go{self.new}'s root {self.root_of(self.new)}, got "
                                f"{what}{note}")


def _version_tag(path: str, version: str) -> bool:
    return re.search(rf"(^|[/@_.-]|go){re.escape(version)}($|/)", path) is not None


# -- the checks ---------------------------------------------------------------------------
def check_goroot(leg: Leg) -> CheckResult:
    result = CheckResult("goroot")
    exported = (leg.snap.get("vars") or {}).get("GOROOT")
    if exported:
        owner = leg.owner(exported)
        if owner == leg.old:
            result.add(Verdict.LEAK, f"expected GOROOT unset or go{leg.new}'s root, got exported "
                                     f"GOROOT={exported} (go{leg.old}'s root)")
        elif owner == leg.new:
            result.add(Verdict.PASS, f"exported GOROOT={exported} is go{leg.new}'s root")
        else:
            result.add(*leg.foreign(f"exported GOROOT={exported}"))
    go_env = leg.snap.get("go_env")
    if go_env:
        value = go_env.get("GOROOT", "")
        owner = leg.owner(value)
        if owner == leg.old:
            result.add(Verdict.LEAK, f"expected `go env GOROOT` in go{leg.new}'s root "
                                     f"{leg.root_of(leg.new)}, got {value} (go{leg.old})")
        elif owner == leg.new:
            result.add(Verdict.PASS, f"`go env GOROOT` is {value}, go{leg.new}'s root")
        else:
            result.add(*leg.foreign(f"`go env GOROOT` {value}"))
    elif leg.snap.get("go"):
        result.add(Verdict.BROKEN, f"expected `go env` to work, got: "
                                   f"{_tail(leg.snap.get('go_env_error'))}")
    else:
        result.add(*leg.gone("no go on PATH"))
    return result


def check_path(leg: Leg) -> CheckResult:
    result = CheckResult("path")
    entries = leg.snap.get("path_entries") or []
    for e in entries:
        if leg.owner(e["entry"], e.get("real"), on_path=True) == leg.old:
            result.add(Verdict.LEAK, f"expected no PATH entry in go{leg.old}'s root, got "
                                     f"{e['entry']} (→ {e.get('real')})")
    gos = leg.snap.get("go_on_path") or []
    if gos:
        first = gos[0]
        owner = leg.owner(first["path"], first.get("real"), on_path=True)
        if leg.dispatching(first["path"], first.get("real")):
            result.add(Verdict.PASS, f"first go on PATH is {first['path']}, which runs the "
                                     f"version {leg.manager} selects (checked by goroot, "
                                     "version and build)")
        elif owner == leg.new:
            result.add(Verdict.PASS, f"first go on PATH is {first['path']} (go{leg.new})")
        elif owner == leg.old:
            result.add(Verdict.LEAK, f"expected the first go on PATH in go{leg.new}'s root, got "
                                     f"{first['path']} (→ {first.get('real')}, go{leg.old})")
        else:
            result.add(*leg.foreign(f"first go on PATH {first['path']} (→ {first.get('real')})"))
    else:
        result.add(*leg.gone("no go on PATH"))
    shell_go = leg.snap.get("shell_go") or {}
    if shell_go.get("real") and gos and shell_go["real"] != gos[0].get("real"):
        if leg.owner(shell_go.get("command"), shell_go["real"], on_path=True) == leg.old:
            result.add(Verdict.LEAK, f"expected the shell to run {gos[0]['path']}, got "
                                     f"{shell_go['command']} (go{leg.old}, remembered by "
                                     "the shell)")
    _check_repeats(leg, entries, result)
    _check_user_entries(leg, entries, result)
    return result


def _check_repeats(leg: Leg, entries: list[dict], result: CheckResult) -> None:
    before = Counter(e["entry"] for e in (leg.baseline or {}).get("path_entries") or [])
    for entry, count in Counter(e["entry"] for e in entries).items():
        if count > 1 and count > before.get(entry, 0):
            result.add(Verdict.LEAK, f"expected PATH entry {entry} at most "
                                     f"{max(1, before.get(entry, 0))} time(s), got {count}")


def _check_user_entries(leg: Leg, entries: list[dict], result: CheckResult) -> None:
    if leg.baseline is None:
        return
    mine = [e["entry"] for e in entries if not leg.managed(e)]
    before = [e["entry"] for e in leg.baseline.get("path_entries") or [] if not leg.managed(e)]
    if mine != before:
        lost = [e for e in before if e not in mine]
        added = [e for e in mine if e not in before]
        changes = ([f"lost {lost}"] if lost else []) + ([f"added {added}"] if added else [])
        if not changes:
            changes = [f"reordered: {_moved(before, mine)}"]
        result.add(Verdict.BROKEN, "expected the PATH entries that are not Go's unchanged "
                                   f"(byte for byte, in order), got {'; '.join(changes)}")
    else:
        result.add(Verdict.PASS, f"{len(mine)} PATH entries that are not Go's kept byte for byte")


def _gopath_parts(leg: Leg) -> tuple[str | None, list[str]]:
    go_env = leg.snap.get("go_env")
    if go_env:
        value = go_env.get("GOPATH") or ""
        return "go env GOPATH", [p for p in value.split(":") if p]
    value = (leg.snap.get("vars") or {}).get("GOPATH")
    return ("exported GOPATH", [p for p in value.split(":") if p]) if value else (None, [])


def _classify_dir(leg: Leg, what: str, path: str, result: CheckResult, shared: str) -> None:
    owner = leg.owner(path)
    if owner == leg.old or _version_tag(path, leg.old):
        result.add(Verdict.LEAK, f"expected {what} not to belong to go{leg.old}, got {path}")
    elif owner == leg.new or _version_tag(path, leg.new):
        result.add(Verdict.PASS, f"{what} {path} belongs to go{leg.new}")
    else:
        result.add(Verdict.SHARED, f"{what} {path} {shared}")


def check_gopath(leg: Leg) -> CheckResult:
    result = CheckResult("gopath")
    source, parts = _gopath_parts(leg)
    if not parts:
        result.add(*leg.gone("no GOPATH to read (no working `go env`, none exported)"))
        return result
    for part in parts:
        _classify_dir(leg, source, part, result, "is shared by every Go version (by design)")
    return result


def check_gobin(leg: Leg) -> CheckResult:
    result = CheckResult("gobin")
    go_env = leg.snap.get("go_env")
    value = (go_env or {}).get("GOBIN") if go_env else (leg.snap.get("vars") or {}).get("GOBIN")
    if value:
        _classify_dir(leg, "GOBIN", value, result, "is shared by every Go version")
        return result
    source, parts = _gopath_parts(leg)
    if not parts:
        result.add(*leg.gone("no GOBIN or GOPATH to read (no working `go env`)"))
        return result
    target = parts[0].rstrip("/") + "/bin"
    _classify_dir(leg, "the go install target (GOBIN unset)", target, result,
                  "is shared by every Go version")
    return result


def _toolchain_settings(leg: Leg) -> list[tuple[str, str]]:
    """Where GOTOOLCHAIN is set, in the order go reads them: the environment wins over the
    GOENV file, which wins over the go.env default (reported by `go env`)."""
    found = []
    exported = (leg.snap.get("vars") or {}).get("GOTOOLCHAIN")
    if exported is not None:
        found.append(("exported GOTOOLCHAIN", exported))
    content = (leg.snap.get("goenv_file") or {}).get("content") or ""
    for line in content.splitlines():
        if line.startswith("GOTOOLCHAIN="):
            path = (leg.snap.get("goenv_file") or {}).get("path")
            found.append((f"GOTOOLCHAIN in the GOENV file {path}", line.split("=", 1)[1]))
    go_env = leg.snap.get("go_env")
    if not found and go_env and "GOTOOLCHAIN" in go_env:
        found.append(("go env GOTOOLCHAIN", go_env["GOTOOLCHAIN"]))
    return found


def _running_version(leg: Leg) -> str | None:
    match = _VERSION_RE.search((leg.snap.get("shell_go") or {}).get("version_output") or "")
    return match.group(1) if match else None


def check_gotoolchain(leg: Leg) -> CheckResult:
    result = CheckResult("gotoolchain")
    settings = _toolchain_settings(leg)
    if not settings:
        if leg.snap.get("go_env"):
            result.add(Verdict.PASS, "no GOTOOLCHAIN anywhere (this go predates it)")
        else:
            result.add(*leg.gone("no GOTOOLCHAIN setting to read"))
        return result
    running = _running_version(leg)
    if not leg.snap.get("go") and leg.idle:
        where, value = settings[0]
        result.add(*leg.gone(f"{where}={value}, which no go runs here to read"))
        return result
    for rank, (where, value) in enumerate(settings):
        match = re.match(r"go(\d+\.\d+(?:\.\d+|rc\d+)?)", value)
        if rank:
            result.add(Verdict.PASS, f"{where}={value} is overridden by the "
                                     f"{settings[0][0]}")
        elif value in _TOOLCHAIN_KEYWORDS or not match:
            result.add(Verdict.PASS, f"{where}={value!r} does not force a version")
        elif match.group(1) == leg.new:
            result.add(Verdict.PASS, f"{where}={value} names go{leg.new}")
        elif running == leg.new:
            result.add(Verdict.PASS, f"{where}={value}, yet go{leg.new} runs here (a go.mod "
                                     "toolchain line upgrades it)")
        elif match.group(1) == leg.old:
            result.add(Verdict.LEAK, f"expected no GOTOOLCHAIN forcing go{leg.old}, got "
                                     f"{where}={value}")
        else:
            result.add(Verdict.BROKEN, f"expected go{leg.new}, got {where}={value}")
    for line in ((leg.snap.get("goenv_file") or {}).get("content") or "").splitlines():
        if line.startswith("GOFLAGS="):
            result.add(Verdict.SHARED, f"{line} in the GOENV file applies to every Go version")
    return result


def _foreign_and_idle(leg: Leg, path: str | None, real: str | None) -> bool:
    """A go from outside every install root, in a shell the manager never reached: what it
    reports says nothing about the switch, whatever its version."""
    return bool(path) and leg.idle and leg.owner(path, real) is None


def _classify_version_output(leg: Leg, what: str, status: int, output: str,
                             result: CheckResult, origin: tuple = (None, None)) -> None:
    match = _VERSION_RE.search(output or "")
    if match and _foreign_and_idle(leg, *origin):
        result.add(Verdict.INACTIVE, f"{what} is go{match.group(1)} from {origin[0]}, not "
                                     f"from {leg.manager}: not active here")
    elif status == 0 and match and match.group(1) == leg.new:
        result.add(Verdict.PASS, f"{what}: go{leg.new}")
    elif match and match.group(1) == leg.old:
        result.add(Verdict.LEAK, f"expected {what} go{leg.new}, got go{leg.old}")
    elif status in (126, 127) and not match:
        result.add(*leg.gone(f"{what}: {_tail(output)}"))
    elif match and leg.idle:
        result.add(Verdict.INACTIVE, f"{what} is go{match.group(1)}, not from {leg.manager}: "
                                     "not active here")
    else:
        result.add(Verdict.BROKEN, f"expected {what} go{leg.new}, got: {_tail(output)}")


def check_version(leg: Leg) -> CheckResult:
    result = CheckResult("version")
    shell_go = leg.snap.get("shell_go") or {}
    _classify_version_output(leg, "`go version` in the shell", shell_go.get("status", 127),
                             shell_go.get("version_output", ""), result,
                             (shell_go.get("command"), shell_go.get("real")))
    built = (leg.snap.get("build") or {}).get("runtime_version")
    first = (leg.snap.get("go_on_path") or [{}])[0]
    if built:
        owner = {f"go{leg.new}": leg.new, f"go{leg.old}": leg.old}.get(built)
        if _foreign_and_idle(leg, first.get("path"), first.get("real")):
            result.add(Verdict.INACTIVE, f"runtime.Version() is {built}, built by "
                                         f"{first.get('path')}, not {leg.manager}'s")
        elif owner == leg.new:
            result.add(Verdict.PASS, f"runtime.Version() of a fresh build: {built}")
        elif owner == leg.old:
            result.add(Verdict.LEAK, f"expected runtime.Version() go{leg.new}, got {built}")
        elif leg.idle:
            result.add(Verdict.INACTIVE, f"runtime.Version() is {built}, not from "
                                         f"{leg.manager}: not active here")
        else:
            result.add(Verdict.BROKEN, f"expected runtime.Version() go{leg.new}, got {built}")
    return result


def check_build(leg: Leg) -> CheckResult:
    result = CheckResult("build")
    build = leg.snap.get("build")
    if not build:
        result.add(*leg.gone("no go on PATH to build with"))
    elif build.get("status") != 0:
        result.add(Verdict.BROKEN, f"expected `go build` to succeed, got exit {build.get('status')}"
                                   f": {_tail(build.get('stderr') or build.get('stdout'))}")
    elif build.get("runtime_version") is None:
        run = build.get("run") or {}
        result.add(Verdict.BROKEN, f"expected the built program to run, got exit "
                                   f"{run.get('status')}: {_tail(run.get('stderr'))}")
    elif _foreign_and_idle(leg, *[(leg.snap.get("go_on_path") or [{}])[0].get(k)
                                  for k in ("path", "real")]):
        result.add(Verdict.INACTIVE, f"built with {build['runtime_version']} by a go that is "
                                     f"not {leg.manager}'s: not active here")
    elif build["runtime_version"] == f"go{leg.new}":
        result.add(Verdict.PASS, f"hello world built and ran with go{leg.new}")
    elif build["runtime_version"] == f"go{leg.old}":
        result.add(Verdict.LEAK, f"expected a go{leg.new} build, got {build['runtime_version']}")
    elif leg.idle:
        result.add(Verdict.INACTIVE, f"built with {build['runtime_version']}, not {leg.manager}'s")
    else:
        result.add(Verdict.BROKEN, f"expected a go{leg.new} build, got "
                                   f"{build['runtime_version']}")
    return result


CHECK_FUNCS = {
    "goroot": check_goroot,
    "path": check_path,
    "gopath": check_gopath,
    "gobin": check_gobin,
    "gotoolchain": check_gotoolchain,
    "version": check_version,
    "build": check_build,
}


def classify_leg(leg: Leg) -> dict[str, CheckResult]:
    return {name: CHECK_FUNCS[name](leg) for name in CHECKS}


def classify_cell(snapshots: dict[str, dict | None], a: str, b: str, manager: str,
                  managed_dirs: tuple[str, ...] = (),
                  expect: dict[str, str] | None = None,
                  shim_dirs: tuple[str, ...] = ()) -> dict[str, CheckResult]:
    """Verdicts of one cell from its snapshots: ``base`` (A selected), ``after`` (once B was
    selected), ``back`` (once A was selected again) and, in the session, ``again`` (B once
    more). ``expect`` says which version each phase must show in this shell context (a
    session-scoped switch must not reach other shells); by default after and again are B,
    back is A. A snapshot that was due but is missing makes every check ERROR."""
    expect = dict(expect or {"after": b, "back": a, "again": b})
    merged = {name: CheckResult(name) for name in CHECKS}
    previous = "base"
    for label in ("after", "back", "again"):
        if label not in expect or (label == "again" and label not in snapshots):
            continue
        wanted = expect[label]
        old = b if wanted == a else a
        title = _title(label, a, b, wanted)
        snap = snapshots.get(label)
        if snap is None:
            for result in merged.values():
                result.add(Verdict.ERROR, f"{title}: no snapshot was taken (see the step log)")
            continue
        leg = Leg(snap, snapshots.get(previous), old, wanted, manager, tuple(managed_dirs),
                  tuple(shim_dirs))
        for name, result in classify_leg(leg).items():
            merged[name].verdict = worst([merged[name].verdict, result.verdict])
            merged[name].evidence += [f"{title}: {line}" for line in result.evidence]
        previous = label
    for first, last in (("base", "back"), ("after", "again")):
        trip = _round_trip(snapshots.get(first), snapshots.get(last))
        merged["path"].verdict = worst([merged["path"].verdict, trip.verdict])
        merged["path"].evidence += [f"round trip {first}→{last}: {line}"
                                    for line in trip.evidence]
    return merged


def manager_active(snapshots: dict[str, dict | None], manager: str,
                   managed_dirs: tuple[str, ...] = ()) -> bool:
    """Whether the manager was in effect in this shell when the cell began (its first
    snapshot): the regression gate tells a shell the manager stopped reaching from one it
    never reached."""
    base = snapshots.get("base")
    return bool(base) and Leg(base, None, "", "", manager, managed_dirs).active


def _title(label: str, a: str, b: str, wanted: str) -> str:
    if label == "after":
        return f"go{a}→go{b}" if wanted == b else f"go{a}→go{b} elsewhere, here still go{a}"
    if label == "back":
        return f"back to go{a}"
    return f"go{b} again"


def _round_trip(base: dict | None, back: dict | None) -> CheckResult:
    """A→B→A must leave PATH as it found it, entry for entry and in order: an entry more is
    residue of the switch (LEAK); an entry gone, or the same entries in another order, is a
    PATH the switch damaged (BROKEN). Dropping repeats of an entry that is still there, with
    the rest in the same order, changes no lookup order and is reported as such (a manager's
    hook that cleans up a repeated entry of its own)."""
    result = CheckResult("path")
    if not base or not back:
        return result
    before = [e["entry"] for e in base.get("path_entries") or []]
    after = [e["entry"] for e in back.get("path_entries") or []]
    if after == before:
        result.add(Verdict.PASS, "PATH is back to what it was, entry for entry")
        return result
    added = list((Counter(after) - Counter(before)).elements())
    lost = list((Counter(before) - Counter(after)).elements())
    gone = [e for e in dict.fromkeys(lost) if e not in after]
    if added:
        result.add(Verdict.LEAK, f"expected PATH to keep its {len(before)} entries, "
                                 f"got {len(after)} (added {added})")
    if gone:
        result.add(Verdict.BROKEN, f"expected PATH to keep its {len(before)} entries, "
                                   f"got {len(after)} (lost {gone})")
    if added or gone:
        return result
    if lost and _is_subsequence(after, before):
        result.add(Verdict.PASS, f"PATH is back to its entries in their order, less repeats of "
                                 f"{sorted(set(lost))}, which are still on it")
    else:
        result.add(Verdict.BROKEN, "expected PATH back in its order, got the same entries "
                                   f"reordered: {_moved(before, after)}")
    return result


def _is_subsequence(short: list[str], long: list[str]) -> bool:
    rest = iter(long)
    return all(any(entry == other for other in rest) for entry in short)


def _moved(before: list[str], after: list[str], limit: int = 4) -> str:
    """The entries that changed place between two orderings of the same entries, with their
    positions: those outside the longest run of entries that kept their relative order."""
    kept: set[int] = set()
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for block in matcher.get_matching_blocks():
        kept.update(range(block.b, block.b + block.size))
    moved = [f"{entry} ({before.index(entry) + 1}→{i + 1})" for i, entry in enumerate(after)
             if i not in kept]
    return ", ".join(moved[:limit]) + (" …" if len(moved) > limit else "")


def overall(results: dict[str, CheckResult]) -> Verdict:
    return worst(r.verdict for r in results.values())


def _tail(text: str | None, limit: int = 240) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    line = lines[-1] if lines else "no output"
    return line if len(line) <= limit else line[: limit - 1] + "…"
