"""PATH: no entry of the old root, the new go first and run by the shell, no repeats, the user's
entries kept byte for byte and in order, and PATH as it was after each round trip."""

from __future__ import annotations

import difflib
import os
from collections import Counter

from ..core.verdicts import CheckResult, Verdict
from .leg import Leg


def check_path(leg: Leg) -> CheckResult:
    result = CheckResult("path")
    entries = leg.snap.get("path_entries") or []
    for e in entries:
        if leg.owner(e["entry"], e.get("real"), on_path=True) == leg.old:
            result.add(Verdict.LEAK, f"expected no PATH entry in go{leg.old_go}'s root, got "
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
            result.add(Verdict.PASS, f"first go on PATH is {first['path']} (go{leg.new_go})")
        elif owner == leg.old:
            result.add(Verdict.LEAK, f"expected the first go on PATH in go{leg.new_go}'s root, got "
                                     f"{first['path']} (→ {first.get('real')}, go{leg.old_go})")
        else:
            result.add(*leg.foreign(f"first go on PATH {first['path']} (→ {first.get('real')})"))
    else:
        result.add(*leg.gone("no go on PATH"))
    shell_go = leg.snap.get("shell_go") or {}
    if shell_go.get("real") and gos and shell_go["real"] != gos[0].get("real"):
        if leg.owner(shell_go.get("command"), shell_go["real"], on_path=True) == leg.old:
            result.add(Verdict.LEAK, f"expected the shell to run {gos[0]['path']}, got "
                                     f"{shell_go['command']} (go{leg.old_go}, remembered by "
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


def round_trip(base: dict | None, back: dict | None, owner=None) -> CheckResult:
    """A→B→A must leave PATH as it found it, folder for folder and in order, each entry taken
    by its real path (an entry spelled another way that leads to the same folder, as
    SDKMAN's `sdk use` writes ``…/go/<version>/bin`` for ``…/go/current/bin``, is the same
    entry; a folder that does not exist is taken by its spelling): an entry more is residue
    of the switch (LEAK); an entry gone, or the same entries in another order, is a PATH the
    switch damaged (BROKEN). A Go version's own entry that is gone (``owner(entry, real)``
    names its version) while another version's entry came in its place is the switch not
    undone, LEAK like the rest of that leg, not damage. Dropping repeats of an entry that is
    still there, with the rest in the same order, changes no lookup order and is reported as
    such (a manager's hook that cleans up a repeated entry of its own)."""
    result = CheckResult("path")
    if not base or not back:
        return result
    base_entries = base.get("path_entries") or []
    back_entries = back.get("path_entries") or []
    if [e["entry"] for e in back_entries] == [e["entry"] for e in base_entries]:
        result.add(Verdict.PASS, "PATH is back to what it was, entry for entry")
        return result
    # by real path; each folder named, and its real path kept, as the snapshot that has it
    # wrote it (the one after the round trip for what came, the one before for what went)
    names: dict[str, str] = {}
    reals: dict[str, str | None] = {}
    for e in back_entries + base_entries:
        names.setdefault(_place(e), e["entry"])
        reals.setdefault(_place(e), e.get("real"))
    before = [_place(e) for e in base_entries]
    after = [_place(e) for e in back_entries]
    if after == before:
        respelled = [f"{b['entry']} for {a['entry']}"
                     for a, b in zip(base_entries, back_entries, strict=True)
                     if a["entry"] != b["entry"]]
        result.add(Verdict.PASS, "PATH is back to the same folders in the same order, "
                                 f"{len(respelled)} spelled another way: {respelled}")
        return result
    added = list((Counter(after) - Counter(before)).elements())
    lost = list((Counter(before) - Counter(after)).elements())
    gone = [e for e in dict.fromkeys(lost) if e not in after]
    versions = {e: owner(names[e], reals[e]) for e in gone + added} if owner else {}
    came = {versions[e] for e in added if versions.get(e)}
    undone = [e for e in gone if versions.get(e) and came - {versions[e]}]
    gone = [e for e in gone if e not in undone]
    if added:
        result.add(Verdict.LEAK, f"expected PATH to keep its {len(before)} entries, "
                                 f"got {len(after)} (added {[names[e] for e in added]})")
    if undone:
        listed = ", ".join(f"go{v}" for v in dict.fromkeys(versions[e] for e in undone))
        result.add(Verdict.LEAK, f"expected {listed}'s own PATH entries back, got them "
                                 f"missing: {[names[e] for e in undone]}")
    if gone:
        result.add(Verdict.BROKEN, f"expected PATH to keep its {len(before)} entries, "
                                   f"got {len(after)} (lost {[names[e] for e in gone]})")
    if added or gone or undone:
        return result
    if lost and _is_subsequence(after, before):
        result.add(Verdict.PASS, f"PATH is back to its entries in their order, less repeats of "
                                 f"{sorted({names[e] for e in lost})}, which are still on it")
    else:
        moved = _moved([names[e] for e in before], [names[e] for e in after])
        result.add(Verdict.BROKEN, "expected PATH back in its order, got the same entries "
                                   f"reordered: {moved}")
    return result


def _place(entry: dict) -> str:
    """A PATH entry's folder: its real path, or where it does not exist, its spelling."""
    return entry.get("real") or os.path.normpath(entry["entry"])


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
