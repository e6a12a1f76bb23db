"""The answer first: one row per manager, one short measured answer per question people ask.

The questions are the columns of the comparison tables published about Go version managers
(GOROOT isolation, PATH pollution, GOPATH, GOBIN, switch atomicity, shell injection, works in
scripts). Each answer is computed from the cells of the manager's clean scenario (a machine with
nothing left over from earlier installs; pollution is the machine's, not the manager's), per
*context*: a shell context after a switch in one scope ("bash -i inside a pinned directory").
Cells where the manager is not active are counted apart, never as isolated. Each answer carries
a ``value`` from a small vocabulary (what a claim can name, see ``claims``), a one-line
``text`` and the ``cells`` behind it, worst first, so every answer links to its evidence.

Two columns are about machines, not managers, and are answered per platform from their own
pollution scenarios: a GOPATH with spaces (``gopath-spaces``) and, on WSL2, a GOPATH on the
Windows drive (``gopath-windows-drive``).
"""

from __future__ import annotations

from collections import defaultdict

from ..core.verdicts import Verdict, verdict_of, worst

COLUMNS = {
    "goroot": "GOROOT isolation",
    "path": "PATH pollution",
    "gopath": "GOPATH",
    "gobin": "GOBIN",
    "atomic": "switch atomicity",
    "injection": "shell injection",
    "scripts": "works in scripts",
}
#: what a claim may say for each column, and what the measured answer can be
VALUES = {
    "goroot": ("isolated", "leaks"),
    "path": ("clean", "residue", "damaged"),
    "gopath": ("per-version", "shared", "leaks"),
    "gobin": ("per-version", "shared", "leaks"),
    "atomic": ("atomic", "not-atomic"),
    "injection": ("none", "injected"),
    "scripts": ("works", "fails"),
    "gopath-spaces": ("works", "fails"),
    "gopath-windows-drive": ("works", "fails"),
}
MACHINE_COLUMNS = {"gopath-spaces": "a GOPATH with spaces",
                   "gopath-windows-drive": "a GOPATH on the Windows drive (WSL2)"}

SHELL_WORDS = {
    "bash-login": "`bash -l`", "bash-interactive": "`bash -i`", "zsh-login": "`zsh -l`",
    "sh": "`sh -c`", "script": "a script", "session": "the shell that switched",
    "other-session": "another open shell",
}
SCOPE_WORDS = {"global": "after a global switch", "session": "after a switch in one shell",
               "directory": "inside a pinned directory"}
_BAD = (Verdict.LEAK.value, Verdict.BROKEN.value, Verdict.ERROR.value)
_OFF = Verdict.INACTIVE.value
_ERROR = Verdict.ERROR.value
#: check verdicts that say nothing was measured: a cell that was not run carries them on
#: every check (with the reason), and so does a scope the manager does not have
_NOT_RUN = (Verdict.SKIPPED.value, Verdict.UNSUPPORTED.value)


def context_words(shell: str, scope: str) -> str:
    return f"{SHELL_WORDS.get(shell, shell)} {SCOPE_WORDS.get(scope, scope)}"


def _ran(cells: list[dict]) -> list[dict]:
    """The cells with something measured: at least one check decided (not SKIPPED, not
    UNSUPPORTED, not ERROR). A SKIPPED, UNSUPPORTED or failed cell has every check filled with
    its own verdict; it answers nothing, least of all "isolated"."""
    return [c for c in cells
            if any(r.get("verdict") not in (*_NOT_RUN, _ERROR)
                   for r in (c.get("checks") or {}).values())]


def _first_bad_line(cell: dict, check: str) -> str:
    for line in (cell.get("checks") or {}).get(check, {}).get("evidence") or []:
        if verdict_of(line) in _BAD:
            return line
    return ""


def _by_context(cells: list[dict], check: str) -> dict[tuple[str, str], list[dict]]:
    found: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for cell in cells:
        if (cell.get("checks") or {}).get(check, {}).get("verdict") not in (None, *_NOT_RUN):
            found[(cell["shell"], cell["scope"])].append(cell)
    return found


