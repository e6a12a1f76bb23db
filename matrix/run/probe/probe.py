"""Snapshot of the Go environment as one shell context sees it; runs inside the container.

Writes one JSON document per call to /tmp/govm/snaps/<label>.json (its own file, so that the
probes of one phase can run at once). Standard library only: the container has Debian's python3
and nothing else of Python. The folder is GOVM_PROBE_DIR when set (`govm-matrix doctor` probes
the machine it runs on from a temporary folder of its own), else /tmp/govm.

A build whose inputs are the same as one already done in this container (the same go binary by
real path and content, the same effective `go env`, the same source files, the toolchain's
compiler, assembler, linker and standard package folders unchanged) has the same result: it
is reused from <folder>/builds and the snapshot says which probe built it. So is the install
after it (`go install`, after a switch), kept apart from the build: a probe that installs reuses
the build of one that did not. GOVM_BUILD_REUSE=0 turns that off.
"""

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

FOLDER = os.environ.get("GOVM_PROBE_DIR") or "/tmp/govm"
OUT_DIR = os.path.join(FOLDER, "snaps")
BUILDS = os.path.join(FOLDER, "builds")
INSTALL_LOCK = os.path.join(FOLDER, "install.lock")
# `go env` values that differ between two runs of the same go with the same inputs
VOLATILE_ENV = ("GOGCCFLAGS",)
SETTLED = 2.0  # seconds since its last change after which a file's digest is kept
HELLO = os.path.join(FOLDER, "hello.go")
TOOLS = ("compile", "asm", "link")  # in GOTOOLDIR: what a build of hello world runs
STD_DIRS = ("", "errors", "fmt", "internal", "io", "os", "reflect", "runtime", "strconv", "sync",
            "syscall", "unicode")  # in GOROOT/src
ROOTS = "/opt/govm-matrix/roots.json"
TIMEOUT = 120
VARS = ("PATH", "GOROOT", "GOPATH", "GOBIN", "GOTOOLCHAIN", "GOFLAGS", "GOENV", "GOCACHE",
        "GOMODCACHE", "GOPROXY", "GOSUMDB", "HOME", "SHELL", "USER")


def run(argv, cwd=None, env=None):
    started = time.monotonic()
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, cwd=cwd,
                              env=env)
        return {"argv": argv, "status": proc.returncode, "stdout": proc.stdout[-4000:],
                "stderr": proc.stderr[-4000:], "seconds": round(time.monotonic() - started, 3)}
    except FileNotFoundError as exc:
        return {"argv": argv, "status": 127, "stdout": "", "stderr": str(exc), "seconds": 0}
    except subprocess.TimeoutExpired:
        return {"argv": argv, "status": 124, "stdout": "", "stderr": f"timeout after {TIMEOUT}s",
                "seconds": TIMEOUT}


def _lines(name):
    return [line.strip() for line in os.environ.get(name, "").splitlines() if line.strip()]


def real(path):
    if not path:
        return None
    try:
        return os.path.realpath(path) if os.path.exists(path) else None
    except OSError:
        return None


def root_entry(recorded):
    """One version's entry of roots.json: the manager's install folder ("root", what its own
    command reports) and the toolchain's GOROOT inside it, each with its real path."""
    install, goroot = recorded["install"], recorded["goroot"]
    entry = {"root": install, "real": real(install), "goroot": goroot,
             "goroot_real": real(goroot)}
    if recorded.get("version"):  # installed, where it is not the version asked for
        entry["version"] = recorded["version"]
    return entry


def gos_on_path(path_value):
    found = []
    for entry in path_value.split(os.pathsep) if path_value else []:
        candidate = os.path.join(entry or ".", "go")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            found.append({"path": candidate, "real": real(candidate)})
    return found


def install(go, source):
    """`go install` of the module just built, into the target the go command names (GOBIN, else
    the first GOPATH entry's bin): does the install target work at all (a GOPATH with spaces, on
    another drive, relative)? The program it wrote is run, then removed with any folder the
    install created, so that the probe leaves the machine as it found it."""
    target = run([go, "list", "-f", "{{.Target}}", "."], cwd=source)
    path = target["stdout"].strip() if target["status"] == 0 else ""
    with open(INSTALL_LOCK, "a") as lock:  # one install target: probes at once take turns
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return _install(go, source, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _install(go, source, path):
    created = []
    folder = os.path.dirname(path) if path else ""
    while folder and folder != "/" and not os.path.exists(folder):
        created.append(folder)
        folder = os.path.dirname(folder)
    done = run([go, "install", "."], cwd=source)
    found = {"target": path, "status": done["status"],
             "stderr": (done["stderr"] or done["stdout"])[-1000:], "ran": None}
    if done["status"] == 0 and path and os.path.isfile(path):
        found["ran"] = run([path])["status"]
    try:
        if path and os.path.isfile(path):
            os.remove(path)
        for folder in created:
            os.rmdir(folder)
    except OSError:
        pass
    return found


def _digest_file(path, h):
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)


