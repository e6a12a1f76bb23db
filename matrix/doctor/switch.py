"""`govm-matrix doctor --switch A,B --manager M [--scope S] --yes`: one matrix cell's steps on
this machine, judged by the matrix's own code, with the user's selection put back at the end.

The steps are the container run's (``matrix.run.runner.Run._steps``) with the same scripts
(``matrix.run.steps``): select A, snapshot every context; the two interactive sessions (the
one where A→B→A→B is typed, and one opened before and still open); switch to B globally,
snapshot; back to A, snapshot; the script context. Switch commands run in a login shell of
the user's login shell that keeps the terminal (sudo may ask for a password there); the
snapshots' shells each run in a session of their own. What the matrix measures with strace as
root while the switch runs (``atomic``) is not measured: the cells have no atomic check.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sys
import time

from ..core.cells import Cell, Scenario
from ..core.definition import SCOPES
from ..core.errors import MatrixError
from ..core.platforms import SHELL_CONTEXTS, Platform, host_platform
from ..core.verdicts import Verdict
from ..managers import Manager, available, get_manager
from ..managers.base import q
from ..report.fidelity import host_field
from ..run.results import GroupOutcome, cell_result
from ..run.steps import (
    SHELL_ARGV,
    RunResult,
    before_session,
    script_text,
    session_scripts,
)
from .installs import MANAGER_KIND, Install, discover, roots_document
from .probing import ProbeFolder, probe_contexts

STEP_TIMEOUT = 300
SELECTION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def log(message: str) -> None:
    print(f"govm-matrix doctor: {message}", file=sys.stderr, flush=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def parse_request(args) -> tuple[Manager, str, str, str]:
    """(manager, A, B, scope) from the options, or one line and exit 2."""
    versions = [v.strip() for v in args.switch.split(",") if v.strip()]
    if len(versions) != 2 or versions[0] == versions[1]:
        raise MatrixError(f"--switch takes two different versions A,B (e.g. 1.21.13,1.22.10), "
                          f"got {args.switch!r}")
    if not args.manager:
        raise MatrixError(f"--switch needs --manager; valid managers: {', '.join(available())}")
    manager = get_manager(args.manager)  # one line naming the valid ones
    scope = args.scope or "global"
    if scope not in SCOPES:
        raise MatrixError(f"unknown scope {scope!r}; valid scopes: {', '.join(SCOPES)}")
    if not manager.supports(scope):
        raise MatrixError(f"{manager.name} has no {scope} scope (it has: "
                          f"{', '.join(manager.SCOPES)})")
    if not args.yes:
        raise MatrixError(f"doctor --switch changes {manager.name}'s selection on this machine "
                          "while it runs (and selects the original again at the end): add "
                          "--yes to go ahead")
    return manager, versions[0], versions[1], scope


def run_switch(args) -> int:
    manager, old, new, scope = parse_request(args)
    platform = host_platform()
    readable = [n for n in available() if get_manager(n).current(platform)]
    if manager.current(platform) is None:
        raise MatrixError(f"doctor --switch cannot put {manager.name}'s selection back (its "
                          "adapter cannot read which version is selected), so it does not "
                          f"switch {manager.name}; it can for: {', '.join(readable)}")
    installs = _installs(platform, manager, (old, new))
    with ProbeFolder() as folder:
        host = HostRun(platform, manager, old, new, scope, installs, folder)
        original = host.read_selection()  # refuses (exit 2) before anything changed
        host.check_sudo()
        log(f"{manager.name} has {original} selected; it is selected again at the end")
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        for sig in previous:  # Ctrl-C and a CI job's cancel both end in the restore below
            signal.signal(sig, _interrupt)
        try:
            result = host.execute()
        finally:
            for sig in previous:  # a second Ctrl-C must not stop the restore
                signal.signal(sig, signal.SIG_IGN)
            for proc in folder.processes:
                folder.end(proc)
            host.restore(original)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    cells = host.cells(result)
    from ..report import build_report, write_reports

    report = build_report(cells, {"platforms": [platform.name], "managers": [manager.name],
                                  "go": [old, new], "scopes": [scope],
                                  "scenarios": ["clean"]}, host.provenance(),
                          run_id=f"doctor-{int(time.time())}")
    report["host"] = host_field(platform.name, platform.emulates, _runner())
    try:
        paths = write_reports(report, args.report_dir)
    except OSError as exc:
        raise MatrixError(f"cannot write the report into {args.report_dir}: "
                          f"{exc.strerror or exc}") from None
    bad = {Verdict.LEAK.value, Verdict.BROKEN.value, Verdict.ERROR.value}
    status = 1 if any(c["verdict"] in bad for c in cells) else 0
    if args.json:
        json.dump({"schema": "govm-matrix/doctor-switch", "schema_version": 1,
                   "report": [str(p) for p in paths], "restored": host.restored,
                   "cells": [{"id": c["id"], "shell": c["shell"], "verdict": c["verdict"],
                              "checks": {k: v["verdict"] for k, v in c["checks"].items()}}
                             for c in cells], "exit_status": status},
                  sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_cells(cells, paths))
    return status


def _runner() -> str | None:
    """The CI runner image this runs on, as GitHub's hosted runners name it, if any."""
    image = os.environ.get("ImageOS")
    if not image:
        return None
    return " ".join(x for x in (image, os.environ.get("ImageVersion"),
                                os.environ.get("RUNNER_NAME")) if x)