def _check_answer(cells: list[dict], check: str, words: dict[str, str]) -> dict:
    """One check over contexts: how many contexts are clean, which are not (with a cell)."""
    contexts = _by_context(cells, check)
    if not contexts:  # no cell has the check (doctor --switch does not measure atomic)
        return {"value": None, "text": "not measured", "cells": [], "contexts": 0}
    active, bad, inactive = 0, [], 0
    verdicts: list[str] = []
    for (shell, scope), members in contexts.items():
        seen = [c["checks"][check]["verdict"] for c in members]
        live = [v for v in seen if v != _OFF]
        if not live:
            inactive += 1
            continue
        active += 1
        verdicts += live
        here = worst(live).value
        if here in _BAD:
            cell = next(c for c in members if c["checks"][check]["verdict"] == here)
            bad.append({"context": context_words(shell, scope), "verdict": here,
                        "cell": cell["id"], "evidence": _first_bad_line(cell, check)})
    bad.sort(key=lambda b: _BAD.index(b["verdict"]))
    if not active:
        return {"value": None, "text": f"not active in any context ({inactive} tried)",
                "cells": [], "contexts": 0}
    shared = Verdict.SHARED.value in verdicts and "shared_text" in words
    if Verdict.LEAK.value in verdicts:
        value = words["leak"]
    elif Verdict.BROKEN.value in verdicts:
        value = words.get("broken", words["leak"])
    elif _ERROR in verdicts:
        value = None  # a context the harness could not decide: no answer either way
    elif shared:
        value = words.get("shared", words["ok"])
    else:
        value = words["ok"]
    good = active - len(bad)
    text = (f"{words['ok_text']} in every context ({active})" if not bad else
            f"{words['ok_text']} in {good} of {active} contexts; "
            + "; ".join(f"{b['verdict']} in {b['context']}" for b in bad[:2])
            + (f"; +{len(bad) - 2} more" if len(bad) > 2 else ""))
    if shared and not bad:
        text = words["shared_text"] + f" ({active} contexts)"
    if inactive:
        text += f"; not active in {inactive}"
    return {"value": value, "text": text, "cells": [b["cell"] for b in bad],
            "contexts": active, "bad": bad}


_WORDS = {
    "goroot": {"ok": "isolated", "leak": "leaks", "ok_text": "isolated",
               "shared": "isolated", "shared_text": "one GOROOT path every version shares, "
                                                    "always the selected one"},
    "path": {"ok": "clean", "leak": "residue", "broken": "damaged", "ok_text": "clean"},
    "gopath": {"ok": "per-version", "leak": "leaks", "shared": "shared",
               "ok_text": "the new version's", "shared_text": "one GOPATH for every version"},
    "gobin": {"ok": "per-version", "leak": "leaks", "shared": "shared",
              "ok_text": "the new version's", "shared_text": "one install target for every "
                                                         "version"},
    "atomic": {"ok": "atomic", "leak": "not-atomic", "broken": "not-atomic", "ok_text": "atomic"},
}


def _atomic_answer(cells: list[dict]) -> dict:
    """Atomicity is one mechanism per scope: say what it does (the window, or none) and how
    many observations saw what, not only how many contexts."""
    answer = _check_answer(cells, "atomic", _WORDS["atomic"])
    if answer["value"] == "atomic":
        line = next((ln for c in cells if c["scope"] != "session"
                     for ln in (c.get("checks") or {}).get("atomic", {}).get("evidence") or []
                     if ln.startswith("PASS: atomic: ")), "")
        how = line.split("atomic: ", 1)[-1].split(";")[0]
        if how:
            answer["text"] = f"atomic: {how} ({answer['contexts']} contexts)"
    elif answer.get("bad"):
        first = answer["bad"][0]["evidence"]
        window = first.split(", got ", 1)[-1].split(" (this shell reads")[0]
        answer["text"] = (f"not atomic: {window}; in {len(answer['bad'])} of "
                          f"{answer['contexts']} contexts")
    return answer


