"""The documents that cross process and file boundaries, as typed dictionaries.

A ``Snapshot`` is what the probe (``matrix/run/probe/probe.py``) writes inside the container,
one per shell context and phase; the checks read it. A ``CheckDoc`` is one check's verdict with
its evidence; a ``CellDoc`` is one cell's result as the report holds it (the pytest workers
send it to the controller, the report renders it, a baseline keeps a slim copy). They stay
plain dicts on the wire (JSON, xdist); these types say what is in them.
"""

from __future__ import annotations

from typing import TypedDict


class PathEntry(TypedDict):
    entry: str  # the PATH entry as it is written
    real: str | None  # its real path, None when it does not exist


class GoOnPath(TypedDict):
    path: str  # <entry>/go
    real: str | None


class ShellGo(TypedDict):
    command: str | None  # what `command -v go` answered in the shell (its hash applies)
    real: str | None
    version_output: str  # what `go version` printed in the shell
    status: int


class RunOutput(TypedDict, total=False):
    argv: list[str]
    status: int
    stdout: str
    stderr: str
    seconds: float


class Build(RunOutput, total=False):
    dir: str  # where it was built: the current module, or a fresh one
    run: RunOutput  # the built program, run
    runtime_version: str | None  # what it printed: runtime.Version(), None when it failed


class RootInfo(TypedDict, total=False):
    root: str  # the manager's install folder of the version (what its command reports)
    real: str | None
    goroot: str  # the version's GOROOT (its own `go env GOROOT`), inside the install folder
    goroot_real: str | None


class GoenvFile(TypedDict):
    path: str
    content: str | None


class Snapshot(TypedDict, total=False):
    label: str  # "<shell>:<phase>"
    time: float
    env: dict[str, str]
    vars: dict[str, str | None]  # PATH, GOROOT, GOPATH, GOBIN, GOTOOLCHAIN, GOFLAGS, …
    path_entries: list[PathEntry]
    go_on_path: list[GoOnPath]
    shell_go: ShellGo
    go: str | None  # the first go on PATH
    go_version: RunOutput | None
    go_env: dict[str, str] | None  # `go env -json`, without the C compiler's flags
    go_env_error: str | None
    goenv_file: GoenvFile
    build: Build | None
    roots: dict[str, RootInfo]  # version (or "_dispatcher") -> where it is installed
    roots_error: str
    real: dict[str, str | None]  # real paths of the Go variables' values
    # a GOBIN or GOPATH folder that does not exist yet: where go would make it, through the
    # symlinks of the folders above it that exist
    would_be: dict[str, str]
    timed_out: list[str]  # the commands the probe gave up on (present only when any)


class CheckDoc(TypedDict):
    check: str
    verdict: str
    evidence: list[str]  # "[<leg>: ]<VERDICT>: expected X, got Y"


class CellDoc(TypedDict, total=False):
    id: str  # platform/manager/A→B/scope[+scenario]/shell
    platform: str
    manager: str
    # "from" and "to" (the versions) are keys too; they are not identifiers in Python
    scope: str
    scenario: str
    pollution: list[str]
    shell: str
    group: str
    shell_order: int
    verdict: str
    active: bool  # the manager was in effect in this shell when the cell began
    error: str | None
    log_tail: list[str]
    checks: dict[str, CheckDoc]
    expect: dict[str, str]
    installed: dict[str, str]  # asked -> installed version, where the two differ (distro)
    snapshots: dict[str, Snapshot | None]
    steps: list[dict]
    manager_info: dict
    manager_behaviour: dict[str, str]
    pollution_fixtures: list[dict]
    image: dict | None
    roots: dict
    run_seconds: float
