"""GOROOT: the exported one and the one `go env` reports are inside the new version's root."""

from __future__ import annotations

from ..core.verdicts import CheckResult, Verdict
from .leg import Leg, tail


def check_goroot(leg: Leg) -> CheckResult:
    result = CheckResult("goroot")
    exported = (leg.snap.get("vars") or {}).get("GOROOT")
    if exported:
        owner = leg.owner(exported)
        if owner == leg.old:
            result.add(Verdict.LEAK, f"expected GOROOT unset or go{leg.new_go}'s root, got "
                                     f"exported GOROOT={exported} (go{leg.old_go}'s root)")
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
        elif owner == leg.new:
            result.add(Verdict.PASS, f"`go env GOROOT` is {value}, go{leg.new_go}'s root")
        else:
            result.add(*leg.foreign(f"`go env GOROOT` {value}"))
    elif leg.snap.get("go"):
        result.add(Verdict.BROKEN, f"expected `go env` to work, got: "
                                   f"{tail(leg.snap.get('go_env_error'))}")
    else:
        result.add(*leg.gone("no go on PATH"))
    return result
