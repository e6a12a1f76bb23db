"""Snapshot of the Go environment as one shell context sees it; runs inside the container.

Writes one JSON document per call to /tmp/govm/snaps/<label>.json (its own file, so that the
probes of one phase can run at once). Standard library only: the container has Debian's python3
and nothing else of Python. The folder is GOVM_PROBE_DIR when set (`govm-matrix doctor` probes
the machine it runs on from a temporary folder of its own), else /tmp/govm.

A build whose inputs are the same as one already done in this container (the same go binary by
real path and content, the same effective `go env` and C compiler settings, the same source
files, the toolchain's compiler, assembler, linker and standard package folders unchanged) has
the same result: it is reused from <folder>/builds and the snapshot says which probe built it.
So is the install after it (`go install`, after a switch), kept apart from the build: a probe
that installs reuses the build of one that did not. So are the names `go env -json` prints
(read_go_env), and what `go version` printed in the shell when it ran PATH's go (shell_version).
GOVM_BUILD_REUSE=0 turns all of that off.

A run of the matrix starts this program about twenty times per container run, so it imports
only what starts fast: the modules json, subprocess, tempfile and shutil bring re and enum with
them, which took more than half of its own CPU time. What it needs of them is below (``run``,
``loads``, ``dumps``, ``which``, ``temporary``, ``temporary_dir``, ``copy``, ``remove_tree``),
with the same results. hashlib loads OpenSSL's library (2.5 ms of a probe's start), which hashes
a file fastest: it is imported only when a file's content is read (``_read_digest``), about once
per go binary and container run; the keys, of a few kilobytes, are hashed with the BLAKE2 built
into the interpreter.
"""

import fcntl
import os
import select
import sys
import time

try:
    from _blake2 import blake2b as key_hash  # built in: nothing to load
except ImportError:  # an interpreter built without it
    from hashlib import sha256 as key_hash

FOLDER = os.environ.get("GOVM_PROBE_DIR") or "/tmp/govm"
OUT_DIR = os.path.join(FOLDER, "snaps")
BUILDS = os.path.join(FOLDER, "builds")
INSTALL_LOCK = os.path.join(FOLDER, "install.lock")
# What `go env` computes only when it prints them, running the C compiler a few times for
# GOGCCFLAGS: `go env -json` took 0.1 s of CPU, by name 5 ms. The probe asks for every other
# variable by name, as `go env GOROOT` does, and leaves these out; a build key takes what they
# come from (CGO_INPUTS).
COSTLY_ENV = ("CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_FFLAGS", "CGO_LDFLAGS",
              "PKG_CONFIG", "GOGCCFLAGS")
CGO_INPUTS = ("CC", "CXX", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_FFLAGS",
              "CGO_LDFLAGS", "PKG_CONFIG")
# the variables that tell which toolchain answered `go env`, whose names are kept by them
ANSWERED_BY = ("GOVERSION", "GOOS", "GOARCH", "GOROOT", "GOTOOLDIR")
SETTLED = 2.0  # seconds since its last change after which a file's digest is kept
HELLO = os.path.join(FOLDER, "hello.go")
TOOLS = ("compile", "asm", "link")  # in GOTOOLDIR: what a build of hello world runs
STD_DIRS = ("", "errors", "fmt", "internal", "io", "os", "reflect", "runtime", "strconv", "sync",
            "syscall", "unicode")  # in GOROOT/src
ROOTS = "/opt/govm-matrix/roots.json"
TIMEOUT = 120
TIMED_OUT = []  # the commands this probe (or one whose build it reused) gave up on
VARS = ("PATH", "GOROOT", "GOPATH", "GOBIN", "GOTOOLCHAIN", "GOFLAGS", "GOENV", "GOCACHE",
        "GOMODCACHE", "GOPROXY", "GOSUMDB", "HOME", "SHELL", "USER")


