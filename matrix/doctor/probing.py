"""The probe, run on this machine: in a temporary folder of its own, as the current user, in
real shells that read the user's real start-up files.

Each shell context is its own process in its own session (``setsid``): an interactive shell
started from a terminal would otherwise take the terminal's foreground for itself. The
temporary folder holds the probe, its snapshots and its builds (``TMPDIR`` points into it, so
that a build cut short leaves nothing elsewhere), and is removed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from importlib import resources

from ..run.steps import SHELL_ARGV, probe_snippet

PROBE_FILES = ("probe.sh", "probe.py", "hello.go")
TIMEOUT = 120


def context_argv(name: str, login_shell: str) -> list[str]:
    """How a context runs: ``argv + [command]`` for the -c contexts; the session (an
    interactive login shell of the user's login shell) reads its commands on stdin."""
    if name in SHELL_ARGV:
        return list(SHELL_ARGV[name])
    return [login_shell, "-il"]


class ProbeFolder:
    """A temporary folder with the probe in it; ``close`` removes it and ends every process
    started from it that is still running."""

    def __init__(self) -> None:
        self.path = tempfile.mkdtemp(prefix="govm-doctor-")
        probe = resources.files("matrix.run") / "probe"
        for name in PROBE_FILES:
            with open(os.path.join(self.path, name), "wb") as fh:
                fh.write((probe / name).read_bytes())
        self.work = os.path.join(self.path, "work")  # where the shells start: no go.mod
        os.makedirs(self.work)
        temporary = os.path.join(self.path, "tmp")  # the builds' own temporary folders too
        os.makedirs(temporary)
        self.env = {**os.environ, "GOVM_PYTHON": sys.executable, "TMPDIR": temporary}
        self.processes: list[subprocess.Popen] = []

    def snippet(self, label: str) -> str:
        return probe_snippet(label, self.path)

    def file(self, name: str, text: str) -> str:
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return path

    def start(self, argv: list[str], name: str, stdin: str | None = None,
              new_session: bool = True) -> subprocess.Popen:
        """A process whose output goes to files in the folder (``name``.out/.err)."""
        out = open(os.path.join(self.path, f"{name}.out"), "wb")
        err = open(os.path.join(self.path, f"{name}.err"), "wb")
        source = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            proc = subprocess.Popen(argv, stdin=source, stdout=out, stderr=err,
                                    cwd=self.work, env=self.env,
                                    start_new_session=new_session)
        finally:
            for fh in (out, err) + ((source,) if stdin else ()):
                fh.close()
        self.processes.append(proc)
        return proc

    def wait(self, proc: subprocess.Popen, timeout: float = TIMEOUT) -> int | None:
        """Its exit status, or None when it ran out of time (it is then ended)."""
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.end(proc)
            return None

    def output(self, name: str, limit: int = 2000) -> tuple[str, str]:
        texts = []
        for suffix in ("out", "err"):
            try:
                with open(os.path.join(self.path, f"{name}.{suffix}"), "rb") as fh:
                    texts.append(fh.read().decode(errors="replace")[-limit:])
            except OSError:
                texts.append("")
        return texts[0], texts[1]

    def end(self, proc: subprocess.Popen) -> None:
        """End a process this folder started, and its session's other processes."""
        if proc.poll() is not None:
            return
        try:
            if proc.pid == os.getpgid(proc.pid):
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def snapshots(self) -> dict[str, dict]:
        found = {}
        folder = os.path.join(self.path, "snaps")
        for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
            if name.endswith(".json") and not name.startswith("."):
                with open(os.path.join(folder, name), encoding="utf-8") as fh:
                    snap = json.load(fh)
                found[snap["label"]] = snap
        return found

    def probe_errors(self) -> str:
        try:
            with open(os.path.join(self.path, "probe.err"), encoding="utf-8",
                      errors="replace") as fh:
                return fh.read()[-2000:]
        except OSError:
            return ""

    def close(self) -> None:
        for proc in self.processes:
            self.end(proc)
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> ProbeFolder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def probe_contexts(folder: ProbeFolder, contexts: list[str], login_shell: str, phase: str,
                   prefix: str = "", timeout: float = TIMEOUT) -> dict[str, dict]:
    """One snapshot per context, all at once; ``prefix`` runs first in each (e.g. a `cd`).
    Returns, per context that left no snapshot, why (its exit status and output)."""
    started, failures = {}, {}
    for name in contexts:
        label = f"{name}:{phase}"
        command = prefix + folder.snippet(label)
        argv = context_argv(name, login_shell)
        try:
            if name in SHELL_ARGV:
                proc = folder.start([*argv, command], f"probe-{name}-{phase}")
            else:
                script = folder.file(f"{name}-{phase}.sh", command + "\nexit\n")
                proc = folder.start(argv, f"probe-{name}-{phase}", stdin=script)
        except OSError as exc:  # the shell is not installed
            failures[name] = f"`{argv[0]}` did not start: {exc.strerror or exc}"
            continue
        started[name] = proc
    deadline = time.monotonic() + timeout
    status = {name: folder.wait(proc, max(1.0, deadline - time.monotonic()))
              for name, proc in started.items()}
    taken = folder.snapshots()
    for name in started:
        if f"{name}:{phase}" not in taken:
            out, err = folder.output(f"probe-{name}-{phase}")
            what = "timed out" if status[name] is None else f"exited {status[name]}"
            lines = [ln for ln in (err + out).splitlines() if ln.strip()]
            failures[name] = f"{what}: {lines[-1][:300] if lines else 'no output'}"
    return failures
