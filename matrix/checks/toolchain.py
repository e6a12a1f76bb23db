"""GOTOOLCHAIN: the effective setting (environment over GOENV file over go.env) does not force
the old version; GOFLAGS in the GOENV file is shared by every version."""

from __future__ import annotations

import re

from ..core.verdicts import CheckResult, Verdict
from .leg import VERSION_RE, Leg

TOOLCHAIN_KEYWORDS = {"", "auto", "local", "path", "local+auto", "local+path"}


def _toolchain_settings(leg: Leg) -> list[tuple[str, str]]:
    """Where GOTOOLCHAIN is set, in the order go reads them (cmd/go's cfg.Getenv): the
    environment wins over the GOENV file when it is not empty (an exported empty value is as
    good as none), the file's last line for the name wins over its earlier ones, and the file
    wins over the go.env default (reported by `go env`)."""
    found = []
    exported = (leg.snap.get("vars") or {}).get("GOTOOLCHAIN")
    if exported:
        found.append(("exported GOTOOLCHAIN", exported))
    content = (leg.snap.get("goenv_file") or {}).get("content") or ""
    path = (leg.snap.get("goenv_file") or {}).get("path")
    lines = [line for line in content.splitlines() if line.startswith("GOTOOLCHAIN=")]
    for n, line in enumerate(reversed(lines)):
        where = f"GOTOOLCHAIN in the GOENV file {path}"
        found.append((where if not n else f"an earlier line of {where}", line.split("=", 1)[1]))
    go_env = leg.snap.get("go_env")
    if not found and go_env and "GOTOOLCHAIN" in go_env:
        found.append(("go env GOTOOLCHAIN", go_env["GOTOOLCHAIN"]))
    return found


def running_version(leg: Leg) -> str | None:
    match = VERSION_RE.search((leg.snap.get("shell_go") or {}).get("version_output") or "")
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
    running = running_version(leg)
    if not leg.snap.get("go") and leg.idle:
        where, value = settings[0]
        result.add(*leg.gone(f"{where}={value}, which no go runs here to read"))
        return result
    for rank, (where, value) in enumerate(settings):
        match = re.match(r"go(\d+\.\d+(?:\.\d+|rc\d+)?)", value)
        if rank:
            result.add(Verdict.PASS, f"{where}={value} is overridden by the "
                                     f"{settings[0][0]}")
        elif value in TOOLCHAIN_KEYWORDS or not match:
            result.add(Verdict.PASS, f"{where}={value!r} does not force a version")
        elif match.group(1) == leg.new_go:
            result.add(Verdict.PASS, f"{where}={value} names go{leg.new_go}")
        elif running == leg.new_go:
            result.add(Verdict.PASS, f"{where}={value}, yet go{leg.new_go} runs here (a go.mod "
                                     "toolchain line upgrades it)")
        elif match.group(1) == leg.old_go:
            result.add(Verdict.LEAK, f"expected no GOTOOLCHAIN forcing go{leg.old_go}, got "
                                     f"{where}={value}")
        else:
            result.add(Verdict.BROKEN, f"expected go{leg.new_go}, got {where}={value}")
    for line in ((leg.snap.get("goenv_file") or {}).get("content") or "").splitlines():
        if line.startswith("GOFLAGS="):
            result.add(Verdict.SHARED, f"{line} in the GOENV file applies to every Go version")
    return result