def run(argv, cwd=None, env=None):
    """``argv``'s exit status and outputs, as ``subprocess.run(argv, capture_output=True,
    text=True, timeout=TIMEOUT, cwd=cwd, env=env)`` gives them: 127 when it cannot be started,
    124 when it runs out of time."""
    started = time.monotonic()
    try:
        status, stdout, stderr = _spawn(argv, cwd, env)
        return {"argv": argv, "status": status, "stdout": stdout[-4000:],
                "stderr": stderr[-4000:], "seconds": round(time.monotonic() - started, 3)}
    except FileNotFoundError as exc:
        return {"argv": argv, "status": 127, "stdout": "", "stderr": str(exc), "seconds": 0}
    except TimeoutError:
        TIMED_OUT.append(" ".join(argv))
        return {"argv": argv, "status": 124, "stdout": "", "stderr": f"timeout after {TIMEOUT}s",
                "seconds": TIMEOUT}


def _default_signals():
    """In a child about to run another program: the signals Python ignores set back to their
    default, as subprocess does (a go that writes to a closed pipe dies of it, as in a shell)."""
    try:
        import _signal as signals  # the module under `signal`, without its enums
    except ImportError:
        import signal as signals
    for name in ("SIGPIPE", "SIGXFZ", "SIGXFSZ"):
        if hasattr(signals, name):
            signals.signal(getattr(signals, name), signals.SIG_DFL)


def _spawn(argv, cwd, env):
    """What subprocess does for ``run``: a child with its own outputs on two pipes, the
    descriptors above 2 closed, in ``cwd``, with ``env``; its outputs read to their ends and
    decoded as text (UTF-8, universal newlines; a byte that is not UTF-8 is replaced, where
    subprocess would raise), its status as subprocess reports it."""
    out_r, out_w = os.pipe()  # each pipe closes itself on exec (PEP 446)
    err_r, err_w = os.pipe()
    failed_r, failed_w = os.pipe()  # why the child could not run argv; nothing when it did
    pid = os.fork()
    if pid == 0:
        try:
            os.dup2(out_w, 1)
            os.dup2(err_w, 2)
            _close_inherited(keep=failed_w)
            _default_signals()
            if cwd is not None:
                os.chdir(cwd)
            os.execvpe(argv[0], argv, os.environ if env is None else env)
        except OSError as exc:
            os.write(failed_w, str(exc.errno or 0).encode())
        finally:
            os._exit(255)
    for fd in (out_w, err_w, failed_w):
        os.close(fd)
    with open(failed_r, "rb") as fh:
        failure = fh.read()
    if failure:
        os.waitpid(pid, 0)
        os.close(out_r)
        os.close(err_r)
        number = int(failure)
        raise OSError(number, os.strerror(number), argv[0])  # FileNotFoundError for ENOENT
    chunks = {out_r: [], err_r: []}
    poller = select.poll()
    for fd in chunks:
        poller.register(fd, select.POLLIN)
    deadline, open_fds = time.monotonic() + TIMEOUT, len(chunks)
    try:
        while open_fds:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, 9)
                raise TimeoutError(argv[0])
            for fd, _ in poller.poll(left * 1000):
                data = os.read(fd, 1 << 16)
                if data:
                    chunks[fd].append(data)
                else:
                    poller.unregister(fd)
                    open_fds -= 1
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(out_r)
        os.close(err_r)
    return (os.waitstatus_to_exitcode(status), _text(chunks[out_r]), _text(chunks[err_r]))


