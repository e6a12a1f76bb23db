"""GOPATH and GOBIN: not the old version's; one shared by every version is SHARED; and the go
install target works (``go install`` writes there and what it wrote runs), whatever its shape
(spaces, another drive)."""

from __future__ import annotations

from ..core.verdicts import CheckResult, Verdict
from .leg import Leg, first_go, foreign_and_idle, tail, version_tag


def _gopath_parts(leg: Leg) -> tuple[str | None, list[str]]:
    go_env = leg.snap.get("go_env")
    if go_env:
        value = go_env.get("GOPATH") or ""
        return "go env GOPATH", [p for p in value.split(":") if p]
    value = (leg.snap.get("vars") or {}).get("GOPATH")
    return ("exported GOPATH", [p for p in value.split(":") if p]) if value else (None, [])


def _real(leg: Leg, path: str) -> str | None:
    return (leg.snap.get("real") or {}).get(path) or (leg.snap.get("would_be") or {}).get(path)


def _classify_dir(leg: Leg, what: str, path: str, result: CheckResult, shared: str,
                  real: str | None = None) -> None:
    """A folder by its real path as well as its spelling (``real``: the probe's, unless
    given; for a folder not made yet, where go would make it): inside a version's root, or
    named for a version, it belongs to that version."""
    real = real or _real(leg, path)
    owner = leg.owner(path, real)

    def tagged(*versions: str) -> bool:
        return any(version_tag(p, v) for p in (path, real) if p for v in versions)

    if owner == leg.old or tagged(leg.old, leg.old_go):
        result.add(Verdict.LEAK, f"expected {what} not to belong to go{leg.old_go}, got {path}")
    elif owner == leg.new or tagged(leg.new, leg.new_go):
        result.add(Verdict.PASS, f"{what} {path} belongs to go{leg.new_go}")
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
        _check_install(leg, result)
        return result
    source, parts = _gopath_parts(leg)
    if not parts:
        result.add(*leg.gone("no GOBIN or GOPATH to read (no working `go env`)"))
        return result
    target = parts[0].rstrip("/") + "/bin"
    first = _real(leg, parts[0])  # the bin folder need not exist yet
    _classify_dir(leg, "the go install target (GOBIN unset)", target, result,
                  "is shared by every Go version", first and first.rstrip("/") + "/bin")
    _check_install(leg, result)
    return result


def _check_install(leg: Leg, result: CheckResult) -> None:
    found = (leg.snap.get("build") or {}).get("install")
    if not found:
        return  # no install was tried: the build failed, or a probe from before it was
    target = found.get("target") or "its target"
    failed = found.get("status") != 0 or found.get("ran") != 0
    if failed and foreign_and_idle(leg, *first_go(leg)) and leg.failed_before("install"):
        result.add(Verdict.INACTIVE, f"`go install` to {target} failed, by a go that is not "
                                     f"{leg.manager}'s, before the switch too: not active "
                                     "here")
    elif found.get("status") != 0:
        result.add(Verdict.BROKEN, f"expected `go install` to write {target}, got exit "
                                   f"{found.get('status')}: {tail(found.get('stderr'))}")
    elif found.get("ran") != 0:
        result.add(Verdict.BROKEN, f"expected the program `go install` wrote to {target} to "
                                   f"run, got exit {found.get('ran')}")
    else:
        result.add(Verdict.PASS, f"`go install` wrote {target}, which ran")
