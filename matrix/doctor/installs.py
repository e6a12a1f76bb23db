"""Every Go install this machine holds where Go installs are put: the system's, Go's tarball
folders, the distribution's packages, each supported manager's install folders, a CI runner's
tool cache, Homebrew's cellars and the toolchains Go itself downloads; each with the version
its own go reports (or its VERSION file says), and the tool that put it there.

The tool (``kind``) tells the findings an old version of the same tool (a leak) from another
tool's go in the way (broken): the same words the matrix uses for a manager's versions and
for a go of no manager's version.
"""

from __future__ import annotations

import glob
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field

from ..checks.leg import VERSION_RE

#: kinds that are a version manager's (or Go's own) versions, switched by it; every other go
#: (the system's, a distribution's, Homebrew's, a CI runner's) is no manager's
MANAGED_KINDS = ("manual", "asdf", "mise", "goenv", "gvm", "g", "sdkman", "golang.org/dl",
                 "gotoolchain")

#: which kind of install each manager adapter's versions are
MANAGER_KIND = {"manual": "manual", "mise": "mise", "goenv": "goenv", "gvm": "gvm", "g": "g",
                "asdf": "asdf", "asdf-0.15": "asdf", "sdkman": "sdkman",
                "sdkman-local": "sdkman", "distro": "distro",
                "distro-alternatives": "distro", "gotoolchain": "gotoolchain"}

DESCRIBE = {
    "system": "the system's go",
    "manual": "Go's tarball in /usr/local",
    "distro": "the distribution's package",
    "asdf": "asdf", "mise": "mise", "goenv": "goenv", "gvm": "gvm", "g": "g (voidint/g)",
    "sdkman": "SDKMAN", "golang.org/dl": "golang.org/dl (go install golang.org/dl/goX)",
    "gotoolchain": "Go's own toolchain download (GOTOOLCHAIN)",
    "toolcache": "a CI runner's tool cache", "homebrew": "Homebrew",
    "other": "a go on PATH or in GOROOT that no known tool put there",
}

_TOOLCHAIN = "golang.org/toolchain@v0.0.1-go*"


@dataclass
class Install:
    """One Go install: the folder found (``root``), the GOROOT inside it, its version."""

    version: str  # as `go version` names it, without "go": 1.22.10
    root: str
    goroot: str
    kind: str
    source: str  # how the version was read
    aliases: list[str] = field(default_factory=list)  # other paths that are this install

    @property
    def label(self) -> str:
        return DESCRIBE.get(self.kind, self.kind)

    def paths(self) -> list[str]:
        found = [self.root, self.goroot, *self.aliases]
        found += [os.path.realpath(p) for p in found]
        return list(dict.fromkeys(found))

    def to_dict(self) -> dict:
        return {**asdict(self), "label": self.label}


def patterns(home: str, environ: dict) -> list[tuple[str, str]]:
    """(glob pattern of an install folder, kind), in the order installs are reported."""
    asdf = environ.get("ASDF_DATA_DIR") or f"{home}/.asdf"
    mise = environ.get("MISE_DATA_DIR") or f"{home}/.local/share/mise"
    goenv = environ.get("GOENV_ROOT") or f"{home}/.goenv"
    sdkman = environ.get("SDKMAN_DIR") or f"{home}/.sdkman"
    modcache = environ.get("GOMODCACHE") or (
        (environ.get("GOPATH") or f"{home}/go").split(os.pathsep)[0] + "/pkg/mod")
    found = [
        ("/usr/local/go", "manual"), ("/usr/local/go-*", "manual"), ("/usr/local/go1*", "manual"),
        ("/usr/lib/go", "distro"), ("/usr/lib/go-*", "distro"),
        (f"{asdf}/installs/golang/*", "asdf"),
        (f"{mise}/installs/go/*", "mise"),
        (f"{goenv}/versions/*", "goenv"),
        (f"{home}/.gvm/gos/*", "gvm"),
        (f"{home}/.g/versions/*", "g"),
        (f"{sdkman}/candidates/go/*", "sdkman"),
        (f"{home}/sdk/go*", "golang.org/dl"),
        (f"{modcache}/{_TOOLCHAIN}", "gotoolchain"),
        ("/opt/hostedtoolcache/go/*/x64", "toolcache"),
        ("/Users/runner/hostedtoolcache/go/*/x64", "toolcache"),
        ("/opt/homebrew/Cellar/go/*/libexec", "homebrew"),
        ("/usr/local/Cellar/go/*/libexec", "homebrew"),
        ("/home/linuxbrew/.linuxbrew/Cellar/go/*/libexec", "homebrew"),
    ]
    if environ.get("RUNNER_TOOL_CACHE"):
        found.insert(-3, (f"{environ['RUNNER_TOOL_CACHE']}/go/*/x64", "toolcache"))
    return found


