"""What doctor finds in the snapshots of this machine's shell contexts, in the matrix's words.

No switch happens here, so there is no "old" and "new" version: the go that runs in a context
is the one every other Go setting of that context must agree with. Paths are given to Go
versions as the matrix does it (``Leg.owner`` over the installs found, by real path), and the
verdicts keep the matrix's meaning:

- LEAK: something of another version is in effect where this go runs: an exported GOROOT in
  its root, a GOTOOLCHAIN forcing it, a GOPATH or GOBIN inside it, or an older version of the
  same tool first on PATH (the path check's "first go on PATH in another version's root").
- BROKEN: the toolchain does not work (`go version` or the build fails), or a go that no
  version manager put there (the system's, a distribution's, Homebrew's, a runner's) comes
  before a manager's go or shims on PATH (the path check's "a go of no known manager
  version"), or an exported GOROOT holds no Go at all.
- INACTIVE: a context with no go, or one that runs a go of another tool than the user's
  interactive shell does (the tool is not set up there, as in the matrix's cells of shells a
  manager's set-up never reaches).

Each finding says where the setting comes from (file and line of the start-up file or the
GOENV file) and a one-line fix. Pure functions of the snapshots: the start-up files are read
through ``Sources``, which tests point at files of their own.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..checks.leg import VERSION_RE, Leg, tail, version_tag
from ..core.verdicts import SEVERITY, Verdict
from . import rcfiles
from .installs import DESCRIBE, MANAGED_KINDS, Install, install_of

FORCED = re.compile(r"go(\d+\.\d+(?:\.\d+|rc\d+)?)")

#: what each context reads, for the fix of a context the user's set-up does not reach
READS = {
    "bash-login": "bash -lc reads /etc/profile and the first of ~/.bash_profile, "
                  "~/.bash_login, ~/.profile, not what ~/.bashrc sets for interactive shells",
    "bash-interactive": "bash -ic reads ~/.bashrc only",
    "zsh-login": "zsh -lc reads ~/.zshenv and ~/.zprofile, not ~/.zshrc",
    "sh": "sh -c reads no start-up file (what cron, CI steps and IDE tasks get)",
    "session": "an interactive login shell reads the login files and the interactive ones",
}


@dataclass
class Finding:
    verdict: Verdict
    check: str  # the matrix check it belongs to: goroot, path, gopath, gobin, gotoolchain, ...
    message: str
    fix: str
    contexts: list[str] = field(default_factory=list)
    where: list[dict] = field(default_factory=list)

    @property
    def line(self) -> str:
        return f"{self.verdict.value}: {self.message}: {self.fix}"

    def to_dict(self) -> dict:
        return {"verdict": self.verdict.value, "check": self.check, "contexts": self.contexts,
                "message": self.message, "fix": self.fix, "where": self.where,
                "line": self.line}


class Sources:
    """Where settings come from on this machine: the start-up files (all of them, or the
    ones given) and any other file named (the GOENV file, go.env)."""

    def __init__(self, home: str, files: list[str] | None = None) -> None:
        self.home, self.files = home, files

    def assignments(self, variable: str) -> list[rcfiles.Where]:
        return rcfiles.assignments(variable, self.home, self.files)

    def path_lines(self, folder: str) -> list[rcfiles.Where]:
        return rcfiles.path_lines(folder, self.home, self.files)

    def file_lines(self, path: str, variable: str) -> list[rcfiles.Where]:
        return rcfiles.file_lines(path, variable)

    def say(self, where: list[rcfiles.Where]) -> str:
        return rcfiles.say(where, self.home)

    def tilde(self, path: str | None) -> str:
        return rcfiles.tilde(path or "", self.home)


@dataclass
class Context:
    """What one shell context runs, from its snapshot."""

    name: str
    snap: dict | None
    leg: Leg | None
    go: str | None = None  # what the shell runs (`command -v go`)
    real: str | None = None
    running: str | None = None  # what `go version` says
    path_version: str | None = None  # the version of the go on PATH (its install's)
    kind: str | None = None  # the tool the go on PATH comes from
    install: Install | None = None
    error: str | None = None


class Doctor:
    """The findings over every context's snapshot. ``installs``: every Go install found;
    ``shims``: shim folder -> the kind of tool whose shims they are."""

    def __init__(self, snapshots: dict[str, dict | None], installs: list[Install],
                 sources: Sources, shims: dict[str, str] | None = None,
                 version_dirs: dict[str, list[str]] | None = None,
                 errors: dict[str, str] | None = None) -> None:
        self.installs, self.sources = installs, sources
        self.shims = dict(shims or {})
        self.version_dirs = dict(version_dirs or {})
        self.contexts = {name: self._context(name, snap, (errors or {}).get(name))
                         for name, snap in snapshots.items()}

    # -- what runs where ---------------------------------------------------------------------
    def _context(self, name: str, snap: dict | None, error: str | None) -> Context:
        if not snap:
            return Context(name, None, None, error=error or "the probe took no snapshot")
        leg = Leg(snap, None, "", "", "", (), tuple(self.shims), self.version_dirs)
        shell_go = snap.get("shell_go") or {}
        first = (snap.get("go_on_path") or [{}])[0]
        go = shell_go.get("command") or first.get("path") or snap.get("go")
        real = shell_go.get("real") or first.get("real")
        match = VERSION_RE.search(shell_go.get("version_output") or "")
        ctx = Context(name, snap, leg, go, real, match.group(1) if match else None)
        if go:
            ctx.install = install_of(self.installs, go, real)
            ctx.kind = self.kind_of(go, real)
            ctx.path_version = leg.owner(go, real) or (ctx.install.version if ctx.install
                                                       else None)
            if ctx.path_version is None and self.shim_of(go):
                ctx.path_version = ctx.running  # a shim runs the version its tool selects
        return ctx

    def shim_of(self, path: str | None) -> str | None:
        norm = os.path.normpath(path or ".")
        return next((kind for folder, kind in self.shims.items()
                     if norm == folder.rstrip("/") or norm.startswith(folder.rstrip("/") + "/")),
                    None)

    def kind_of(self, path: str | None, real: str | None = None) -> str | None:
        install = install_of(self.installs, path, real)
        return install.kind if install else self.shim_of(path)

    # -- the findings ------------------------------------------------------------------------
    def findings(self) -> list[Finding]:
        found: list[Finding] = []
        for ctx in self.contexts.values():
            if ctx.error:
                found.append(Finding(Verdict.ERROR, "probe", f"no snapshot of {ctx.name}: "
                                     f"{ctx.error}", "run it again; if it stays, run "
                                     f"`{ctx.name}` by hand to see why", [ctx.name]))
                continue
            for finding in self._of_context(ctx):
                finding.contexts = [ctx.name]
                found.append(finding)
        found += self._across_contexts()
        return _merge(found)

    def _of_context(self, ctx: Context) -> list[Finding]:
        if not ctx.go:
            return []
        found: list[Finding] = []
        forced = self._gotoolchain(ctx, found)
        self._goroot(ctx, forced, found)
        for variable in ("GOPATH", "GOBIN"):
            self._dirs(ctx, variable, found)
        self._path(ctx, found)
        self._works(ctx, found)
        return found

    def _where(self, variable: str) -> tuple[list[rcfiles.Where], str, str]:
        """(lines, 'in ~/.bashrc line 42', fix) for an exported variable."""
        where = self.sources.assignments(variable)
        if where:
            return where, f"in {self.sources.say(where)}", (
                "remove that line" if len(where) == 1 else "remove those lines")
        return [], "in the environment doctor was started from (no start-up file sets it)", (
            f"unset {variable} where it is exported (a parent process, a terminal profile)")

    def _dicts(self, where: list[rcfiles.Where]) -> list[dict]:
        return [w.to_dict(self.sources.home) for w in where]

    def _goroot(self, ctx: Context, forced: str | None, found: list[Finding]) -> None:
        snap, leg = ctx.snap, ctx.leg
        exported = (snap.get("vars") or {}).get("GOROOT")
        if exported and ctx.path_version:
            owner = leg.owner(exported)
            where, said, fix = self._where("GOROOT")
            if owner and owner != ctx.path_version:
                found.append(Finding(
                    Verdict.LEAK, "goroot", f"GOROOT exported {said} points at go{owner} "
                    f"({self.sources.tilde(exported)}) while go{ctx.path_version} runs", fix,
                    where=self._dicts(where)))
            elif owner is None:
                found.append(Finding(
                    Verdict.BROKEN, "goroot", f"GOROOT exported {said} is "
                    f"{self.sources.tilde(exported)}, which holds no Go install", fix,
                    where=self._dicts(where)))
            return
        effective = (snap.get("go_env") or {}).get("GOROOT")
        owner = leg.owner(effective) if effective else None
        if owner and ctx.path_version and owner not in (ctx.path_version, forced):
            found.append(Finding(
                Verdict.LEAK, "goroot", f"`go env GOROOT` is {self.sources.tilde(effective)} "
                f"(go{owner}) while go{ctx.path_version} runs",
                "find what sets GOROOT for go (`go env -u GOROOT` if it is the GOENV file)"))

    def _toolchain_setting(self, snap: dict) -> tuple[str | None, str, str, list]:
        """The effective GOTOOLCHAIN: (value, where it comes from, its fix, lines)."""
        exported = (snap.get("vars") or {}).get("GOTOOLCHAIN")
        if exported:
            where, said, fix = self._where("GOTOOLCHAIN")
            return exported, f"exported {said}", fix, where
        goenv = snap.get("goenv_file") or {}
        for line in (goenv.get("content") or "").splitlines():
            if line.startswith("GOTOOLCHAIN="):
                where = self.sources.file_lines(goenv.get("path") or "", "GOTOOLCHAIN")
                said = (self.sources.say(where) if where
                        else self.sources.tilde(goenv.get("path")))
                return (line.split("=", 1)[1], f"in the GOENV file {said}",
                        "run `go env -u GOTOOLCHAIN`", where)
        go_env = snap.get("go_env") or {}
        if go_env.get("GOROOT"):
            path = os.path.join(go_env["GOROOT"], "go.env")
            where = self.sources.file_lines(path, "GOTOOLCHAIN")
            if where:
                return (where[0].text.split("=", 1)[1], f"in {self.sources.say(where)}",
                        "set it back to GOTOOLCHAIN=auto in that file, as Go ships it", where)
        if "GOTOOLCHAIN" in go_env:
            return go_env["GOTOOLCHAIN"], "by `go env GOTOOLCHAIN`", "", []
        return None, "", "", []

    def toolchain(self, ctx: Context) -> tuple[str | None, str]:
        value, source, _, _ = self._toolchain_setting(ctx.snap or {})
        return value, source

    def _gotoolchain(self, ctx: Context, found: list[Finding]) -> str | None:
        """A GOTOOLCHAIN that forces another version than the go on PATH: the version."""
        value, source, fix, where = self._toolchain_setting(ctx.snap)
        match = FORCED.match(value or "")
        if not match or not ctx.path_version or match.group(1) == ctx.path_version:
            return None
        if _series(ctx.path_version) < (1, 21):
            return None  # a go before 1.21 reads no GOTOOLCHAIN
        found.append(Finding(
            Verdict.LEAK, "gotoolchain", f"GOTOOLCHAIN={value} {source} forces "
            f"go{match.group(1)} while go{ctx.path_version} is on PATH",
            fix or "unset it", where=self._dicts(where)))
        return match.group(1)

    def _dirs(self, ctx: Context, variable: str, found: list[Finding]) -> None:
        snap, leg = ctx.snap, ctx.leg
        go_env = snap.get("go_env")
        value = (go_env or {}).get(variable) if go_env else (snap.get("vars") or {}).get(variable)
        versions = {i.version for i in self.installs}
        for part in [p for p in (value or "").split(os.pathsep) if p]:
            owner = leg.owner(part) or next((v for v in sorted(versions)
                                             if version_tag(part, v)), None)
            if not owner or not ctx.path_version or owner == ctx.path_version:
                continue
            if (snap.get("vars") or {}).get(variable):
                where, said, fix = self._where(variable)
                said = f"exported {said}"
            else:
                goenv = (snap.get("goenv_file") or {}).get("path") or ""
                where = self.sources.file_lines(goenv, variable)
                said = f"in the GOENV file {self.sources.say(where)}" if where else "by go"
                fix = f"run `go env -u {variable}`"
            fix += (" (Go's default ~/go serves every version)" if variable == "GOPATH"
                    else " (unset, go install writes to $GOPATH/bin)")
            found.append(Finding(
                Verdict.LEAK, variable.lower(), f"{variable} {self.sources.tilde(part)} "
                f"({said}) belongs to go{owner} while go{ctx.path_version} runs", fix,
                where=self._dicts(where)))

    def path_entries(self, ctx: Context) -> list[dict]:
        """The PATH entries that hold a go or belong to a Go install or a tool's shims, in
        order; a go after the first is never reached (shadowed)."""
        snap = ctx.snap or {}
        with_go = {os.path.dirname(g["path"]): g for g in snap.get("go_on_path") or []}
        entries, first, reals = [], None, set()
        for position, entry in enumerate(snap.get("path_entries") or [], 1):
            path, real = entry.get("entry") or "", entry.get("real")
            go = with_go.get(path)
            if go and go.get("real") in reals:
                continue  # the same go again (/bin and /usr/bin): nothing more to say
            if go:
                reals.add(go.get("real"))
            kind = self.kind_of(path, real) or (self.kind_of(go["path"], go.get("real"))
                                                if go else None)
            if not go and not kind:
                continue
            version = ctx.leg.owner(path, real, on_path=True) if ctx.leg else None
            if go and not version:
                version = ctx.leg.owner(go["path"], go.get("real")) if ctx.leg else None
            shadowed = bool(go) and first is not None
            if go and first is None:
                first = position
            entries.append({"position": position, "entry": path, "real": real,
                            "go": bool(go), "version": version, "kind": kind or "other",
                            "shims": bool(self.shim_of(path)), "shadowed": shadowed})
        return entries

    def _path(self, ctx: Context, found: list[Finding]) -> None:
        gos = [e for e in self.path_entries(ctx) if e["go"]]
        if len(gos) < 2:
            return
        winner = gos[0]
        for later in gos[1:]:
            if later["kind"] not in MANAGED_KINDS or later["real"] == winner["real"]:
                continue
            if winner["kind"] == later["kind"]:
                # a tool's activation puts the selected version before its own shims
                if winner["version"] == later["version"] or not later["version"]:
                    continue
                verdict, what = Verdict.LEAK, (
                    f"go{winner['version']}'s {self.sources.tilde(winner['entry'])} comes "
                    f"before go{later['version']}'s {self.sources.tilde(later['entry'])} "
                    f"({later['kind']}) on PATH, so go{later['version']} never runs")
            elif winner["kind"] in MANAGED_KINDS:
                continue  # two tools on PATH: the first is the one set up last
            else:
                verdict, what = Verdict.BROKEN, (
                    f"{_describe_kind(winner['kind'])} {self.sources.tilde(winner['entry'])}/go"
                    + (f" (go{winner['version']})" if winner["version"] else "")
                    + f" comes before {later['kind']}'s {self.sources.tilde(later['entry'])} "
                    f"on PATH, so {later['kind']}'s go never runs")
            where = self.sources.path_lines(winner["entry"])
            if verdict == Verdict.LEAK:
                fix = (f"remove {self.sources.tilde(winner['entry'])} from PATH"
                       + (f" ({self.sources.say(where)})" if where else ""))
            else:
                fix = (f"put {self.sources.tilde(later['entry'])} before "
                       f"{self.sources.tilde(winner['entry'])} on PATH, or remove "
                       + _removal(winner["kind"]))
            found.append(Finding(verdict, "path", what, fix, where=self._dicts(where)))

    def _works(self, ctx: Context, found: list[Finding]) -> None:
        snap = ctx.snap
        leaks = sorted({f.check for f in found if f.verdict == Verdict.LEAK})
        cause = (f"fix the {', '.join(leaks)} finding{'s' if len(leaks) > 1 else ''} of this "
                 "context first: another version's setting makes the toolchain disagree with "
                 "itself") if leaks else None
        shell_go = snap.get("shell_go") or {}
        if shell_go.get("status", 0) != 0:
            found.append(Finding(Verdict.BROKEN, "version", f"`go version` fails: "
                                 f"{_reason(shell_go.get('version_output'))}",
                                 cause or f"run `{self.sources.tilde(ctx.go)} version` to see "
                                 "the whole error"))
        build = snap.get("build")
        if not build:
            return
        if build.get("status") != 0:
            found.append(Finding(Verdict.BROKEN, "build", "`go build` of hello world fails: "
                                 f"{_reason(build.get('stderr') or build.get('stdout'))}",
                                 cause or "run `go build` in a module to see the whole error"))
        elif build.get("runtime_version") is None:
            run = build.get("run") or {}
            found.append(Finding(Verdict.BROKEN, "build", "the program `go build` made does not "
                                 f"run: exit {run.get('status')}: {tail(run.get('stderr'))}",
                                 cause or "check that the go's GOOS and GOARCH are this "
                                 "machine's (`go env GOOS GOARCH`)"))

    def _across_contexts(self) -> list[Finding]:
        """Which contexts run which go, against the user's interactive login shell (the
        session context: what a person gets in a terminal), else the first that runs one."""
        running = {n: c for n, c in self.contexts.items() if c.go and not c.error}
        found = []
        none = [n for n, c in self.contexts.items() if not c.go and not c.error]
        if not running:
            if none:
                found.append(Finding(Verdict.INACTIVE, "path", "no go on PATH in any context",
                                     "nothing to fix unless Go is meant to be set up here",
                                     none))
            return found
        ref_name = "session" if "session" in running else next(iter(running))
        ref = running[ref_name]
        ref_says = (f"{ref_name} runs {_go(ref)} from {_describe_kind(ref.kind)} "
                    f"({self.sources.tilde(ref.go)})")
        for name in none:
            found.append(Finding(Verdict.INACTIVE, "path", f"no go on PATH; {ref_says}",
                                 READS.get(name, "this context reads other start-up files")
                                 + ": set PATH there if Go is needed in it", [name]))
        for name, ctx in running.items():
            if name == ref_name or _version(ctx) == _version(ref):
                continue
            what = (f"{_go(ctx)} runs, from {_describe_kind(ctx.kind)} "
                    f"({self.sources.tilde(ctx.go)}), while {ref_says}")
            if ctx.kind and ctx.kind == ref.kind:
                folder = os.path.dirname(ctx.go)
                where = self.sources.path_lines(folder)
                fix = (f"remove {self.sources.tilde(folder)} from PATH"
                       + (f" ({self.sources.say(where)})" if where else "")
                       + f" or select the same version for {name}")
                found.append(Finding(Verdict.LEAK, "version", what, fix, [name],
                                     self._dicts(where)))
            else:
                found.append(Finding(Verdict.INACTIVE, "version", what,
                                     f"{_describe_kind(ref.kind)} is not set up there: "
                                     + READS.get(name, "it reads other start-up files"),
                                     [name]))
        return found


def _series(version: str) -> tuple[int, int]:
    parts = re.findall(r"\d+", version)[:2]
    return (int(parts[0]), int(parts[1])) if len(parts) == 2 else (0, 0)


def _version(ctx: Context) -> str | None:
    return ctx.running or ctx.path_version


def _go(ctx: Context) -> str:
    version = _version(ctx)
    return f"go{version}" if version else "a go that fails"


def _reason(output: str | None) -> str:
    """The line of a failure's output that says why (not a hint to run it again verbosely)."""
    lines = [ln for ln in (output or "").splitlines()
             if ln.strip() and not re.search(r"--verbose|for more information", ln)]
    said = [ln for ln in lines if re.search(r"\berror\b", ln, re.IGNORECASE)]
    return tail(said[0] if said else lines[-1] if lines else output)


def _describe_kind(kind: str | None) -> str:
    return DESCRIBE.get(kind or "other", kind or "other")


def _removal(kind: str) -> str:
    return {"distro": "the distribution's Go (e.g. `sudo apt-get remove golang-go`)",
            "system": "the system's Go package",
            "homebrew": "Homebrew's Go (`brew uninstall go`)",
            "toolcache": "the runner's Go from PATH (set up Go after the runner's own step)",
            }.get(kind, "that go")


def _merge(found: list[Finding]) -> list[Finding]:
    """One finding per verdict, check, message and fix, with every context it holds in;
    worst first."""
    merged: dict[tuple, Finding] = {}
    for finding in found:
        key = (finding.verdict, finding.check, finding.message, finding.fix)
        if key in merged:
            merged[key].contexts += [c for c in finding.contexts
                                     if c not in merged[key].contexts]
        else:
            merged[key] = finding
    return sorted(merged.values(), key=lambda f: SEVERITY.index(f.verdict))


def exit_status(findings: list[Finding]) -> int:
    """1 when anything is LEAK or BROKEN, else 0."""
    return 1 if any(f.verdict in (Verdict.LEAK, Verdict.BROKEN) for f in findings) else 0
