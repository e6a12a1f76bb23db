"""Switch atomicity: does work running while a switch happens ever see no toolchain, or a torn
one?

Decided from the mechanism, not from luck. The switch runs once under ``strace``; every file
operation that leaves a moment in which a path is missing (removed, then created again) or
incomplete (truncated or created in place, then written) is a window. A window matters when a
shell of this context reads that path, or a path under it, to find its go: each context's own
lookup (``go version``, ``go env GOROOT``) is traced once too. A rename over the old path, or
touching nothing the lookup reads, is atomic. A second shell observing in a loop while the
switch is repeated back and forth gives the counts as evidence; an observation that failed or
mixed the two versions is a fact the verdict also takes.
"""

from __future__ import annotations

import os
import re

from ..core.verdicts import CheckResult, Verdict

_LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>\w+)\((?P<args>.*)\)\s+=\s+(?P<ret>-?\d+|\?)")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
_FD_PATH = re.compile(r"^\d+<(?P<path>[^>]*)>")
_CREATE = {"symlink", "symlinkat", "link", "linkat", "mkdir", "mkdirat", "creat", "mknod",
           "mknodat"}
_REMOVE = {"unlink", "unlinkat", "rmdir"}
_RENAME = {"rename", "renameat", "renameat2"}
_OPEN = {"open", "openat", "openat2"}
_READS = _OPEN | {"stat", "lstat", "newfstatat", "statx", "access", "faccessat", "faccessat2",
                  "readlink", "readlinkat", "execve", "execveat", "chdir", "getcwd"}
_IGNORED = ("/proc/", "/dev/", "/sys/", "/tmp/govm/")


def _merge_unfinished(text: str) -> list[str]:
    """strace -f splits a call another process interrupted into '<unfinished ...>' and
    '<... call resumed>' lines; join them back into one line per call."""
    pending: dict[str, str] = {}
    lines = []
    for raw in text.splitlines():
        match = re.match(r"^(\d+)\s+(.*)$", raw)
        if not match:
            continue
        pid, rest = match.groups()
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[: -len("<unfinished ...>")].rstrip()
            continue
        resumed = re.match(r"^<\.\.\. \w+ resumed>\s?(.*)$", rest)
        if resumed and pid in pending:
            rest = pending.pop(pid) + resumed.group(1)
        lines.append(f"{pid} {rest}")
    return lines


def _strings(args: str) -> list[str]:
    return [bytes(s, "utf-8").decode("unicode_escape") for s in _STRING.findall(args)]


def _absolute(path: str, cwd: str) -> str:
    return os.path.normpath(path if path.startswith("/") else os.path.join(cwd, path))


def file_events(trace: str, cwd: str) -> list[dict]:
    """The file operations of an ``strace -f -y`` trace, in order, as plain data:
    ``{"op": create|remove|rename|truncate|write|read, "path", "call", "ok", "to"?}``."""
    events = []
    for line in _merge_unfinished(trace):
        match = _LINE.match(line)
        if not match:
            continue
        call, args, ret = match.group("call"), match.group("args"), match.group("ret")
        ok = ret != "?" and not ret.startswith("-")
        strings = _strings(args)
        event: dict | None = None
        if call in _REMOVE and strings:
            event = {"op": "remove", "path": strings[-1]}
        elif call in _RENAME and len(strings) >= 2:
            event = {"op": "rename", "path": strings[0], "to": strings[-1]}
        elif call in _CREATE and strings:
            event = {"op": "create", "path": strings[-1]}
        elif call in _OPEN and strings:
            flags = args.split(",")
            flag_text = ",".join(flags[1:])
            if "O_TRUNC" in flag_text and ("O_WRONLY" in flag_text or "O_RDWR" in flag_text):
                event = {"op": "truncate", "path": strings[0]}
            elif "O_CREAT" in flag_text and "O_EXCL" not in flag_text:
                event = {"op": "create", "path": strings[0]}
            elif "O_CREAT" in flag_text:
                event = {"op": "create-new", "path": strings[0]}
            else:
                event = {"op": "read", "path": strings[0]}
        elif call in ("ftruncate", "write", "pwrite64", "writev"):
            fd = _FD_PATH.match(args)
            if fd and fd.group("path").startswith("/"):
                event = {"op": "truncate" if call == "ftruncate" else "write",
                         "path": fd.group("path")}
        elif call in _READS and strings:
            event = {"op": "read", "path": strings[0]}
        if event is None:
            continue
        event["path"] = _absolute(event["path"], cwd)
        if "to" in event:
            event["to"] = _absolute(event["to"], cwd)
        if event["path"].startswith(_IGNORED):
            continue
        event.update(call=call, ok=ok)
        events.append(event)
    return events


def reads(trace: str, cwd: str) -> list[str]:
    """Every path a traced lookup touched, found or not (a file it looked for and did not
    find is part of how it decides, too)."""
    return sorted({e["path"] for e in file_events(trace, cwd)})


