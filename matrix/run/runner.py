"""One container run: the steps of a scenario in real shells, and the snapshots they leave.

The container has no network and runs as the platform's ordinary user; nothing of the host is
mounted into it. Every step goes through testinfra's docker backend (``docker exec … /bin/sh
-c``) with its arguments quoted by testinfra, inside ``timeout`` so that no step hangs a run;
steps that follow one another with no decision in between share one such exec, each still a
child of that shell, logged on its own (``Run._in_turn``), the reading of the snapshots and of
the atomic check's traces included; the observations of the atomic check come through the
docker CLI too (``commands.execute``), whole.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import shlex
import tarfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

import docker
import docker.errors
import requests.exceptions

from ..build.commands import execute
from ..build.engine import describe, labels
from ..build.images import ImageRef
from ..core.fixtures import Fixture
from ..core.platforms import Platform
from ..managers import Manager
from ..managers.base import q
from .steps import (
    PHASES,
    PROBE_DIR,
    PROJECT,
    SHELL_ARGV,
    RunResult,
    before_session,
    expectations,
    fixture_values,
    probe_snippet,
    script_text,
    session_scripts,
    wait_for,
    wait_while,
)

__all__ = ["PHASES", "PROJECT", "SHELL_ARGV", "SNAPSHOTS", "STEP_TIMEOUT", "Run", "RunOptions",
           "RunResult", "StepFailed", "expectations", "fixture_values", "probe_archive",
           "probe_snippet"]

STEP_TIMEOUT = 300
ATOMIC_SWITCHES = 24  # switches back and forth while observers loop
ATOMIC_MIN_SECONDS = 4.0  # observe at least this long
ATOMIC_SECONDS = 10.0  # and at most this long
ATOMIC_PAUSE = 0.05  # seconds between two switches (about one switch every 0.1 s when idle)
OBSERVE_BUILD_EVERY = 4  # observations that also build
OBSERVE_WARMUP = 10.0  # seconds at most for each observer's first observation
SNAPSHOTS = f"{PROBE_DIR}/snaps"  # one file per probe (probe.py)
# every snapshot, one a line, and what the probes wrote to their error file
_READ_SNAPSHOTS = f"cat {SNAPSHOTS}/*.json; cat {PROBE_DIR}/probe.err >&2"
_TRACE_MARK = "\036govm-trace\036\n"  # between a traced command's output and its trace
_SWITCH = "\036switch"  # the traced switch, among the contexts' traced reads
_SWITCHED = "govm-switched"  # the line with the atomic check's switch count and milliseconds


@dataclass(frozen=True)
class RunOptions:
    """How a container run takes its snapshots, not what it measures: the probes of one
    phase, and the atomic check's traced reads, at once (each shell context is its own
    process, so they are independent), a build (and an install) reused when its inputs are
    the same as one already done or under way (probe.py), and the steps that follow one
    another in one exec."""

    parallel_probes: bool = True
    build_reuse: bool = True
    fixture_layers: bool = True  # a fixture that can be an image layer is one (the session)
    batched_steps: bool = True  # steps that follow one another with no decision: one exec


@dataclass(frozen=True)
class Step:
    """A step of a run not yet taken: its name, its command line (``command`` with ``args``
    quoted into it, as testinfra quotes them), whether a failure ends the run, and what is
    done with its outcome (``then(out)``; ``out`` has ``rc``, ``stdout``, ``stderr``);
    ``logged``: whether the step log keeps the ends of its outputs (not of the snapshots and
    the probes' errors, which the run keeps whole)."""

    name: str
    command: str
    args: tuple[str, ...] = ()
    check: bool = False
    then: Callable | None = None
    logged: bool = True


@dataclass(frozen=True)
class Outcome:
    """What one step of a batch gave: the same fields as testinfra's CommandResult uses."""

    rc: int
    stdout: str
    stderr: str


_PROBE_FILES = ("probe.sh", "probe.py", "hello.go")


def _older(a: str, b: str) -> bool:
    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))
    return key(a) < key(b)