def goroot_in(folder: str) -> str | None:
    """The GOROOT inside an install folder: the folder, or its go/ (asdf's layout)."""
    for candidate in (folder, os.path.join(folder, "go")):
        if os.path.isfile(os.path.join(candidate, "bin", "go")):
            return candidate
    return None


def goroot_of_go(go: str) -> str | None:
    """The GOROOT a go binary belongs to (``<root>/bin/go``), if it is a real toolchain's
    (not a shim or a wrapper script)."""
    real = os.path.realpath(go)
    bin_dir = os.path.dirname(real)
    root = os.path.dirname(bin_dir)
    if os.path.basename(bin_dir) != "bin":
        return None
    if os.path.isfile(os.path.join(root, "VERSION")) or os.path.isdir(
            os.path.join(root, "pkg", "tool")):
        return root
    return None


def read_version(goroot: str) -> tuple[str | None, str]:
    """The version an install's own go reports (GOTOOLCHAIN=local, so that no setting makes
    it run another), else its VERSION file's first line."""
    env = {k: v for k, v in os.environ.items() if k not in ("GOROOT", "GOTOOLCHAIN")}
    env["GOTOOLCHAIN"] = "local"
    try:
        out = subprocess.run([os.path.join(goroot, "bin", "go"), "version"], env=env,
                             capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
        match = VERSION_RE.search(out.stdout)
        if out.returncode == 0 and match:
            return match.group(1), "bin/go version"
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        with open(os.path.join(goroot, "VERSION"), encoding="utf-8", errors="replace") as fh:
            first = fh.readline().strip()
        if first.startswith("go"):
            return first[2:], "VERSION file"
    except OSError:
        pass
    return None, "no version: its go does not run and it has no VERSION file"


def discover(home: str, environ: dict | None = None, extra: list[tuple[str, str]] = ()
             ) -> list[Install]:
    """Every install found, one per real GOROOT (a symlink to one, such as /usr/local/go or
    mise's 1.22, is an alias of it). ``extra``: (GOROOT, what found it) seen elsewhere (a go
    on some context's PATH, an exported GOROOT), added when no pattern found it."""
    environ = dict(os.environ if environ is None else environ)
    candidates: list[tuple[str, str, str]] = []  # (folder, goroot, kind)
    for pattern, kind in patterns(home, environ):
        for folder in sorted(glob.glob(pattern)):
            goroot = goroot_in(folder)
            if goroot:
                candidates.append((folder, goroot, kind))
    system = "/usr/bin/go"
    if os.path.exists(system):
        goroot = goroot_of_go(system)
        if goroot:
            candidates.append((system, goroot, "system"))
    for goroot, _ in extra:
        if goroot and goroot_in(goroot):
            candidates.append((goroot, goroot_in(goroot), "other"))
    by_real: dict[str, list[tuple[str, str, str]]] = {}
    for folder, goroot, kind in candidates:
        by_real.setdefault(os.path.realpath(goroot), []).append((folder, goroot, kind))
    with ThreadPoolExecutor(max_workers=8) as pool:
        versions = dict(zip(by_real, pool.map(read_version, by_real), strict=True))
    installs = []
    for real, found in by_real.items():
        # the folder that is not a link names the install; the links are its aliases
        found.sort(key=lambda c: (os.path.islink(c[0]) or c[2] == "system", c[2] == "other"))
        folder, goroot, kind = found[0]
        if kind == "system":
            folder, goroot = real, real
        version, source = versions[real]
        if version is None:
            continue
        aliases = [c[0] for c in found if c[0] != folder]
        installs.append(Install(version, folder, goroot, kind, source,
                                list(dict.fromkeys(aliases))))
    return installs


def roots_document(installs: list[Install], versions: list[str] | None = None
                   ) -> tuple[dict, dict[str, list[str]]]:
    """The installs as a snapshot's ``roots`` (what the matrix reads from roots.json: one
    entry per version) and, for a version installed more than once, the other installs'
    folders (``version_dirs`` of a Leg), so that a path in any of them is that version's."""
    roots: dict[str, dict] = {}
    more: dict[str, list[str]] = {}
    for install in installs:
        if versions is not None and install.version not in versions:
            continue
        if install.version in roots:
            more.setdefault(install.version, []).extend(install.paths())
            continue
        roots[install.version] = {
            "root": install.root, "real": os.path.realpath(install.root),
            "goroot": install.goroot, "goroot_real": os.path.realpath(install.goroot)}
        extra = [p for p in install.paths() if p not in roots[install.version].values()]
        if extra:
            more.setdefault(install.version, []).extend(extra)
    return roots, more


def install_of(installs: list[Install], path: str | None, real: str | None = None
               ) -> Install | None:
    """The install holding this path (or its real path), if any."""
    candidates = [os.path.normpath(p) for p in (path, real) if p]
    for install in installs:
        for root in install.paths():
            root = root.rstrip("/")
            if any(c == root or c.startswith(root + "/") for c in candidates):
                return install
    return None
