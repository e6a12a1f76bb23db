"""GOROOT: the exported one and the one `go env` reports are inside the new version's root.

A GOROOT that is one fixed path for every version (a symlink the switch re-points, as g's
``~/.g/go``) names the selected root, yet it is state every version shares by the tool's design:
SHARED, with where it points now, not PASS and not a leak."""

from __future__ import annotations

from ..core.verdicts import CheckResult, Verdict
from .leg import Leg, first_go, foreign_and_idle, tail


def check_goroot(leg: Leg) -> CheckResult:
    result = CheckResult("goroot")
    exported = (leg.snap.get("vars") or {}).get("GOROOT")
    if exported:
        owner = leg.owner(exported)
        if owner == leg.old:
            result.add(Verdict.LEAK, f"expected GOROOT unset or go{leg.new_go}'s root, got "
                                     f"exported GOROOT={exported} (go{leg.old_go}'s root)")
        elif owner == leg.new and not leg.is_goroot(exported):
            result.add(Verdict.BROKEN, _inside(leg, "exported GOROOT", exported))
        elif owner == leg.new and _fixed(leg, exported, ((leg.baseline or {}).get("vars")
                                                          or {}).get("GOROOT")):
            result.add(Verdict.SHARED, _shared(leg, "exported GOROOT", exported))
        elif owner == leg.new:
            result.add(Verdict.PASS, f"exported GOROOT={exported} is go{leg.new_go}'s root")
        else:
            result.add(*leg.foreign(f"exported GOROOT={exported}"))
    go_env = leg.snap.get("go_env")
    if go_env:
        value = go_env.get("GOROOT", "")
        owner = leg.owner(value)
        if owner == leg.old:
            result.add(Verdict.LEAK, f"expected `go env GOROOT` in go{leg.new_go}'s root "
                                     f"{leg.root_of(leg.new)}, got {value} "
                                     f"(go{leg.old_go})")
        elif owner == leg.new and not leg.is_goroot(value):
            result.add(Verdict.BROKEN, _inside(leg, "`go env GOROOT`", value))
        elif owner == leg.new and _fixed(leg, value, ((leg.baseline or {}).get("go_env")
                                                       or {}).get("GOROOT")):
            result.add(Verdict.SHARED, _shared(leg, "`go env GOROOT`", value))
        elif owner == leg.new:
            result.add(Verdict.PASS, f"`go env GOROOT` is {value}, go{leg.new_go}'s root")
        else:
            result.add(*leg.foreign(f"`go env GOROOT` {value}"))
    elif (leg.snap.get("go") and foreign_and_idle(leg, *first_go(leg))
          and leg.failed_before("go env")):
        result.add(Verdict.INACTIVE, f"`go env` of {leg.snap['go']}, a go that is not "
                                     f"{leg.manager}'s, failed before the switch too: not "
                                     "active here")
    elif leg.snap.get("go"):
        result.add(Verdict.BROKEN, f"expected `go env` to work, got: "
                                   f"{tail(leg.snap.get('go_env_error'))}")
    else:
        result.add(*leg.gone("no go on PATH"))
    return result


def _fixed(leg: Leg, value: str, before: str | None) -> bool:
    """The same path before and after the switch, resolving elsewhere: one path for every
    version, re-pointed by the switch."""
    real = (leg.snap.get("real") or {}).get(value)
    return bool(value) and value == before and bool(real) and real.rstrip("/") != value.rstrip("/")


def _inside(leg: Leg, what: str, value: str) -> str:
    return (f"expected {what} to be go{leg.new_go}'s GOROOT {leg.root_of(leg.new)}, got "
            f"{value}, a folder inside its install that is not a GOROOT")


def _shared(leg: Leg, what: str, value: str) -> str:
    real = (leg.snap.get("real") or {}).get(value)
    return (f"{what} {value} is one path every version shares by design (a symlink the switch "
            f"re-points, now to {real}, go{leg.new_go}'s root): shared, not a leak")