def probe_archive(scripts: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        folder = tarfile.TarInfo("govm")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o1777
        tar.addfile(folder)
        probe = resources.files("matrix.run") / "probe"
        files = {name: (probe / name).read_bytes() for name in _PROBE_FILES}
        files.update({name: text.encode() for name, text in scripts.items()})
        for name, data in files.items():
            info = tarfile.TarInfo(f"govm/{name}")
            info.size, info.mode = len(data), 0o644
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Run:
    """Runs one scenario on one image; ``execute`` never raises for a failure inside."""

    def __init__(self, cli: docker.DockerClient, image: ImageRef, platform: Platform,
                 manager: Manager, old: str, new: str, scope: str, shells: tuple[str, ...],
                 fixtures: tuple[Fixture, ...] = (), run_id: str | None = None,
                 name: str = "", options: RunOptions | None = None,
                 layered: tuple[str, ...] = ()) -> None:
        """One container run of ``old``→``new`` in ``scope`` after ``fixtures``; raises
        Unsupported at once when the manager lacks the scope. The fixtures named in
        ``layered`` are already applied in ``image`` (``ImageBuilder.fixture_layer``)."""
        self.cli, self.image, self.platform, self.manager = cli, image, platform, manager
        self.old, self.new, self.scope, self.shells = old, new, scope, shells
        self.fixtures, self.run_id, self.name = fixtures, run_id, name
        self.layered = layered
        self.options = options or RunOptions()
        self.result = RunResult()
        self._user = self._root = self._container = None
        self._base: dict[str, dict] = {}  # each context's base snapshot (_read_snapshots)
        self._snapshots_read = False
        manager.select(new, scope, platform)  # Unsupported before anything starts

    # -- steps ---------------------------------------------------------------------------
    def _exec(self, step: str, host, command: str, *args: str, check: bool = True,
              logged: bool = True) -> Outcome:
        started = time.monotonic()
        ran = host.run(f"timeout {STEP_TIMEOUT} {command}", *args)
        out = _outcome(ran)
        self._record(step, ran.command.decode(errors="replace")
                     if isinstance(ran.command, bytes) else str(ran.command),
                     out.rc, *((out.stdout, out.stderr) if logged else ("", "")), started)
        if check:
            _check(step, out)
        return out

    def _in_turn(self, host, steps: list[Step]) -> None:
        """``steps`` one after another as ``host``'s user, each in its own ``/bin/sh -c``
        child as a step of its own would be; with batched steps in one exec (a ``docker
        exec`` costs about as much CPU as a probe), else one exec each. Each step is logged
        with its own status, outputs and seconds; a checked step that fails ends the run."""
        if not self.options.batched_steps:
            for step in steps:
                out = self._exec(step.name, host, step.command, *step.args, check=step.check,
                                 logged=step.logged)
                if step.then:
                    step.then(out)
            return
        commands = [host.backend.get_command(f"timeout {STEP_TIMEOUT} {step.command}",
                                             *step.args) for step in steps]
        mark = f"govm-step-{uuid.uuid4().hex[:12]}"  # no output holds it by chance
        lines = []
        for i, command in enumerate(commands):
            # after each step, on both streams: its number; on stdout its status and times
            lines += ["s=$(date +%s%N)", command, "rc=$?",
                      f"printf '\\036{mark} {i} %s %s %s\\036\\n' \"$rc\" \"$s\" "
                      f"\"$(date +%s%N)\"; printf '\\036{mark} {i}\\036\\n' >&2"]
            if steps[i].check:
                lines.append('[ "$rc" -eq 0 ] || exit "$rc"')
        out = _outcome(host.run("\n".join(lines) + "\n"))
        ends = _marked(out.stdout, mark)
        errs = _marked(out.stderr, mark)
        for i, (step, command) in enumerate(zip(steps, commands, strict=True)):
            if i not in ends:
                raise StepFailed(f"step {step.name!r} did not finish: its batch exited "
                                 f"{out.rc}: {_last_line(out.stderr or out.stdout)}")
            stdout, rc, seconds = ends[i]
            done = Outcome(rc, stdout, errs.get(i, ("", 0, 0.0))[0])
            self._record(step.name, command, rc,
                         *((done.stdout, done.stderr) if step.logged else ("", "")),
                         seconds=seconds)
            if step.check:
                _check(step.name, done)
            if step.then:
                step.then(done)

    def _record(self, step: str, command: str, status: int, stdout: str = "",
                stderr: str = "", started: float | None = None,
                seconds: float | None = None) -> None:
        """One entry of the step log (its outputs' ends; its ``seconds``, or those since
        ``started``)."""
        if seconds is None:
            seconds = time.monotonic() - started if started is not None else 0
        self.result.steps.append({
            "step": step, "command": command, "status": status, "stdout": stdout[-2000:],
            "stderr": stderr[-2000:], "seconds": round(seconds, 3)})

    def _login(self, step: str, command: str, check: bool = True):
        return self._exec(step, self._user, "%s %s %s", *self._login_argv(), command,
                          check=check)

    def _login_argv(self) -> tuple[str, ...]:
        """How the platform's login shell runs one command (``bash -lc``, ``zsh -lc``)."""
        return SHELL_ARGV[f"{self.platform.login_shell}-login"]

    def _run(self, argv: list[str], user: str, workdir: str | None = None):
        """``argv`` in the container, its outputs read whole (``commands.execute``)."""
        return execute(self._container.id, argv, user, workdir)

    def _switch_in_session(self, version: str) -> str:
        """What a person types in the session to switch to ``version`` in this scope."""
        if self.scope == "directory":
            return f"cd {PROJECT}" if version == self.new else "cd ~"
        return self.manager.select(version, self.scope, self.platform)

    def _scripts(self) -> dict[str, str]:
        """The two interactive sessions: the one where A→B→A→B is typed, and one opened
        before the first switch that only looks, after each switch of the other."""
        return session_scripts(self._switch_in_session, self.old, self.new)

    # -- the run -------------------------------------------------------------------------
    def execute(self) -> RunResult:
        started = time.monotonic()
        container = None
        try:
            env = dict(self.platform.login_env)  # a fixture's variables come after
            plain = {"old": self.old, "new": self.new, "home": self.platform.home}
            for fixture in self.fixtures:
                env.update(fixture.environment(plain))
            if not self.options.build_reuse:
                env["GOVM_BUILD_REUSE"] = "0"  # read by probe.py; no snapshot keeps GOVM_*
            container = self.cli.containers.run(
                self.image.tag, ["sleep", "infinity"], detach=True, network_mode="none",
                user=self.platform.user, working_dir=self.platform.home, environment=env,
                labels=labels(self.run_id, cell=self.name), hostname="localhost",
                # strace, as root, traces one switch (sudo included) for the atomic check
                cap_add=["SYS_PTRACE"],
            )
            container.put_archive("/tmp", probe_archive(self._scripts()))
            self._container = container
            import testinfra  # here, not at import: pytest's assertion rewriting comes first

            self._user = testinfra.get_host(f"docker://{self.platform.user}@{container.id}")
            self._root = testinfra.get_host(f"docker://root@{container.id}")
            self._steps()
        except StepFailed as exc:
            self.result.error = str(exc)
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            self.result.error = describe(exc)
        finally:
            if container is not None:
                if not self._snapshots_read:
                    self._collect(container)
                try:
                    container.remove(force=True)
                except (docker.errors.DockerException, requests.exceptions.RequestException):
                    pass  # the daemon is gone: the next run removes it (engine.reap)
            self.result.seconds = round(time.monotonic() - started, 2)
        if self.result.error:
            self.result.log_tail = _log_tail(self.result.steps)
        return self.result

    def _steps(self) -> None:
        probe = self.manager.unsupported_probe(self.new, self.scope, self.platform)
        if probe:
            out = self._login(f"can {self.manager.name} do it", probe, check=False)
            if out.rc != 0:
                # Only the manager's own words of refusal make the cell UNSUPPORTED; any
                # other failure (a broken install, a missing command) is the harness's ERROR.
                output = out.stdout + out.stderr
                refusal = self.manager.refusal(probe, out.rc, output)
                if refusal is None:
                    raise StepFailed(f"`{probe}` exited {out.rc} without {self.manager.name}'s "
                                     f"refusal: {_last_line(output)}")
                self.result.unsupported = refusal
                return
        roots = Step("read install roots",
                     "cat /opt/govm-matrix/roots.json /opt/govm-matrix/manager.json",
                     check=True, then=self._read_roots)
        first = []
        if all(fixture.name in self.layered for fixture in self.fixtures):
            first.append(roots)  # nothing to apply in between: the roots go with what follows
        else:
            self._in_turn(self._user, [roots])
            values = fixture_values(self.platform, self.old, self.new, self.result.roots)
            applied = [(who, Step(f"fixture {fixture.name}", "sh -c %s", (command,), check=True))
                       for fixture in self.fixtures if fixture.name not in self.layered
                       for who, command in fixture.commands(values)]
            # the commands in their order, one exec for each run of one user's; the user's
            # last ones go with what follows
            runs = [(who, [step for _, step in run])
                    for who, run in itertools.groupby(applied, key=lambda pair: pair[0])]
            if runs and runs[-1][0] != "root":
                first = runs.pop()[1]
            for who, steps in runs:
                self._in_turn(self._root if who == "root" else self._user, steps)
        plain = [s for s in self.shells if s in SHELL_ARGV]
        if self.scope == "directory":
            first.append(self._switch(
                f"pin go{self.new} in {PROJECT}",
                f"mkdir -p {PROJECT} && cd {PROJECT} && cp /tmp/govm/hello.go main.go && "
                "printf 'module hello\\n\\ngo 1.21\\n' > go.mod && "
                + self.manager.select(self.new, "directory", self.platform)))
        then = [*first, self._select_global(self.old, f"select go{self.old}"),
                *self._probe_all(plain, "base")]
        # the other session opens after the base snapshots, before the first switch
        if "session" in self.shells:
            then += [self._open_other_session(), self._session()]
        if self.scope == "global":
            then.append(self._select_global(self.new, f"switch to go{self.new}"))
        where = f"cd {PROJECT} && " if self.scope == "directory" else ""
        then += self._probe_all(plain, "after", where)
        if self.scope == "global":
            then.append(self._select_global(self.old, f"switch to go{self.old}"))
        then += self._probe_all(plain, "back")
        if "script" in self.shells:
            then += self._script()
        # every probe has run: the snapshots are read in the same exec (the atomic check
        # measures where the manager is in effect at base)
        then.append(Step("read snapshots", "sh -c %s", (_READ_SNAPSHOTS,),
                         then=self._read_snapshots, logged=False))
        self._in_turn(self._user, then)
        self._atomicity()

    def _read_snapshots(self, out) -> None:
        """Every snapshot of the run, and each context's base snapshot by context; what the
        probes wrote to their error file is logged as a step of its own."""
        try:
            self._take_snapshots(out.stdout, out.stderr)
        except (ValueError, KeyError) as exc:
            raise StepFailed(f"reading the snapshots failed: {exc}") from exc
        for label, snap in self.result.snapshots.items():
            shell, _, phase = label.partition(":")
            if phase == "base":
                self._base[shell] = snap

    def _take_snapshots(self, stdout: str, stderr: str) -> None:
        """The snapshots ``cat`` printed (``_READ_SNAPSHOTS``), one a line."""
        for line in stdout.splitlines():
            snap = json.loads(line)
            self.result.snapshots[snap["label"]] = snap
        self._snapshots_read = True
        if stderr.strip():
            self._record("probe errors", "", 0, stderr=stderr)

    def _read_roots(self, out) -> None:
        """The image's install roots and manager, and the fixtures already in its layers."""
        roots_line, manager_line = out.stdout.strip().splitlines()[:2]
        self.result.roots = json.loads(roots_line)
        self.result.manager_info = json.loads(manager_line)
        for version in (self.old, self.new):
            if version not in self.result.roots:
                raise StepFailed(f"the image has no go{version} (roots: {self.result.roots})")
        for fixture in self.fixtures:
            if fixture.name in self.layered:
                self._record(f"fixture {fixture.name}",
                             f"applied once in image layer {self.image.tag}", 0)

    def _script(self) -> list[Step]:
        """The script context: one non-interactive bash process that activates the manager
        as its docs tell scripts and CI steps to, then switches and probes with no prompt in
        between (a switch that fails there is recorded for this context only)."""
        text = script_text(self.manager.SCRIPT, self._switch_in_session, self.old, self.new)

        def failures(out) -> None:
            if out.rc == 0:
                self.result.context_failures["script"] = [
                    line for line in out.stdout.splitlines() if line.strip()]

        return [Step("script", "bash -c %s", (text,)),
                Step("script switches", "cat /tmp/govm/script.failures", then=failures)]

    def _select_global(self, version: str, step: str) -> Step:
        return self._switch(step, self.manager.select(version, "global", self.platform))

    def _switch(self, step: str, command: str) -> Step:
        """A switch that fails is a finding, not the end of the run: the snapshots after it
        show what state it left."""
        def failed(out) -> None:
            if out.rc != 0:
                lines = (out.stderr or out.stdout).strip().splitlines() or ["no output"]
                self.result.switch_failures.append(
                    f"{step}: `{command}` exited {out.rc}: {lines[-1][:300]}")

        return Step(step, "%s %s %s", (*self._login_argv(), command), then=failed)

    def _probe_all(self, shells: list[str], phase: str, prefix: str = "") -> list[Step]:
        """One snapshot per shell context of this phase: at once (a phase costs its slowest
        probe), each context its own process with its own output, or one after another."""
        if not self.options.parallel_probes or len(shells) < 2:
            return [Step(f"probe {shell} {phase}", "%s %s %s",
                         (*SHELL_ARGV[shell], prefix + probe_snippet(f"{shell}:{phase}")))
                    for shell in shells]
        lines = _at_once({shell: (f"{' '.join(SHELL_ARGV[shell])} "
                                  f"{q(prefix + probe_snippet(f'{shell}:{phase}'))}",
                                  f"/tmp/govm/probe-{shell}-{phase}") for shell in shells})
        return [Step(f"probe {phase}: {', '.join(shells)} at once", "sh -c %s",
                     ("\n".join(lines) + "\n",))]

    def _open_other_session(self) -> Step:
        """The second interactive session, opened in the background: it takes its base
        snapshot, then one after each switch of the session (``session_scripts``)."""
        shell = self.platform.login_shell
        return Step("open the other session", "sh -c %s",
                    (f"timeout {STEP_TIMEOUT} {shell} -il < /tmp/govm/other.sh "
                     ">/tmp/govm/other.log 2>&1 &",))

    def _session(self) -> Step:
        # the step ends when the other session has taken its last snapshot too
        shell = self.platform.login_shell
        return Step("interactive session", "sh -c %s",
                    (f"{before_session()}; {shell} -il < /tmp/govm/session.sh; rc=$?; "
                     f"{wait_for('other.done')}; exit $rc",))

    # -- switch atomicity -------------------------------------------------------------------
    def _observe_argv(self, shell: str) -> list[str]:
        """How a shell of this context runs one command (the session contexts as an
        interactive login shell; the script after the manager's script activation)."""
        login = self.platform.login_shell
        if shell in SHELL_ARGV:
            return list(SHELL_ARGV[shell])
        if shell == "script":
            return ["bash", "-c", f"{self.manager.SCRIPT or ':'}\n"]
        return [login, "-ilc"]

    def _traced_argv(self, trace: str, argv: list[str], command: str) -> list[str]:
        """``argv command`` as the user, traced by strace as root (which lets sudo keep its
        privileges under the trace) into ``trace``, with the user's home and the variables a
        login sets (``Platform.login_env``), as the user's own execs have them."""
        script = argv[-1] + command if argv[-1].endswith("\n") else command
        head = argv[:-1] if argv[-1].endswith("\n") else argv
        login = [f"{name}={value}" for name, value in self.platform.login_env.items()]
        return ["timeout", str(STEP_TIMEOUT), "strace", "-f", "-qq", "-y", "-s", "256",
                "-e", "trace=%file,%desc", "-o", trace, "-u", self.platform.user, "env",
                f"HOME={self.platform.home}", *login, *head, script]

    def _traced(self, name: str, trace: str, argv: list[str], command: str, workdir: str,
                then: Callable | None = None) -> Step:
        """A step, as root in ``workdir``, that runs ``argv command`` traced
        (``_traced_argv``) into ``trace``."""
        return Step(name, "sh -c %s", (f"{_in_dir(workdir)}; "
                                       f"{shlex.join(self._traced_argv(trace, argv, command))}",),
                    then=then)

    def _traced_reads(self, contexts: list[str], command: str, workdir: str) -> list[Step]:
        """``command`` traced in every context (into ``_trace_file(context)``), each only
        reading, in its own process: at once, or one after another."""
        if not contexts:
            return []
        if not self.options.parallel_probes:
            return [self._traced(f"traced: {command[:60]}", _trace_file(shell),
                                 self._observe_argv(shell), command, workdir)
                    for shell in contexts]
        lines = [_in_dir(workdir), *_at_once({
            shell: (shlex.join(self._traced_argv(_trace_file(shell), self._observe_argv(shell),
                                                 command)), _trace_file(shell))
            for shell in contexts})]
        return [Step(f"traced at once: {command[:40]} in {', '.join(contexts)}", "sh -c %s",
                     ("\n".join(lines) + "\n",))]

    def _switch_command(self, version: str) -> str:
        if self.scope == "directory":
            return self.manager.select(version, "directory", self.platform)
        return self.manager.select(version, "global", self.platform)

    def _atomicity(self) -> None:
        """Trace one switch and each context's lookup; in the clean scenario also switch
        back and forth while a second shell observes in a loop (see checks/atomic.py)."""
        from ..checks.atomic import reads, windows

        atomic: dict = {"scope": self.scope}
        self.result.atomic = atomic
        if self.scope == "session":
            return
        home = self.platform.home
        workdir = f"{home}/proj" if self.scope == "directory" else home
        lookup = "go version; go env GOROOT"
        contexts = self._active_contexts([s for s in self.shells if s != "other-session"])
        command = self._switch_command(self.new)
        status: list[int] = []
        traces: dict[str, str] = {}
        names = [*contexts, _SWITCH]

        def read_traces(out) -> None:
            _, *parts = out.stdout.split(_TRACE_MARK)
            traces.update(part.partition("\n")[::2] for part in parts)

        # the reads, the switch, then the traces: one exec with batched steps
        self._in_turn(self._root, [
            *self._traced_reads(contexts, lookup, workdir),
            self._traced(f"traced: {command[:60]}", _trace_file(_SWITCH),
                         [self.platform.login_shell, "-lc"], command, workdir,
                         then=lambda out: status.append(out.rc)),
            Step("read the traces", "sh -c %s", ("; ".join(
                f"printf %s {q(_TRACE_MARK + name)}; echo; cat {_trace_file(name)}"
                for name in names),), then=read_traces, logged=False)])
        atomic["reads"] = {shell: reads(traces.get(shell, ""), workdir) for shell in contexts}
        atomic["reads"]["other-session"] = atomic["reads"].get("session", [])
        atomic["switch"] = command.replace(self.new, "<version>")
        atomic["traced_status"] = status[0]
        atomic["windows"] = windows(traces.get(_SWITCH, ""), workdir)
        # The observers run once per switch mechanism: in the clean scenario, in the run
        # that switches from the older version to the newer (the reverse run switches the
        # same way; its cells say where the counts are).
        if contexts and not self.fixtures and _older(self.old, self.new):
            self._observe(atomic, contexts, workdir)

    def _active_contexts(self, contexts: list[str]) -> list[str]:
        """The contexts whose atomic verdict the measurement decides: those where the manager
        is in effect in the base snapshot, by the check's own test (``manager_active``);
        elsewhere the verdict is INACTIVE whatever is measured. The session counts for the
        other session too, which reads what it reads."""
        from ..checks import manager_active

        base = self._base
        dirs = tuple(self.manager.managed_dirs(self.platform))

        def active(shell: str) -> bool:
            return manager_active({"base": base.get(shell)}, self.manager.name, dirs)

        keep = [s for s in contexts
                if active(s) or (s == "session" and active("other-session"))]
        if len(keep) < len(contexts):
            self._record("atomic: contexts measured", "", 0,
                         f"measured in {', '.join(keep) or 'none'}; not in "
                         f"{', '.join(s for s in contexts if s not in keep)}, where "
                         f"{self.manager.name} is not in effect at base (INACTIVE)")
        return keep

    def _observe(self, atomic: dict, contexts: list[str], workdir: str) -> None:
        """Switch back and forth while one shell per context, started before the switches,
        observes in a tight loop: each observation asks its go, in one process, for its own
        version and GOROOT, and every OBSERVE_BUILD_EVERY-th also builds a tiny program.
        Every observation is kept, as evidence."""
        body = ("n=0; while [ ! -e /tmp/govm/atomic.stop ]; do n=$((n+1)); "
                "env=$(go env GOVERSION GOROOT 2>&1); rc=$?; b=-; err=; "
                f"if [ $((n % {OBSERVE_BUILD_EVERY})) -eq 1 ]; then "
                "err=$(go build -o /tmp/govm/observed-$$ . 2>&1); b=$?; fi; "
                "printf '%s\t%s\t%s\t%s\t%s\n' \"$GOVM_CONTEXT\" \"$rc\" \"$b\" "
                "\"$(printf %s \"$env\" | tr '\t\n' ' |')\" "
                "\"$(printf %s \"$err\" | tail -n 1 | tr '\t' ' ')\" "
                ">> /tmp/govm/obs-$GOVM_CONTEXT; done")
        loops = []
        for shell in contexts:
            argv = self._observe_argv(shell)
            if argv[-1].endswith("\n"):
                run = f"{' '.join(argv[:-1])} {q(argv[-1] + body)}"
            else:
                run = f"{' '.join(argv)} {q(body)}"
            loops.append(f"GOVM_CONTEXT={q(shell)} {run} >/dev/null 2>&1 &")
        setup = "" if self.scope == "directory" else (  # a module to build, outside the project
            "cd $(mktemp -d) && cp /tmp/govm/hello.go main.go && "
            "printf 'module hello\n\ngo 1.21\n' > go.mod\n")
        script = "echo $$ > /tmp/govm/observers.pid\n" + setup + "\n".join(loops) + "\nwait\n"
        self._container.exec_run(["sh", "-c", script], user=self.platform.user,
                                 workdir=workdir, detach=True)
        # One exec, not one per switch: the first switch comes once every observer has made
        # its first observation; then the switches, each in a new login shell as the user
        # in the context's folder, as a person would type it; then the loops are told to
        # stop, finish the observation in hand, and their observations are read.
        commands = [q(self._switch_command(version)) for version in (self.old, self.new)]
        shell = self.platform.login_shell
        script = "\n".join([
            "unset PWD",  # as for the traced reads: docker exec alone does not set it
            *(wait_for(f"obs-{s}", seconds=OBSERVE_WARMUP) for s in contexts),
            "start=$(date +%s%N); n=0",
            "while :; do",
            "  ms=$(( ($(date +%s%N) - start) / 1000000 ))",
            f"  [ $ms -ge {round(ATOMIC_SECONDS * 1000)} ] && break",
            f"  [ $n -ge {ATOMIC_SWITCHES} ] && [ $ms -ge {round(ATOMIC_MIN_SECONDS * 1000)} ] "
            "&& break",
            f"  if [ $((n % 2)) -eq 0 ]; then {shell} -lc {commands[0]}; "
            f"else {shell} -lc {commands[1]}; fi >/dev/null 2>&1",
            f"  n=$((n + 1)); sleep {ATOMIC_PAUSE}",
            "done",
            "touch /tmp/govm/atomic.stop",
            "pid=$(cat /tmp/govm/observers.pid)",  # the shell that waits for the loops
            wait_while('kill -0 "$pid" 2>/dev/null', seconds=10),
            f"printf '{_SWITCHED}\\t%s\\t%s\\n' $n $ms",
            "cat /tmp/govm/obs-* 2>/dev/null"])
        started = time.monotonic()
        out = self._run(["timeout", str(STEP_TIMEOUT), "sh", "-c", script], self.platform.user,
                        workdir)
        switches, seconds = 0, 0.0
        observations: dict[str, list[dict]] = {}
        for line in out.stdout.decode(errors="replace").splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[0] == _SWITCHED and parts[1].isdigit():
                switches, seconds = int(parts[1]), int(parts[2]) / 1000
            if len(parts) != 5 or not parts[1].isdigit():
                continue
            shell, rc, build, env, error = parts
            version, _, goroot = env.partition("|")
            observations.setdefault(shell, []).append(
                {"status": int(rc), "build": int(build) if build.isdigit() else None,
                 "version": version.strip(), "goroot": goroot.strip(),
                 "error": error.strip()[:300]})
        observations.setdefault("other-session", observations.get("session", []))
        atomic.update(observations=observations, switches=switches, seconds=seconds)
        self._record("atomic: switches while observed", script, out.exit_code,
                     f"{switches} switches in {seconds} s", out.stderr.decode(errors="replace"),
                     started)

    def _collect(self, container) -> None:
        """The snapshots of a run that ended before its steps read them."""
        try:
            out = execute(container.id, ["sh", "-c", _READ_SNAPSHOTS], "root")
            self._take_snapshots(out.stdout.decode(errors="replace"),
                                 out.stderr.decode(errors="replace"))
        except (docker.errors.DockerException, requests.exceptions.RequestException, ValueError,
                KeyError) as exc:
            self.result.error = self.result.error or (
                f"collecting snapshots failed: {describe(exc)}")


def _in_dir(workdir: str) -> str:
    """The shell line that puts a traced command in ``workdir`` as ``docker exec -w`` would:
    PWD unset, which docker exec alone does not set and sh exports."""
    return f"cd {q(workdir)} && unset PWD || exit"


def _trace_file(name: str) -> str:
    """Where the atomic check's trace of a context's read (or of the switch) goes."""
    return "/tmp/govm/switch.trace" if name == _SWITCH else f"/tmp/govm/read-{name}.trace"


def _at_once(jobs: dict[str, tuple[str, str]]) -> list[str]:
    """Shell lines that run every job (name: its command line, and the path its output and
    exit status go to, as <path>.out and <path>.rc) at once, wait for all, then print each
    one's exit status and the end of its output, kept apart."""
    lines = [f"( {command} >{out}.out 2>&1; echo $? >{out}.rc ) &"
             for command, out in jobs.values()]
    lines.append("wait")
    lines += [f"printf '== {name}: exit %s\\n' \"$(cat {out}.rc)\"; tail -c 1000 {out}.out"
              for name, (_, out) in jobs.items()]
    return lines


def _outcome(result) -> Outcome:
    """A testinfra CommandResult's status and outputs, decoded as UTF-8 (bytes that are not
    become U+FFFD), as ``commands.execute``'s are: testinfra itself would first run python in
    the container to ask its locale, once per host, for output that is not ASCII."""
    return Outcome(result.rc, result.stdout_bytes.decode(errors="replace"),
                   result.stderr_bytes.decode(errors="replace"))


class StepFailed(Exception):
    pass


def _check(step: str, out) -> None:
    """A checked step that failed ends the run, with its last line of output."""
    if out.rc != 0:
        raise StepFailed(f"step {step!r} exited {out.rc}: {_last_line(out.stderr or out.stdout)}")


def _marked(text: str, mark: str) -> dict[int, tuple[str, int, float]]:
    """A batch's stream cut at the marks its steps printed after them: by step number, the
    step's part of the stream, and (on stdout) its status and seconds."""
    found: dict[int, tuple[str, int, float]] = {}
    pattern = re.compile(f"\036{mark} (\\d+)(?: (\\d+) (\\d+) (\\d+))?\036\n")
    at = 0
    for match in pattern.finditer(text):
        number, rc, start, end = match.groups()
        seconds = (int(end) - int(start)) / 1e9 if rc is not None else 0.0
        found[int(number)] = (text[at:match.start()], int(rc or 0), seconds)
        at = match.end()
    return found


def _last_line(output: str) -> str:
    lines = [line for line in (output or "").strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else "no output"


def _log_tail(steps: list[dict], lines: int = 30) -> list[str]:
    out: list[str] = []
    for step in steps[-3:]:
        out.append(f"$ {step['command']}  (exit {step['status']})")
        out += (step["stdout"] + step["stderr"]).strip().splitlines()[-10:]
    return out[-lines:]