def _installs(platform: Platform, manager: Manager, versions: tuple[str, str]
              ) -> list[Install]:
    """The manager's installs of both versions, as the matrix's roots.json lists them."""
    kind = MANAGER_KIND.get(manager.name, manager.name)
    installs = [i for i in discover(platform.home) if i.kind == kind]
    for version in versions:
        if not any(i.version == version for i in installs):
            found = ", ".join(f"go{i.version}" for i in installs) or "none"
            raise MatrixError(f"go{version} is not installed by {manager.name} here "
                              f"({manager.name}'s installs found: {found})")
    return [i for i in installs if i.version in versions]


def render_cells(cells: list[dict], paths) -> str:
    from ..core.verdicts import CHECKS

    checks = [c for c in CHECKS if any(c in cell["checks"] for cell in cells)]
    header = ["cell", *checks, "verdict"]
    rows = [[cell["id"], *[Verdict(cell["checks"][k]["verdict"]).symbol if k in cell["checks"]
                           else "" for k in checks],
             f"{Verdict(cell['verdict']).symbol} {cell['verdict']}"] for cell in cells]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, *rows]]
    out = [*lines, ""]
    for cell in cells:
        for check, result in cell["checks"].items():
            for line in result["evidence"]:
                if any(f": {v}: " in f": {line}" for v in ("LEAK", "BROKEN", "ERROR")):
                    out.append(f"{cell['shell']}: {check}: {line}")
    out += ["", *[f"report: {p}" for p in paths]]
    return "\n".join(out) + "\n"


