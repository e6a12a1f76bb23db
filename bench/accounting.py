"""Where a run's CPU goes, by program: the kernel's process accounting (acct(2)), which writes
one record for every process that ends, those in containers included, with its name (the
first 15 characters of the program it ran last), its CPU time, and its parent.

Only root can turn it on (CAP_SYS_PACCT), and a machine has one accounting file at a time:
turning it on here replaces any other, and turning it off stops it. The bench does so only
when asked (--by-program).

A process still running when accounting stops has no record: the Docker daemon and
containerd, which run throughout, are measured apart from /proc (``daemon_seconds``). What it
costs to start and end a process is mostly in no record (``table``).
"""

from __future__ import annotations

import bisect
import ctypes
import os
import statistics
import struct
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: struct acct_v3 (linux/acct.h): flag, version, tty, exit code, uid, gid, pid, ppid, begin
#: time, elapsed time (a float), eight comp_t (user and system time first), the command name
RECORD = struct.Struct("=BBHIIIIIIf8H16s")
VERSION = 3
AHZ = 100  # the ticks of comp_t times, per second, on Linux
DAEMONS = ("dockerd", "containerd")
SHIM = "containerd-shim"  # a container's processes descend from its shim
#: Docker's own programs under a shim, counted on the host's side: the names the shim and runc
#: start with, and runc's init before it runs the container's command (named after runc's
#: /proc/self/exe)
MACHINERY, RUNC_INIT = (SHIM, "runc"), "exe"


class AccountingError(Exception):
    pass


def switch(path: Path | None) -> None:
    """Accounting on, into ``path`` (created empty), or off (``path`` None)."""
    if path is not None:
        path.write_bytes(b"")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.acct(None if path is None else str(path).encode()) != 0:
        number = ctypes.get_errno()
        raise AccountingError(f"process accounting could not be turned "
                              f"{'off' if path is None else 'on'}: {os.strerror(number)}"
                              f"{' (it needs root)' if number == 1 else ''}")


@contextmanager
def measured(path: Path) -> Iterator[dict[str, float]]:
    """Accounting on, into ``path``, for the block; the dict it gives is filled after the
    block with the CPU seconds of each program that ended in it (``by_program``), and of the
    Docker daemon and containerd meanwhile ("host: dockerd, containerd")."""
    found: dict[str, float] = {}
    before = daemon_seconds()
    switch(path)
    try:
        yield found
    finally:
        switch(None)
    found.update(by_program(records(path.read_bytes())))
    after = daemon_seconds()
    if before is not None and after is not None:
        found["host: dockerd, containerd"] = after - before
    path.unlink()


def comp_t(value: int) -> int:
    """A comp_t: a 13-bit mantissa and a 3-bit base-8 exponent."""
    return (value & 0x1FFF) << (3 * (value >> 13))


def records(data: bytes) -> list[tuple[str, float, int, int]]:
    """The records of an accounting file in the order the processes ended: each one's name,
    CPU seconds (user and system), pid and parent's pid."""
    found = []
    for offset in range(0, len(data) - RECORD.size + 1, RECORD.size):
        fields = RECORD.unpack_from(data, offset)
        if fields[1] != VERSION:
            raise AccountingError(f"accounting record version {fields[1]}, expected {VERSION}")
        pid, ppid, utime, stime, comm = fields[6], fields[7], fields[10], fields[11], fields[18]
        name = comm.split(b"\0", 1)[0].decode(errors="replace")
        found.append((name, (comp_t(utime) + comp_t(stime)) / AHZ, pid, ppid))
    return found


def by_program(found: list[tuple[str, float, int, int]]) -> dict[str, float]:
    """CPU seconds by program, each told apart as in a container or on the host: a process
    is in a container when one of its ancestors is a container's shim, and it is not Docker's
    own (MACHINERY, RUNC_INIT). Its parent is the first process after it, in the order they
    ended, with its parent's pid: a parent ends after its children, and its pid is not used
    again while it runs (one reparented when its parent ended first names the process that
    took it in)."""
    ended: dict[int, list[int]] = defaultdict(list)
    for index, (_, _, pid, _) in enumerate(found):
        ended[pid].append(index)
    inside: dict[int, bool] = {}

    def in_container(index: int) -> bool:
        chain = []
        while index is not None and index not in inside:
            if found[index][0].startswith(SHIM):
                inside[index] = True
                break
            chain.append(index)
            later = ended.get(found[index][3], [])
            at = bisect.bisect_right(later, index)
            index = later[at] if at < len(later) else None
        answer = index is not None and inside[index]
        for seen in chain:
            inside[seen] = answer
        return answer

    totals: dict[str, float] = defaultdict(float)
    for index, (name, seconds, _, _) in enumerate(found):
        machinery = name == RUNC_INIT or name.startswith(MACHINERY)
        where = "container" if not machinery and in_container(index) else "host"
        totals[f"{where}: {name}"] += seconds
    return dict(totals)


def daemon_seconds() -> float | None:
    """The CPU seconds the Docker daemon and containerd have used so far (None where /proc
    cannot tell)."""
    tick = os.sysconf("SC_CLK_TCK")
    total, seen = 0.0, False
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in DAEMONS:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
        seen = True
    return total if seen else None


def table(on: list[dict[str, float]], off: list[dict[str, float]], rows: int = 14,
          busy: tuple[float, float] | None = None) -> list[str]:
    """The ``rows`` programs that took the most CPU on either side (median core-seconds over
    the runs of each kind), then the rest together, then all; with ``busy`` (the machine's
    median busy core-seconds on each side), what no record holds. That is mostly the cost of
    starting and ending processes: the kernel copies a process's times into its record before
    it has finished ending, and one that runs for less than a clock tick is often charged
    nothing (3,000 runs of /bin/true kept two cores busy for 2.1 core-seconds here, and their
    records held 0.1). The kernel's own threads took about 2% of the busy time in a run."""
    def median(runs: list[dict[str, float]], keys: list[str]) -> float:
        return statistics.median(sum(run.get(k, 0.0) for k in keys) for run in runs) if runs \
            else 0.0

    names = sorted({key for run in [*on, *off] for key in run},
                   key=lambda key: (-max(median(on, [key]), median(off, [key])), key))
    shown, rest = names[:rows], names[rows:]
    parts = [(key, [key]) for key in shown]
    if rest:
        parts.append((f"the rest ({len(rest)} programs)", rest))
    parts.append(("all", names))
    lines = [f"  {'':34} {'on':>8} {'off':>8}"] + [
        f"  {label:34} {median(on, keys):8.1f} {median(off, keys):8.1f}"
        for label, keys in parts]
    if busy is not None:
        label = "busy, in no process's record"
        lines.append(f"  {label:34} {busy[0] - median(on, names):8.1f} "
                     f"{busy[1] - median(off, names):8.1f}")
    return lines