def _injection_answer(cells: list[dict]) -> dict:
    functions: dict[str, set[str]] = defaultdict(set)
    hooks: dict[str, set[str]] = defaultdict(set)
    aliases: set[str] = set()
    variables: set[str] = set()
    measured = [c for c in cells if isinstance(c.get("injected"), dict) and c.get("active")]
    lost: dict[str, set[str]] = defaultdict(set)  # PATH entry -> platforms
    lost_cell = None
    for cell in measured:
        found = cell["injected"]
        for entry in found.get("path_lost") or []:
            lost[entry].add(cell["platform"])
            lost_cell = lost_cell or cell["id"]
        for name in found.get("functions") or []:
            functions[name].add(cell["shell"])
        for name in found.get("hooks") or {}:
            hooks[name].add(cell["shell"])
        aliases.update(found.get("aliases") or [])
        variables.update(found.get("variables") or [])
    if not measured:
        return {"value": None, "text": "not measured (no active shell with a baseline)",
                "cells": []}
    public = sorted(f for f in functions if not f.startswith("_"))
    helpers = len(functions) - len(public)
    parts = []
    if public or helpers:
        parts.append("functions " + ", ".join(f"`{f}`" for f in public[:6])
                     + (f" (+{helpers} helpers)" if helpers else ""))
    if hooks:
        parts.append("hooks " + ", ".join(f"`{h}`" for h in sorted(hooks)))
    if aliases:
        parts.append("aliases " + ", ".join(f"`{a}`" for a in sorted(aliases)[:4]))
    if variables:
        parts.append("variables " + ", ".join(f"`{v}`" for v in sorted(variables)[:5])
                     + (" …" if len(variables) > 5 else ""))
    value = "injected" if (functions or hooks or aliases) else "none"
    text = "; ".join(parts) if parts else "nothing (no function, hook, alias or variable)"
    if lost:  # activation itself took entries off PATH (gvm splitting one with a space)
        text += "; activation loses PATH " + ", ".join(
            f"`{entry}` ({', '.join(sorted(where))})" for entry, where in sorted(lost.items()))
    example = next((c["id"] for c in measured if (c["injected"].get("functions")
                                                  or c["injected"].get("hooks"))), None)
    cells_out = [c for c in (lost_cell, example) if c]
    return {"value": value, "text": text, "cells": list(dict.fromkeys(cells_out)),
            "path_lost": sorted(lost),
            "functions": sorted(functions), "hooks": sorted(hooks), "aliases": sorted(aliases),
            "variables": sorted(variables)}


def _without_atomic(cell: dict) -> str:
    """The cell's verdict over its checks other than ``atomic``."""
    checks = {k: r for k, r in (cell.get("checks") or {}).items() if k != "atomic"}
    return worst(r["verdict"] for r in checks.values()).value if checks else cell["verdict"]


def _scripts_answer(cells: list[dict], refused: list[dict] = ()) -> dict:
    """``cells``: the cells that ran; ``refused``: script cells UNSUPPORTED where the rest of
    their group ran (the manager refusing the switch in a script, not a scope it lacks)."""
    script = [c for c in cells if c["shell"] == "script"]
    refused_scopes = sorted({c["scope"] for c in refused})
    if not script and not refused_scopes:
        return {"value": None, "text": "no script context in this run", "cells": []}
    by_scope: dict[str, list[dict]] = defaultdict(list)
    for cell in script:
        by_scope[cell["scope"]].append(cell)
    bad, good, undecided = [], [], []
    for scope, members in by_scope.items():
        # whether the switch works in a script: every check but atomicity, which has its own
        # column (a switch that rewrites a file in place is no less usable from a script)
        verdict = {c["id"]: _without_atomic(c) for c in members}
        decided = [v for v in verdict.values() if v != _ERROR]
        if not decided:
            undecided.append(scope)
            continue
        here = worst(decided).value
        if here in _BAD or here == _OFF:
            cell = next(c for c in members if verdict[c["id"]] == here)
            line = next((ln for name, res in cell["checks"].items() if name != "atomic"
                         for ln in res["evidence"] if verdict_of(ln) == here), "")
            bad.append({"scope": scope, "verdict": here, "cell": cell["id"], "evidence": line})
        else:
            good.append(scope)
    value = "fails" if bad else ("works" if good else None)
    text = (f"works ({', '.join(good)})" if not bad else
            "; ".join(f"{b['verdict']} {SCOPE_WORDS.get(b['scope'], b['scope'])}" for b in bad)
            + (f"; works {', '.join(good)}" if good else ""))
    if undecided:
        text = ((text + "; " if good or bad else "")
                + f"ERROR (undecided) {', '.join(undecided)}")
    if refused_scopes:
        text = ((text + "; " if good or bad or undecided else "")
                + f"the manager refuses the switch in a script ({', '.join(refused_scopes)})")
        value = "fails"  # a switch people do in a script does not work there
    cells_out = [b["cell"] for b in bad] + [c["id"] for c in refused][:1]
    return {"value": value, "text": text, "cells": cells_out, "bad": bad}