class HostRun:
    """One scenario's steps on this machine; ``execute`` never raises for a failure inside
    (a switch that fails is a finding), only for an interrupt."""

    def __init__(self, platform: Platform, manager: Manager, old: str, new: str, scope: str,
                 installs: list[Install], folder: ProbeFolder) -> None:
        self.platform, self.manager, self.old, self.new = platform, manager, old, new
        self.scope, self.installs, self.folder = scope, installs, folder
        self.plain = [c for c in SHELL_CONTEXTS if c in SHELL_ARGV and c in platform.shells]
        self.shells = [c for c in SHELL_CONTEXTS if c in platform.shells]
        self.project = os.path.join(folder.path, "proj")
        self.result = RunResult()
        self.restored: dict = {}
        self._count = 0

    # -- commands ----------------------------------------------------------------------------
    def _run(self, step: str, argv: list[str], stdin: str | None = None,
             new_session: bool = True) -> tuple[int | None, str, str]:
        self._count += 1
        name = f"step-{self._count}"
        started = time.monotonic()
        try:
            proc = self.folder.start(argv, name, stdin=stdin, new_session=new_session)
            status = self.folder.wait(proc, STEP_TIMEOUT)
            out, err = self.folder.output(name)
        except OSError as exc:  # the shell is not installed
            status, out, err = 127, "", f"`{argv[0]}` did not start: {exc.strerror or exc}"
        self.result.steps.append({"step": step, "command": " ".join(q(a) for a in argv),
                                  "status": 124 if status is None else status,
                                  "stdout": out, "stderr": err,
                                  "seconds": round(time.monotonic() - started, 3)})
        return status, out, err

    def _login(self, step: str, command: str) -> tuple[int | None, str, str]:
        """A command in a login shell of the user's that keeps the terminal (for sudo)."""
        return self._run(step, [self.platform.login_shell, "-lc", command], new_session=False)

    def read_selection(self) -> str:
        """What the manager has selected globally, or one line and exit 2."""
        command = self.manager.current(self.platform)
        status, out, err = self._login(f"what {self.manager.name} has selected", command)
        lines = [ln.strip() for ln in out.splitlines() if ln.strip()]
        selected = lines[-1] if lines else ""
        if status == 0 and SELECTION.match(selected):
            return selected
        said = (f"exited {status}: {_first(err or out)}" if status else
                f"printed {selected!r}" if selected else "printed nothing")
        first = self.manager.select(self.old, "global", self.platform)
        raise MatrixError(f"cannot tell which Go {self.manager.name} has selected (`{command}` "
                          f"{said}): select one first (e.g. `{first}`), so that doctor "
                          "--switch has a selection to put back")

    def check_sudo(self) -> None:
        """The sessions switch without a terminal: a switch that uses sudo must not need a
        password there."""
        commands = [self.manager.select(v, self.scope, self.platform) for v in (self.old,
                                                                               self.new)]
        if not any("sudo" in c.split() for c in commands):
            return
        status, _, err = self._run("sudo without a terminal", ["sudo", "-n", "true"])
        if status != 0:
            raise MatrixError(f"{self.manager.name}'s switch runs sudo, and the shells doctor "
                              "switches in have no terminal to ask for a password "
                              f"(`sudo -n true`: {_last(err)}); allow it without one, or run "
                              "`sudo -v` where sudo's timestamp is not per terminal")

    def restore(self, original: str) -> None:
        command = self.manager.select(original, "global", self.platform)
        status, out, err = self._login(f"select {original} again", command)
        try:
            now = self.read_selection()
        except MatrixError as exc:
            now = str(exc)
        self.restored = {"manager": self.manager.name, "selection": original,
                         "command": command, "status": status, "now": now,
                         "ok": status == 0 and now == original}
        if self.restored["ok"]:
            log(f"{self.manager.name}'s selection is {original} again (`{command}`)")
        else:
            log(f"could not select {original} again with `{command}` (exit {status}: "
                f"{_last(err or out)}); {self.manager.name} now says: {now}")

    # -- the steps (runner.Run._steps on this machine) ---------------------------------------
    def _switch_in_session(self, version: str) -> str:
        if self.scope == "directory":
            return f"cd {q(self.project)}" if version == self.new else f"cd {q(self.folder.work)}"
        return self.manager.select(version, self.scope, self.platform)

    def _switch(self, step: str, command: str) -> None:
        status, out, err = self._login(step, command)
        log(f"{step}: `{command}`" + ("" if status == 0 else f" exited {status}"))
        if status != 0:
            self.result.switch_failures.append(
                f"{step}: `{command}` exited {status}: {_last(err or out)}")

    def _select_global(self, version: str, step: str) -> None:
        self._switch(step, self.manager.select(version, "global", self.platform))

    def _probe(self, phase: str, prefix: str = "") -> None:
        failures = probe_contexts(self.folder, self.plain, self.platform.login_shell, phase,
                                  prefix, STEP_TIMEOUT)
        for name, why in failures.items():
            self.result.steps.append({"step": f"probe {name} {phase}", "command": "",
                                      "status": 1, "stdout": "", "stderr": why, "seconds": 0})

    def execute(self) -> RunResult:
        started = time.monotonic()
        try:
            self._steps()
        finally:
            self.result.snapshots = self.folder.snapshots()
            roots, _ = roots_document(self.installs)
            for snap in self.result.snapshots.values():
                snap["roots"] = roots  # this machine's installs of the two versions
                snap.pop("roots_error", None)  # the matrix's roots file, not this machine's
            self.result.roots = {v: {"install": r["root"], "goroot": r["goroot"]}
                                 for v, r in roots.items()}
            errors = self.folder.probe_errors()
            if errors.strip():
                self.result.steps.append({"step": "probe errors", "command": "", "status": 0,
                                          "stdout": "", "stderr": errors, "seconds": 0})
            self.result.seconds = round(time.monotonic() - started, 2)
        return self.result

    def _steps(self) -> None:
        probe = self.manager.unsupported_probe(self.new, self.scope, self.platform)
        if probe:
            status, out, err = self._login(f"can {self.manager.name} do it", probe)
            if status != 0:
                refusal = self.manager.refusal(probe, status or 124, out + err)
                if refusal is None:
                    self.result.error = (f"`{probe}` exited {status} without "
                                         f"{self.manager.name}'s refusal: {_last(out + err)}")
                else:
                    self.result.unsupported = refusal
                return
        self.result.manager_info = {"name": self.manager.name, "version": "as installed here",
                                    "source": "this machine"}
        if self.scope == "directory":
            hello = q(os.path.join(self.folder.path, "hello.go"))
            self._switch(f"pin go{self.new} in {self.project}",
                         f"mkdir -p {q(self.project)} && cd {q(self.project)} && cp {hello} "
                         "main.go && printf 'module hello\\n\\ngo 1.21\\n' > go.mod && "
                         + self.manager.select(self.new, "directory", self.platform))
        self._select_global(self.old, f"select go{self.old}")
        self._probe("base")
        if "session" in self.shells:
            self._sessions()
        if self.scope == "global":
            self._select_global(self.new, f"switch to go{self.new}")
        self._probe("after", f"cd {q(self.project)} && " if self.scope == "directory" else "")
        if self.scope == "global":
            self._select_global(self.old, f"switch to go{self.old}")
        self._probe("back")
        if "script" in self.shells:
            self._script()

    def _sessions(self) -> None:
        scripts = session_scripts(self._switch_in_session, self.old, self.new,
                                  self.folder.path)
        login = [self.platform.login_shell, "-il"]
        other = self.folder.start(login, "other-session",
                                  stdin=self.folder.file("other.sh", scripts["other.sh"]))
        # it opens once the other is ready, as in the matrix (``before_session``)
        self._run("interactive session",
                  ["sh", "-c", f'{before_session(self.folder.path)}; exec "$@"', "sh", *login],
                  stdin=self.folder.file("session.sh", scripts["session.sh"]))
        self.folder.wait(other, STEP_TIMEOUT)

    def _script(self) -> None:
        text = script_text(self.manager.SCRIPT, self._switch_in_session, self.old, self.new,
                           self.folder.path)
        self._run("script", ["bash", "-c", text])
        try:
            with open(os.path.join(self.folder.path, "script.failures"), encoding="utf-8",
                      errors="replace") as fh:
                lines = [line for line in fh.read().splitlines() if line.strip()]
            self.result.context_failures["script"] = lines
        except OSError:
            pass

    # -- the report ----------------------------------------------------------------------------
    def cells(self, result: RunResult) -> list[dict]:
        scenario = Scenario(self.old, self.new, self.scope)
        if result.unsupported:
            outcome = GroupOutcome(verdict=Verdict.UNSUPPORTED, reason=result.unsupported)
        else:
            outcome = GroupOutcome(run=result)
        return [cell_result(Cell(self.platform.name, self.manager.name, scenario, shell),
                            outcome, platform=self.platform, atomic=False)
                for shell in self.shells]

    def provenance(self) -> dict:
        return {"network": "this machine", "docker": {},
                "platforms": {self.platform.name: {
                    "emulates": self.platform.emulates, "cannot": "(the real host: doctor "
                    "--switch does not measure the atomic check)",
                    "base": "this machine", "base_image": None, "base_id": None}},
                "managers": {self.manager.name: {"installed": self.result.manager_info,
                                                 "behaviour": self.manager.BEHAVIOUR}},
                "images": {}, "artifacts": [], "restored": self.restored}


def _last(text: str) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[-1][:300] if lines else "no output"


def _first(text: str) -> str:
    lines = [ln for ln in (text or "").strip().splitlines() if ln.strip()]
    return lines[0][:300] if lines else "no output"
