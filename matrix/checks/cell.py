"""A cell's verdicts: every check of every leg (the switch, the way back, the session's switch
again), merged per check, with the round trips of PATH."""

from __future__ import annotations

from ..core.verdicts import CHECKS, CheckResult, Verdict, worst
from .dirs import check_gobin, check_gopath
from .goroot import check_goroot
from .leg import Leg
from .path import check_path, round_trip
from .toolchain import check_gotoolchain
from .version import check_build, check_version

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
    return {name: CHECK_FUNCS[name](leg) for name in CHECKS if name in CHECK_FUNCS}


def classify_cell(snapshots: dict[str, dict | None], a: str, b: str, manager: str,
                  managed_dirs: tuple[str, ...] = (),
                  expect: dict[str, str] | None = None,
                  shim_dirs: tuple[str, ...] = (),
                  version_dirs: dict[str, list[str]] | None = None) -> dict[str, CheckResult]:
    """Verdicts of one cell from its snapshots: ``base`` (A selected), ``after`` (once B was
    selected), ``back`` (once A was selected again) and, in the session, ``again`` (B once
    more). ``expect`` says which version each phase must show in this shell context (a
    session-scoped switch must not reach other shells); by default after and again are B,
    back is A. A snapshot that was due but is missing (None), or that cannot be judged
    (``_unusable``), makes every check ERROR: the base always, ``again`` when ``snapshots`` names
    it (the session's, ``RunResult.for_shell``), the others when ``expect`` names them."""
    expect = dict(expect or {"after": b, "back": a, "again": b})
    merged = {name: CheckResult(name) for name in CHECKS if name in CHECK_FUNCS}
    unusable = _unusable(snapshots.get("base"))
    if unusable:
        for result in merged.values():
            result.add(Verdict.ERROR, f"go{a} at the start: {unusable}, so nothing after it "
                                      "can be told from what was there before (see the step "
                                      "log)")
    previous = "base"
    for label in ("after", "back", "again"):
        if label not in expect or (label == "again" and label not in snapshots):
            continue
        wanted = expect[label]
        old = b if wanted == a else a
        title = _title(label, a, b, wanted)
        snap = snapshots.get(label)
        unusable = _unusable(snap)
        if unusable:
            for result in merged.values():
                result.add(Verdict.ERROR, f"{title}: {unusable} (see the step log)")
            continue
        leg = Leg(snap, snapshots.get(previous), old, wanted, manager, tuple(managed_dirs),
                  tuple(shim_dirs), dict(version_dirs or {}))
        for name, result in classify_leg(leg).items():
            merged[name].verdict = worst([merged[name].verdict, result.verdict])
            merged[name].evidence += [f"{title}: {line}" for line in result.evidence]
        previous = label
    for first, last in (("base", "back"), ("after", "again")):
        start = snapshots.get(first)
        owner = Leg(start, None, "", "", manager, tuple(managed_dirs), tuple(shim_dirs),
                    dict(version_dirs or {})).owner if start else None
        trip = round_trip(start, snapshots.get(last), owner)
        merged["path"].verdict = worst([merged["path"].verdict, trip.verdict])
        merged["path"].evidence += [f"round trip {first}→{last}: {line}"
                                    for line in trip.evidence]
    return merged


def _unusable(snap: dict | None) -> str | None:
    """Why a snapshot that was due cannot be judged, if it cannot: none was taken; its probe
    could not read the install roots, without which no path can be told to belong to a
    version (every check would read the manager as absent); or a command of the probe ran
    out of time, so that what it would have given is unknown."""
    if snap is None:
        return "no snapshot was taken"
    if snap.get("roots_error"):
        return f"the probe could not read the install roots ({snap['roots_error'][:200]})"
    if snap.get("timed_out"):
        return f"the probe gave up on `{snap['timed_out'][0][:200]}` after its time ran out"
    return None


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


def overall(results: dict[str, CheckResult]) -> Verdict:
    return worst(r.verdict for r in results.values())
