"""`govm-matrix doctor`: this machine's Go, as each of its shell contexts sees it, and what of
other versions is in effect there. Read-only: it changes nothing but its temporary folder,
which it removes.

The probe runs with ``GOPROXY=off`` exported after the start-up files, so that a GOTOOLCHAIN
naming a toolchain that is not here fails (a finding) instead of downloading one, and from a
folder with no go.mod, so that no project of the user's is built. Each context starts from
the environment doctor was started in, as a command started from this terminal would.
"""

from __future__ import annotations

import os
import shutil
import time

from ..core.platforms import Platform
from ..managers import available, get_manager
from . import rcfiles
from .findings import Doctor, Sources, exit_status
from .installs import MANAGER_KIND, discover, install_of, roots_document
from .probing import ProbeFolder, context_argv, probe_contexts

SCHEMA = "govm-matrix/doctor"
READ_ONLY_PREFIX = "export GOPROXY=off; "


def read_only_contexts(platform: Platform) -> list[str]:
    """bash -lc, bash -ic, zsh -lc, sh -c, and the user's login shell as a terminal starts
    it (interactive and login): those whose shell is installed."""
    found = ["bash-login", "bash-interactive", "zsh-login", "sh", "session"]
    return [name for name in found
            if shutil.which(context_argv(name, platform.login_shell)[0])]


def shim_folders(platform: Platform) -> dict[str, str]:
    """Every supported manager's shim folders -> the kind of install their go runs."""
    shims = {}
    for name in available():
        manager = get_manager(name)
        for folder in manager.shim_dirs(platform):
            shims[folder] = MANAGER_KIND.get(name, name)
    return shims


def judge(snapshots: dict[str, dict | None], installs: list, sources: Sources,
          shims: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> Doctor:
    """The findings' judge over snapshots, with this machine's installs as their roots (the
    matrix's roots.json form), so that paths belong to versions as in the matrix."""
    roots, more = roots_document(installs)
    for snap in filter(None, snapshots.values()):
        snap["roots"] = roots
        snap.pop("roots_error", None)  # the matrix's roots file, not this machine's
    return Doctor(snapshots, installs, sources, shims, more, errors)


def examine(platform: Platform, sources: Sources | None = None) -> dict:
    """Probe every context, find every install, and judge: the doctor document."""
    started = time.monotonic()
    contexts = read_only_contexts(platform)
    sources = sources or Sources(platform.home)
    with ProbeFolder() as folder:
        failures = probe_contexts(folder, contexts, platform.login_shell, "base",
                                  READ_ONLY_PREFIX)
        snaps = folder.snapshots()
        errors = folder.probe_errors()
    by_context = {name: snaps.get(f"{name}:base") for name in contexts}
    seen = []  # GOROOTs a context points at that no pattern may find
    for snap in filter(None, by_context.values()):
        for go in snap.get("go_on_path") or []:
            seen.append((os.path.dirname(os.path.dirname(go.get("real") or go["path"])), "path"))
        for value in ((snap.get("vars") or {}).get("GOROOT"),
                      (snap.get("go_env") or {}).get("GOROOT")):
            if value:
                seen.append((value, "GOROOT"))
    installs = discover(platform.home, extra=seen)
    doctor = judge(by_context, installs, sources, shim_folders(platform), failures)
    findings = doctor.findings()
    status = exit_status(findings)
    home = platform.home
    return {
        "schema": SCHEMA, "schema_version": 1,
        "platform": {"name": platform.name, "user": platform.user, "home": home,
                     "login_shell": platform.login_shell, "describes": platform.emulates},
        "read_only": True,
        "seconds": round(time.monotonic() - started, 2),
        "installs": [{**i.to_dict(), "root": rcfiles.tilde(i.root, home),
                      "goroot": rcfiles.tilde(i.goroot, home)} for i in installs],
        "contexts": {name: _context(doctor, name, platform) for name in contexts},
        "findings": [f.to_dict() for f in findings],
        "probe_errors": errors,
        "exit_status": status,
    }


def _context(doctor: Doctor, name: str, platform: Platform) -> dict:
    ctx = doctor.contexts[name]
    argv = context_argv(name, platform.login_shell)
    out: dict = {"command": " ".join(argv) + (" < commands" if argv[-1] == "-il" else ""),
                 "error": ctx.error}
    if ctx.error:
        return out
    snap = ctx.snap
    tilde = doctor.sources.tilde
    go_env = snap.get("go_env") or {}
    exported = snap.get("vars") or {}
    value, source = doctor.toolchain(ctx)
    install = install_of(doctor.installs, ctx.go, ctx.real) if ctx.go else None
    build = snap.get("build")
    out.update({
        "go": tilde(ctx.go) if ctx.go else None,
        "go_real": tilde(ctx.real) if ctx.real else None,
        "version": ctx.running,
        "version_output": (snap.get("shell_go") or {}).get("version_output"),
        "path_version": ctx.path_version,
        "from": ({"root": tilde(install.root), "kind": install.kind, "label": install.label}
                 if install else ({"kind": ctx.kind} if ctx.kind else None)),
        **{name.lower(): {"exported": _tilde(tilde, exported.get(name)),
                          "effective": _tilde(tilde, go_env.get(name))}
           for name in ("GOROOT", "GOPATH", "GOBIN")},
        "gotoolchain": {"value": value, "source": source, "from": _origin(source)},
        "path": [{**e, "entry": tilde(e["entry"]), "real": tilde(e["real"])}
                 for e in doctor.path_entries(ctx)],
        "build": None if not build else {
            "status": build.get("status"), "runtime_version": build.get("runtime_version"),
            "error": None if build.get("status") == 0 else
            (build.get("stderr") or build.get("stdout") or "")[-600:]},
    })
    return out


def _tilde(tilde, value: str | None) -> str | None:
    return ":".join(tilde(part) for part in value.split(":")) if value else value


def _origin(source: str) -> str:
    """Where a GOTOOLCHAIN comes from, in a word or two."""
    if source.startswith("exported"):
        return "environment"
    if source.startswith("in the GOENV file"):
        return "GOENV file"
    if source.endswith("go.env") or "go.env line" in source:
        return "go.env"
    return "go env" if source else ""
