"""The version that runs: `go version` in the shell, runtime.Version() of a fresh build, and
whether the build works at all."""

from __future__ import annotations

from ..core.verdicts import CheckResult, Verdict
from .leg import VERSION_RE, Leg, first_go, foreign_and_idle, release, tail


def _classify_version_output(leg: Leg, what: str, status: int, output: str,
                             result: CheckResult, origin: tuple = (None, None)) -> None:
    match = VERSION_RE.search(output or "")
    if match and foreign_and_idle(leg, *origin):
        result.add(Verdict.INACTIVE, f"{what} is go{match.group(1)} from {origin[0]}, not "
                                     f"from {leg.manager}: not active here")
    elif status == 0 and match and match.group(1) == leg.new_go:
        result.add(Verdict.PASS, f"{what}: go{leg.new_go}")
    elif match and match.group(1) == leg.old_go:
        result.add(Verdict.LEAK, f"expected {what} go{leg.new_go}, got go{leg.old_go}")
    elif status in (126, 127) and not match:
        result.add(*leg.gone(f"{what}: {tail(output)}"))
    elif match and leg.idle:
        result.add(Verdict.INACTIVE, f"{what} is go{match.group(1)}, not from {leg.manager}: "
                                     "not active here")
    else:
        result.add(Verdict.BROKEN, f"expected {what} go{leg.new_go}, got: {tail(output)}")


def check_version(leg: Leg) -> CheckResult:
    result = CheckResult("version")
    shell_go = leg.snap.get("shell_go") or {}
    _classify_version_output(leg, "`go version` in the shell", shell_go.get("status", 127),
                             shell_go.get("version_output", ""), result,
                             (shell_go.get("command"), shell_go.get("real")))
    built = (leg.snap.get("build") or {}).get("runtime_version")
    if built:
        owner = {f"go{leg.new_go}": leg.new, f"go{leg.old_go}": leg.old}.get(release(built))
        if foreign_and_idle(leg, *first_go(leg)):
            result.add(Verdict.INACTIVE, f"runtime.Version() is {built}, built by "
                                         f"{first_go(leg)[0]}, not {leg.manager}'s")
        elif owner == leg.new:
            result.add(Verdict.PASS, f"runtime.Version() of a fresh build: {built}")
        elif owner == leg.old:
            result.add(Verdict.LEAK, f"expected runtime.Version() go{leg.new_go}, got {built}")
        elif leg.idle:
            result.add(Verdict.INACTIVE, f"runtime.Version() is {built}, not from "
                                         f"{leg.manager}: not active here")
        else:
            result.add(Verdict.BROKEN, f"expected runtime.Version() go{leg.new_go}, got {built}")
    return result


def _built(build: dict) -> bool:
    return build.get("status") == 0 and build.get("runtime_version") is not None


def check_build(leg: Leg) -> CheckResult:
    result = CheckResult("build")
    build = leg.snap.get("build")
    if not build:
        result.add(*leg.gone("no go on PATH to build with"))
    elif foreign_and_idle(leg, *first_go(leg)) and (
            _built(build) or leg.failed_before("build")):
        # a go from outside every install root in a shell the manager never reached says
        # nothing about the switch, unless the switch broke it
        done = (f"built with {build['runtime_version']}" if _built(build)
                else "the build failed before the switch too,")
        result.add(Verdict.INACTIVE, f"{done} by a go that is not {leg.manager}'s: not "
                                     "active here")
    elif build.get("status") != 0:
        result.add(Verdict.BROKEN, f"expected `go build` to succeed, got exit {build.get('status')}"
                                   f": {tail(build.get('stderr') or build.get('stdout'))}")
    elif build.get("runtime_version") is None:
        run = build.get("run") or {}
        result.add(Verdict.BROKEN, f"expected the built program to run, got exit "
                                   f"{run.get('status')}: {tail(run.get('stderr'))}")
    elif release(build["runtime_version"]) == f"go{leg.new_go}":
        result.add(Verdict.PASS, f"hello world built and ran with go{leg.new_go}")
    elif release(build["runtime_version"]) == f"go{leg.old_go}":
        result.add(Verdict.LEAK, f"expected a go{leg.new_go} build, got {build['runtime_version']}")
    elif leg.idle:
        result.add(Verdict.INACTIVE, f"built with {build['runtime_version']}, not {leg.manager}'s")
    else:
        result.add(Verdict.BROKEN, f"expected a go{leg.new_go} build, got "
                                   f"{build['runtime_version']}")
    return result