def _close_inherited(keep):
    """In the child: every descriptor above 2 but ``keep`` closed, as subprocess closes them."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc (macOS): its open-file limit is small
        fds = range(3, os.sysconf("SC_OPEN_MAX"))
    for fd in fds:
        if fd > 2 and fd != keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _text(chunks):
    text = b"".join(chunks).decode("utf-8", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _json_codec():
    """``loads`` and ``dumps`` (keys sorted, as ``json.dumps(obj, sort_keys=True)``) made of
    what json.loads and json.dumps run on CPython, its C parts; the json module itself where
    those are missing."""
    try:
        import _json

        class Decoding:  # what _json's scanner reads from a json.JSONDecoder
            strict = True
            object_hook = object_pairs_hook = None
            parse_float, parse_int = float, int

            @staticmethod
            def parse_constant(name):
                return {"NaN": float("nan"), "Infinity": float("inf"),
                        "-Infinity": float("-inf")}[name]

        scan = _json.make_scanner(Decoding())

        def default(obj):
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")

        def encoder():  # one per document: it keeps what it is inside of to find cycles
            return _json.make_encoder({}, default, _json.encode_basestring_ascii, None, ": ",
                                      ", ", True, False, True)

        encoder()
    except (ImportError, AttributeError, TypeError):
        import json
        return json.loads, lambda obj: json.dumps(obj, sort_keys=True)
    blank = " \t\n\r"

    def loads(text):
        start = len(text) - len(text.lstrip(blank))
        try:
            obj, end = scan(text, start)
        except StopIteration as exc:
            raise ValueError(f"Expecting value: char {exc.value}") from None
        if text[end:].strip(blank):
            raise ValueError(f"Extra data: char {end}")
        return obj

    return loads, lambda obj: "".join(encoder()(obj, 0))


loads, dumps = _json_codec()


def which(name, path):
    """shutil.which(name, path=path): the first executable file ``name`` in ``path``."""
    if not path:
        return None
    seen = set()
    for folder in path.split(os.pathsep):
        if folder in seen:
            continue
        seen.add(folder)
        candidate = os.path.join(folder, name)
        if (os.path.exists(candidate) and os.access(candidate, os.F_OK | os.X_OK)
                and not os.path.isdir(candidate)):
            return candidate
    return None


def temporary(folder, prefix="tmp"):
    """A new file of this process's own in ``folder``, as tempfile.mkstemp makes it: its
    descriptor and path."""
    while True:
        path = os.path.join(folder, f"{prefix}{os.getpid()}-{time.monotonic_ns()}")
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), path
        except FileExistsError:
            continue


def temporary_dir(prefix):
    """A new folder of this process's own where tempfile.mkdtemp makes one (TMPDIR, TEMP or
    TMP, else /tmp, /var/tmp, /usr/tmp, else here)."""
    bases = [os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")]
    bases = [b for b in bases if b] + ["/tmp", "/var/tmp", "/usr/tmp", os.getcwd()]
    for base in bases:
        while True:
            path = os.path.join(os.path.abspath(base),
                                f"{prefix}{os.getpid()}-{time.monotonic_ns()}")
            try:
                os.mkdir(path, 0o700)
                return path
            except FileExistsError:
                continue
            except OSError:
                break
    raise FileNotFoundError(f"no usable temporary folder among {bases}")


def copy(source, target):
    """shutil.copy: the content and the permission bits."""
    with open(source, "rb") as src, open(target, "wb") as dst:
        dst.write(src.read())
    os.chmod(target, os.stat(source).st_mode & 0o7777)


def remove_tree(top):
    """shutil.rmtree(top, ignore_errors=True)."""
    for folder, dirs, files in os.walk(top, topdown=False):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass
        try:
            os.rmdir(folder)
        except OSError:
            pass


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
    kept = os.path.join(BUILDS, "digest-" + key_hash(identity.encode()).hexdigest())
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
    import hashlib  # OpenSSL's sha256, several times faster on a 144 MB file than the others

    h = hashlib.sha256()
    _digest_file(path, h)
    digest = h.hexdigest()
    after = os.stat(path)
    settled = time.time() - after.st_ctime_ns / 1e9 > SETTLED
    if settled and (after.st_ino, after.st_size, after.st_mtime_ns, after.st_ctime_ns) == (
            before.st_ino, before.st_size, before.st_mtime_ns, before.st_ctime_ns):
        fd, tmp = temporary(BUILDS)
        with os.fdopen(fd, "w") as fh:
            fh.write(digest)
        os.replace(tmp, kept)
    return digest


def build_key(go, go_env):
    """The inputs of a build, as a digest; None when they cannot all be known."""
    if not go or not go_env:
        return None
    h = key_hash()
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
    h.update(dumps(go_env).encode())
    try:
        h.update(toolchain_state(go_env).encode())
    except (OSError, KeyError, TypeError):
        return None  # a toolchain that is not all there is never taken as the same
    h.update(dumps(cgo_inputs(go_env)).encode())
    return h.hexdigest()


def cgo_inputs(go_env):
    """Where the values go env leaves out here (COSTLY_ENV) come from: the C compiler and
    cgo's variables in the environment, and the files go reads them from besides (the GOENV
    file, then GOROOT/go.env)."""
    found = {name: os.environ.get(name) for name in CGO_INPUTS}
    for path in (go_env.get("GOENV"), os.path.join(go_env.get("GOROOT") or "", "go.env")):
        try:
            with open(path, errors="replace") as fh:
                found[path] = fh.read()
        except (OSError, TypeError, ValueError):
            found[str(path)] = None
    return found


def read_go_env(go):
    """`go env -json` as (values, error), every variable but COSTLY_ENV: asked for by name,
    which spares go the C compiler. Which names a go prints depends on the toolchain that
    answers (its version, GOOS and GOARCH), so the first probe that runs a go binary in this
    container reads them all and keeps their names under the binary's content and what answered
    (ANSWERED_BY); the probes after it ask for those. An answer from a toolchain not seen yet
    is read in full again. A failing `go env NAME` fails as `go env` does, up to where go starts
    on the left-out variables, which check the build configuration (a relative CC, GOFLAGS
    with -race and no cgo): a build shows those. GOVM_BUILD_REUSE=0 reads in full every
    time."""
    kept = _names_file(go) if os.environ.get("GOVM_BUILD_REUSE") != "0" else None
    learned = _read_names(kept) if kept else {}
    if learned:
        values, error = _go_env_json(go, sorted(set().union(*learned.values())))
        names = learned.get(_answered_by(values)) if values is not None else None
        if error or names is not None:
            return (None, error) if error else ({n: values.get(n, "") for n in names}, None)
    values, error = _go_env_json(go, [])
    if values is None:
        return None, error
    values = {k: v for k, v in values.items() if k not in COSTLY_ENV}
    if kept:
        _learn_names(kept, _answered_by(values), sorted(values))
    return values, None


def _go_env_json(go, names):
    found = run([go, "env", "-json", *names], env=dict(os.environ))
    if found["status"] != 0:
        return None, (found["stderr"] or found["stdout"])[-1000:]
    try:
        values = loads(found["stdout"])
    except ValueError:
        values = None
    if not isinstance(values, dict):
        return None, "go env -json printed no JSON: " + found["stdout"][-300:]
    return values, None


def _answered_by(values):
    return "\0".join(str(values.get(name)) for name in ANSWERED_BY)


def _names_file(go):
    try:
        digest = file_digest(os.path.realpath(go))
    except OSError:
        return None
    return os.path.join(BUILDS, "go-env-names-" + digest)


def _read_names(path):
    try:
        with open(path) as fh:
            found = loads(fh.read())
        return found if isinstance(found, dict) else {}
    except (OSError, ValueError):
        return {}


def _learn_names(path, answered_by, names):
    with open(path + ".lock", "a") as lock:  # probes at once: each adds what it learned
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            learned = _read_names(path)
            learned[answered_by] = names
            fd, tmp = temporary(BUILDS)
            with os.fdopen(fd, "w") as fh:
                fh.write(dumps(learned))
            os.replace(tmp, path)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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
                found = loads(fh.read())
            found["reused"] = {"from": found.pop("built_by", None), "key": key[:16]}
            TIMED_OUT.extend(found.pop("timed_out", ()))
            return found
        except (OSError, ValueError):
            pass
        before = len(TIMED_OUT)
        result = make()
        fd, tmp = temporary(BUILDS)
        with os.fdopen(fd, "w") as fh:
            fh.write(dumps({**result, "built_by": label, "timed_out": TIMED_OUT[before:]}))
        os.replace(tmp, os.path.join(BUILDS, key + ".json"))
        return result


def _module(work):
    """The module to build: the current directory when it is a Go module (its go.mod may name
    a toolchain), else hello world in ``work``."""
    if os.path.isfile("go.mod"):
        return os.getcwd()
    copy(HELLO, os.path.join(work, "main.go"))
    with open(os.path.join(work, "go.mod"), "w") as fh:
        fh.write("module hello\n\ngo 1.21\n")
    return work


def build(go, install_too=False):
    """Build hello world (``_module``), run it, and when asked, install it (see install)."""
    work = temporary_dir("govm-build-")
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
        remove_tree(work)


def install_module(go):
    """The install of the module ``build`` builds (see install), on its own: for a build
    reused from a probe that did not install."""
    work = temporary_dir("govm-build-")
    try:
        return install(go, _module(work))
    finally:
        remove_tree(work)


def shell_version(go, shell_go):
    """`go version` of PATH's ``go`` as ``run`` gives it, taken from what the shell printed
    (``shell_go``) where running it again must print the same: the shell ran that same file (no
    function, alias or other hashed path in between), in this folder, with this environment
    (this program's own GOVM_ variables aside), it succeeded, and it printed one version line and
    nothing else. None otherwise, and with GOVM_BUILD_REUSE=0 (every probe runs it)."""
    output = shell_go["version_output"]
    if (os.environ.get("GOVM_BUILD_REUSE") == "0" or shell_go["command"] != go
            or shell_go["status"] != 0 or not output.startswith("go version ")
            or "\n" in output):
        return None
    return {"argv": [go, "version"], "status": 0, "stdout": output + "\n", "stderr": "",
            "seconds": 0, "reused": "the shell's `go version`"}


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
    go = which("go", path_value)
    snap["go"] = go
    if go:
        snap["go_version"] = (shell_version(go, snap["shell_go"])
                              or run([go, "version"], env=dict(os.environ)))
        snap["go_env"], snap["go_env_error"] = read_go_env(go)
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
            snap["roots"] = {v: root_entry(r) for v, r in loads(fh.read()).items()}
    except (OSError, ValueError, AttributeError) as exc:
        snap["roots"] = {}
        snap["roots_error"] = str(exc)
    go_env_values = snap["go_env"] or {}
    folders = [env.get("GOBIN"), go_env_values.get("GOBIN")]  # what go install may create
    folders += (env.get("GOPATH") or "").split(os.pathsep)
    folders += (go_env_values.get("GOPATH") or "").split(os.pathsep)
    candidates = [env.get("GOROOT"), go_env_values.get("GOROOT"), *folders]
    candidates += [go_env_values.get(k) for k in ("GOMODCACHE", "GOCACHE")]
    snap["real"] = {c: real(c) for c in candidates if c}
    snap["would_be"] = {c: os.path.realpath(c) for c in folders
                        if c and os.path.isabs(c) and snap["real"][c] is None}
    if TIMED_OUT:
        snap["timed_out"] = TIMED_OUT
    snap["probe_seconds"] = round(time.monotonic() - started, 3)
    os.makedirs(OUT_DIR, exist_ok=True)
    fd, tmp = temporary(OUT_DIR, prefix=".")
    with os.fdopen(fd, "w") as fh:
        fh.write(dumps(snap) + "\n")
    os.replace(tmp, os.path.join(OUT_DIR, label.replace("/", "_") + ".json"))


if __name__ == "__main__":
    main()