def _not_run(cells: list[dict]) -> dict:
    counts: dict[str, int] = defaultdict(int)
    for cell in cells:
        counts[cell["verdict"]] += 1
    # most common first, a missing artifact (SKIPPED) before a scope the manager lacks: the
    # reason given is the first one's
    order = sorted(counts, key=lambda v: (-counts[v], v != Verdict.SKIPPED.value, v))
    reason = next((c.get("error") for c in cells if c.get("error") and c["verdict"] == order[0]),
                  "") if order else ""
    reason = reason or ""
    words = ", ".join(f"{counts[v]} {v}" for v in order)
    return {"value": None, "text": f"not run ({words})" + (f": {reason[:400]}" if reason
                                                            else ""), "cells": []}


def manager_answers(cells: list[dict]) -> dict:
    """The answers for one manager's cells."""
    if not _ran(cells):
        missing = _not_run(cells)
        return {"scenario": None, "columns": {col: dict(missing) for col in COLUMNS}}
    # every cell that was run, the undecided (ERROR) ones too: a context that could not be
    # decided must not vanish from the count behind "in every context"
    ran = [c for c in cells if any(r.get("verdict") not in _NOT_RUN
                                   for r in (c.get("checks") or {}).values())]
    clean = [c for c in ran if not c.get("pollution")]
    basis = clean or ran
    columns = {name: _check_answer(basis, name, _WORDS[name])
               for name in ("goroot", "path", "gopath", "gobin")}
    columns["atomic"] = _atomic_answer(basis)
    columns["injection"] = _injection_answer(basis)
    groups_ran = {c["group"] for c in ran}
    refused = [c for c in cells if c["shell"] == "script"
               and c["verdict"] == Verdict.UNSUPPORTED.value and c["group"] in groups_ran
               and (not c.get("pollution")) == bool(clean)]
    columns["scripts"] = _scripts_answer(basis, refused)
    return {"scenario": "clean" if clean else "every scenario run", "columns": columns}


def _shape_answer(cells: list[dict], marker: str) -> dict:
    """Does a GOPATH of this shape work: the go install target and the build, in the cells
    where that GOPATH is the one in effect."""
    used, bad = [], []
    for cell in _ran(cells):
        after = (cell.get("snapshots") or {}).get("after") or {}
        gopath = ((after.get("go_env") or {}).get("GOPATH")
                  or (after.get("vars") or {}).get("GOPATH") or "")
        if marker not in gopath:
            continue
        used.append(cell)
        for check in ("gobin", "build"):
            line = _first_bad_line(cell, check)
            if (cell.get("checks") or {}).get(check, {}).get("verdict") == "BROKEN" and line:
                bad.append({"cell": cell["id"], "evidence": line})
                break
    if not used:
        return {"value": None, "text": "no cell ran with that GOPATH in effect", "cells": []}
    text = (f"works: `go install` and the build succeed in {len(used)} of {len(used)} cells "
            f"with it in effect" if not bad else
            f"fails in {len(bad)} of {len(used)} cells: {bad[0]['evidence'][:160]}")
    return {"value": "fails" if bad else "works", "text": text,
            "cells": [b["cell"] for b in bad] or [used[0]["id"]], "used": len(used)}


def machine_answers(cells: list[dict]) -> dict[str, dict[str, dict]]:
    """platform -> column -> answer, for the GOPATH shapes."""
    markers = {"gopath-spaces": "Go Projects", "gopath-windows-drive": "/mnt/c/"}
    found: dict[str, dict[str, dict]] = {}
    for column, marker in markers.items():
        by_platform: dict[str, list[dict]] = defaultdict(list)
        for cell in cells:
            if column in (cell.get("pollution") or []):
                by_platform[cell["platform"]].append(cell)
        for platform, members in by_platform.items():
            found.setdefault(platform, {})[column] = _shape_answer(members, marker)
    return found


def build_answers(cells: list[dict]) -> dict:
    """``{"columns", "managers": {name: {scenario, columns}}, "machines": {platform: …}}``."""
    by_manager: dict[str, list[dict]] = defaultdict(list)
    for cell in cells:
        by_manager[cell["manager"]].append(cell)
    return {"columns": dict(COLUMNS), "machine_columns": dict(MACHINE_COLUMNS),
            "managers": {name: manager_answers(members)
                         for name, members in by_manager.items()},
            "machines": machine_answers(cells)}