def windows(trace: str, cwd: str) -> list[dict]:
    """The moments a traced switch leaves a path missing or incomplete:
    ``{"path", "kind": "missing"|"incomplete", "from", "until"}``."""
    found = []
    removed: dict[str, str] = {}
    for event in file_events(trace, cwd):
        if not event["ok"]:
            continue
        path, call = event["path"], event["call"]
        if event["op"] == "remove":
            removed[path] = call
        elif event["op"] == "rename":
            # a rename onto a path replaces it at once; onto a path removed (or renamed away)
            # before, it ends the moment that path was missing
            if event["to"] in removed:
                found.append({"path": event["to"], "kind": "missing",
                              "from": removed.pop(event["to"]), "until": call})
            removed[path] = call  # the old name is gone
        elif event["op"] in ("create", "create-new", "truncate"):
            if path in removed:
                found.append({"path": path, "kind": "missing", "from": removed.pop(path),
                              "until": call})
            if event["op"] in ("truncate", "create") and call not in ("mkdir", "mkdirat",
                                                                     "symlink", "symlinkat",
                                                                     "link", "linkat"):
                found.append({"path": path, "kind": "incomplete",
                              "from": f"{call} (emptied or created in place)",
                              "until": "its last write"})
    return _unique(found)


def _unique(items: list[dict]) -> list[dict]:
    seen, out = set(), []
    for item in items:
        key = (item["path"], item["kind"])
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def relevant(window: dict, read_paths: list[str]) -> list[str]:
    """The paths a lookup reads through the window's path: itself, or below it."""
    path = window["path"].rstrip("/")
    return [p for p in read_paths if p == path or p.startswith(path + "/")]


_GOVERSION = re.compile(r"\bgo(\d+\.\d+(?:\.\d+)?)\b")


def _owner_of_version(text: str) -> str | None:
    match = _GOVERSION.search(text or "")
    return match.group(1) if match else None


def check_atomic(atomic: dict | None, shell: str, old: str, new: str, manager: str,
                 active: bool, owner, installed: dict[str, str] | None = None) -> CheckResult:
    """The ``atomic`` verdict of one cell from its group's measurement (``atomic``),
    ``owner(path)`` naming the version a GOROOT path belongs to by its own name (a fixed
    symlink such as ~/.g/go names no version: what it pointed at is the build's to show).
    ``installed``: the release installed for each version asked for, where a distribution
    gave another (an observation's go reports the release it is).

    An observation is one new shell of the context asking its go, in one process, for its
    version and GOROOT (``go env GOVERSION GOROOT``), then building: it failed when either
    failed, and it is torn when that one go reports a version and a GOROOT of the other
    version."""
    result = CheckResult("atomic")
    if not atomic:
        result.add(Verdict.ERROR, "expected the switch measured while it runs, got no "
                                  "measurement (see the step log)")
        return result
    if atomic.get("scope") == "session":
        result.add(Verdict.PASS, "a session switch changes only the shell it is typed in: no "
                                 "other process can see it halfway")
        return result
    if not active:
        result.add(Verdict.INACTIVE, f"{manager} is not active in this shell, so its switch "
                                     "changes nothing this shell reads")
        return result
    command = atomic.get("switch", "the switch")
    read_paths = (atomic.get("reads") or {}).get(shell) or []
    hit = [(w, relevant(w, read_paths)) for w in atomic.get("windows") or []]
    hit = [(w, paths) for w, paths in hit if paths]
    for window, paths in hit:
        state = "missing" if window["kind"] == "missing" else "empty or half-written"
        result.add(Verdict.BROKEN,
                   f"expected `{command}` to replace what this shell reads at once, got "
                   f"{window['path']} {state} from {window['from']} until {window['until']} "
                   f"(this shell reads {paths[0]})")
    observed = (atomic.get("observations") or {}).get(shell) or []
    failed, torn = [], []
    asked_for = {got: asked for asked, got in (installed or {}).items()}
    for obs in observed:
        version = _owner_of_version(obs.get("version", ""))
        version = asked_for.get(version, version)
        goroot_owner = owner(obs.get("goroot", "").strip())
        if obs.get("status") != 0 or version is None or obs.get("build") not in (0, None):
            failed.append(obs)
        elif goroot_owner and version != goroot_owner and {version, goroot_owner} <= {old, new}:
            torn.append(obs)
    switches = atomic.get("switches", 0)
    counts = (f"{len(observed)} observations by this shell during {switches} switches "
              f"between go{old} and go{new}")
    if failed:
        first = failed[0]
        why = (first.get("error") if first.get("build") not in (0, None)
               else first.get("version")) or "no output"
        result.add(Verdict.BROKEN, f"expected every observation to find a working go, got "
                                   f"{len(failed)} of {counts} failing: {why.strip()[:200]}")
    if torn:
        sample = torn[0]
        result.add(Verdict.BROKEN, f"expected every observation to see one version, got "
                                   f"{len(torn)} of {counts} mixing them: "
                                   f"{sample.get('version', '').strip()[:80]} with GOROOT "
                                   f"{sample.get('goroot', '').strip()}")
    if not hit and not failed and not torn:
        if not atomic.get("windows"):
            how = f"`{command}` leaves no path missing or half-written"
        else:
            how = (f"`{command}` leaves {len(atomic['windows'])} path(s) missing or "
                   "half-written for a moment, none of which this shell reads")
        seen = (f"; all {counts} saw a whole toolchain" if observed else
                "; the observers run in the clean scenario, switching from the older version")
        result.add(Verdict.PASS, f"atomic: {how}{seen}")
    elif observed and not failed and not torn:
        result.add(Verdict.BROKEN, f"{counts}: none happened to fall in the window this time; "
                                   "the verdict is the mechanism's, not luck's")
    return result