def file_digest(path):
    """The sha256 of a file's content, kept in BUILDS under the file's identity (its path,
    device, inode, size, and modification and change times): a go binary is read once per
    container run, not once per probe (a mise shim is its 144 MB mise binary). Any write to
    the file moves its change time, which no user can set back, so a changed file is read
    again. A file that changed less than SETTLED seconds ago, or while it was read, is read
    every time: a change within one tick of the clock would not show in its times."""
    before = os.stat(path)
    identity = "\0".join(str(v) for v in (path, before.st_dev, before.st_ino, before.st_size,
                                           before.st_mtime_ns, before.st_ctime_ns))
    kept = os.path.join(BUILDS, "digest-" + hashlib.sha256(identity.encode()).hexdigest())
    os.makedirs(BUILDS, exist_ok=True)
    with open(kept + ".lock", "a") as lock:  # probes at once: one reads, the others wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(kept) as fh:
                return fh.read()
        except OSError:
            pass
        return _read_digest(path, before, kept)


def _read_digest(path, before, kept):
    h = hashlib.sha256()
    _digest_file(path, h)
    digest = h.hexdigest()
    after = os.stat(path)
    settled = time.time() - after.st_ctime_ns / 1e9 > SETTLED
    if settled and (after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == (
            before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns):
        fd, tmp = tempfile.mkstemp(dir=BUILDS)
        with os.fdopen(fd, "w") as fh:
            fh.write(digest)
        os.replace(tmp, kept)
    return digest


def build_key(go, go_env):
    """The inputs of a build, as a digest; None when they cannot all be known."""
    if not go or not go_env:
        return None
    h = hashlib.sha256()
    real_go = os.path.realpath(go)
    h.update(real_go.encode() + b"\0")
    try:
        h.update(file_digest(real_go).encode())
        source = os.getcwd() if os.path.isfile("go.mod") else None
        if source:
            for name in sorted(os.listdir(source)):
                full = os.path.join(source, name)
                if os.path.isfile(full) and (name.endswith(".go") or name.startswith("go.")):
                    h.update(name.encode() + b"\0")
                    _digest_file(full, h)
        else:
            _digest_file(HELLO, h)
    except OSError:
        return None
    env = {k: v for k, v in go_env.items() if k not in VOLATILE_ENV}
    h.update(json.dumps(env, sort_keys=True).encode())
    try:
        h.update(toolchain_state(go_env).encode())
    except (OSError, KeyError, TypeError):
        return None  # a toolchain that is not all there is never taken as the same
    return h.hexdigest()


def toolchain_state(go_env):
    """What the build runs besides the go binary, by identity: the compiler, assembler and
    linker (GOTOOLDIR), and the folders of the standard packages hello world is made of
    (GOROOT/src and some of its folders). Replacing, rewriting or removing a tool or changing
    its mode, or adding, removing or renaming an entry of one of those folders (as an install
    over it, or an uninstall, does), moves a change time, which no user can set back: a probe
    after that builds again. A file of the standard library rewritten in place is not seen."""
    tools, src = go_env["GOTOOLDIR"], os.path.join(go_env["GOROOT"], "src")
    paths = [os.path.join(tools, name) for name in TOOLS]
    paths += [os.path.join(src, name) for name in STD_DIRS]
    states = []
    for path in paths:
        st = os.stat(path)
        states.append("\0".join(str(v) for v in (path, st.st_ino, st.st_size, st.st_mode,
                                                 st.st_mtime_ns, st.st_ctime_ns)))
    return "\n".join(states)


def reused_build(go, go_env, install_too, label):
    """build(), or the result of an identical build done before in this container; and when
    asked, the install, or the result of an identical install done before (the same build
    inputs, which hold the install target: GOBIN, GOPATH). Each part that was reused says
    which probe did it."""
    key = build_key(go, go_env) if os.environ.get("GOVM_BUILD_REUSE") != "0" else None
    if not key:
        return build(go, install_too)
    result = _kept(key, label, lambda: build(go))
    if install_too and result["status"] == 0:
        result["install"] = _kept(key + "-install", label, lambda: install_module(go))
    return result


def _kept(key, label, make):
    """make()'s result, kept in BUILDS under ``key``; or the one kept there already, with the
    probe that made it. Probes taken at once with the same key would each make it: the first
    one does while the others wait for it on the key's lock, then take what it found."""
    os.makedirs(BUILDS, exist_ok=True)
    with open(os.path.join(BUILDS, key + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with open(os.path.join(BUILDS, key + ".json")) as fh:
                found = json.load(fh)
            found["reused"] = {"from": found.pop("built_by", None), "key": key[:16]}
            return found
        except (OSError, ValueError):
            pass
        result = make()
        fd, tmp = tempfile.mkstemp(dir=BUILDS)
        with os.fdopen(fd, "w") as fh:
            json.dump({**result, "built_by": label}, fh)
        os.replace(tmp, os.path.join(BUILDS, key + ".json"))
        return result


def _module(work):
    """The module to build: the current directory when it is a Go module (its go.mod may name
    a toolchain), else hello world in ``work``."""
    if os.path.isfile("go.mod"):
        return os.getcwd()
    shutil.copy(HELLO, os.path.join(work, "main.go"))
    with open(os.path.join(work, "go.mod"), "w") as fh:
        fh.write("module hello\n\ngo 1.21\n")
    return work


def build(go, install_too=False):
    """Build hello world (``_module``), run it, and when asked, install it (see install)."""
    work = tempfile.mkdtemp(prefix="govm-build-")
    try:
        source = _module(work)
        result = run([go, "build", "-o", os.path.join(work, "hello"), "."], cwd=source)
        result["dir"] = source
        if result["status"] == 0:
            ran = run([os.path.join(work, "hello")])
            result["run"] = ran
            result["runtime_version"] = ran["stdout"].strip() if ran["status"] == 0 else None
            if install_too:
                result["install"] = install(go, source)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def install_module(go):
    """The install of the module ``build`` builds (see install), on its own: for a build
    reused from a probe that did not install."""
    work = tempfile.mkdtemp(prefix="govm-build-")
    try:
        return install(go, _module(work))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    started = time.monotonic()
    label = sys.argv[1] if len(sys.argv) > 1 else "unlabelled"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOVM_")}
    path_value = env.get("PATH", "")
    snap = {
        "label": label,
        "time": time.time(),
        "env": env,
        "vars": {k: env.get(k) for k in VARS},
        "path_entries": [{"entry": e, "real": real(e)} for e in path_value.split(os.pathsep)],
        "go_on_path": gos_on_path(path_value),
        "shell_go": {
            "command": os.environ.get("GOVM_SHELL_GO") or None,
            "real": real(os.environ.get("GOVM_SHELL_GO")),
            "version_output": os.environ.get("GOVM_SHELL_GO_VERSION", ""),
            "status": int(os.environ.get("GOVM_SHELL_GO_STATUS", "127") or 127),
        },
        "shell": {
            "functions": sorted(set(_lines("GOVM_SHELL_FUNCTIONS"))),
            "aliases": sorted(set(_lines("GOVM_SHELL_ALIASES"))),
            "hooks": dict(line.split("=", 1) for line in _lines("GOVM_SHELL_HOOKS")
                          if "=" in line),
        },
        "go_version": None,
        "go_env": None,
        "go_env_error": None,
        "goenv_file": None,
        "build": None,
        "real": {},
    }
    go = shutil.which("go", path=path_value)
    snap["go"] = go
    if go:
        snap["go_version"] = run([go, "version"], env=dict(os.environ))
        go_env = run([go, "env", "-json"], env=dict(os.environ))
        if go_env["status"] == 0:
            try:
                snap["go_env"] = json.loads(go_env["stdout"])
            except ValueError:
                snap["go_env_error"] = "go env -json printed no JSON: " + go_env["stdout"][-300:]
        else:
            snap["go_env_error"] = (go_env["stderr"] or go_env["stdout"])[-1000:]
        # the install target is checked after a switch (the base phase is the baseline)
        snap["build"] = reused_build(go, snap["go_env"], not label.endswith(":base"), label)
    goenv_path = (snap["go_env"] or {}).get("GOENV") or env.get("GOENV") or os.path.join(
        env.get("HOME", "/"), ".config", "go", "env")
    content = None
    if os.path.isfile(goenv_path):
        with open(goenv_path, errors="replace") as fh:
            content = fh.read()
    snap["goenv_file"] = {"path": goenv_path, "content": content}
    try:
        with open(ROOTS) as fh:
            snap["roots"] = {v: root_entry(r) for v, r in json.load(fh).items()}
    except (OSError, ValueError, AttributeError) as exc:
        snap["roots"] = {}
        snap["roots_error"] = str(exc)
    candidates = [env.get(k) for k in ("GOROOT", "GOBIN")]
    candidates += (env.get("GOPATH") or "").split(os.pathsep)
    go_env_values = snap["go_env"] or {}
    candidates += [go_env_values.get(k) for k in ("GOROOT", "GOBIN", "GOMODCACHE", "GOCACHE")]
    candidates += (go_env_values.get("GOPATH") or "").split(os.pathsep)
    snap["real"] = {c: real(c) for c in candidates if c}
    snap["probe_seconds"] = round(time.monotonic() - started, 3)
    os.makedirs(OUT_DIR, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=OUT_DIR, prefix=".")
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(snap, sort_keys=True) + "\n")
    os.replace(tmp, os.path.join(OUT_DIR, label.replace("/", "_") + ".json"))


if __name__ == "__main__":
    main()
