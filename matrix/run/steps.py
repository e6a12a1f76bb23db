"""What a run of one scenario does in its shells, apart from where it runs: the shell contexts,
the probe lines, the two interactive sessions' scripts, the script context's process, which
version each context must show, and the run's result as plain data.

A container run (``runner``) and ``govm-matrix doctor --switch`` on the machine itself run the
same steps from here. Standard library only: doctor runs where Docker and the harness's other
dependencies are not installed.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field

PHASES = ("base", "after", "back", "again")
PROBE_DIR = "/tmp/govm"  # the probe's folder in a container (probe.sh, probe.py)
PROJECT = "~/proj"  # the directory a directory-scoped selection pins
_POLL = 0.02  # seconds between two looks for the file a wait is for
_WAIT = "i=0; while {0} && [ $i -lt {1} ]; do sleep {2}; i=$((i+1)); done"

# How each shell context runs one command. The session context is the interactive login shell
# (a terminal a person opens) in which the switch itself is typed, fed on stdin; the
# other-session context is a second one, opened before the switch and still open after it.
SHELL_ARGV = {
    "bash-login": ("bash", "-lc"),
    "bash-interactive": ("bash", "-ic"),
    "zsh-login": ("zsh", "-lc"),
    "sh": ("sh", "-c"),
}


def expectations(scope: str, shell: str, old: str, new: str) -> dict[str, str]:
    """Which version each phase must show in this shell context.

    global: the switch reaches every shell. session: only the shell it was typed in (the
    session, and the script, which switches in its own process); every other shell must keep
    the old version. directory: shells inside the directory get the new version, leaving it
    restores the old one; the other session never entered it.
    """
    if scope == "global" or shell in ("session", "script"):
        # only the session switches a third time (session_scripts)
        return {"after": new, "back": old, **({"again": new} if shell == "session" else {})}
    if scope == "directory" and shell != "other-session":
        return {"after": new, "back": old}
    return {"after": old, "back": old}


@dataclass
class RunResult:
    """Everything one run produced; plain data, ready for the report."""

    snapshots: dict[str, dict] = field(default_factory=dict)  # "<shell>:<phase>" -> snapshot
    steps: list[dict] = field(default_factory=list)
    error: str | None = None
    log_tail: list[str] = field(default_factory=list)
    manager_info: dict = field(default_factory=dict)
    roots: dict = field(default_factory=dict)
    seconds: float = 0.0
    unsupported: str | None = None  # the manager's own words when it cannot do the scenario
    switch_failures: list[str] = field(default_factory=list)  # switch commands that failed
    # switches that failed in one context only (the script's own), by context
    context_failures: dict[str, list[str]] = field(default_factory=dict)
    atomic: dict = field(default_factory=dict)  # the switch traced and observed (checks/atomic)

    def for_shell(self, shell: str) -> dict[str, dict | None]:
        """The snapshots of one shell context by phase, None where one was due and is
        missing; ``again`` only in the session, the one context that switches a third time."""
        return {phase: self.snapshots.get(f"{shell}:{phase}") for phase in PHASES
                if phase != "again" or shell == "session" or f"{shell}:again" in self.snapshots}


def fixture_values(platform, old: str, new: str, roots: dict) -> dict[str, str]:
    """The fields a fixture's text may hold: the versions, the user's home, and each version's
    GOROOT as its own go reports it (for asdf one level below the install folder that
    `asdf where` names), so that an exported {old_root} is the GOROOT a user would copy."""
    return {"old": old, "new": new, "home": platform.home,
            "old_root": roots[old]["goroot"], "new_root": roots[new]["goroot"]}


def probe_snippet(label: str, folder: str = PROBE_DIR) -> str:
    """The line that takes one snapshot in the shell that runs it."""
    if folder == PROBE_DIR:
        return f"GOVM_LABEL={label}; . {PROBE_DIR}/probe.sh"
    where = shlex.quote(folder)
    return f"GOVM_LABEL={label}; GOVM_PROBE_DIR={where}; . {where}/probe.sh"


def wait_while(condition: str, seconds: float = 120) -> str:
    """A shell line that waits (at most ``seconds``) while the shell command ``condition``
    succeeds."""
    return _WAIT.format(condition, round(seconds / _POLL), _POLL)


def wait_for(name: str, folder: str = PROBE_DIR, seconds: float = 120) -> str:
    """A shell line that waits (at most ``seconds``) until ``folder/name`` exists."""
    return wait_while(f"[ ! -e {shlex.quote(folder)}/{name} ]", seconds)


def before_session(folder: str = PROBE_DIR) -> str:
    """The shell line that holds the interactive session back until the other session has
    taken its base snapshot and waits for the switch (see ``session_scripts``)."""
    return wait_for("other.ready", folder)


def session_scripts(switch: Callable[[str], str], old: str, new: str,
                    folder: str = PROBE_DIR) -> dict[str, str]:
    """The two interactive sessions: the one where A→B→A→B is typed (``switch(version)`` is
    what a person types there), and one opened before the first switch that only looks, after
    each switch of the other."""
    # Each side waits for the other at every step, so that the other session's snapshot
    # always sees the state of one switch, never of the next one. The session opens once the
    # other is ready (``before_session``), and the other says so on the line that waits for the
    # switch: no prompt of the other falls between the session's start and its switch. A
    # prompt hook that looks at what a shell's start touches (mise's at its data folder) then
    # meets the same order in every run, however the machine schedules the two shells.
    at = shlex.quote(folder)
    session = [probe_snippet("session:base", folder),
               switch(new), f"touch {at}/switched",
               probe_snippet("session:after", folder), wait_for("other.after", folder),
               switch(old), f"touch {at}/back",
               probe_snippet("session:back", folder), wait_for("other.done", folder),
               switch(new), probe_snippet("session:again", folder), "exit"]
    other = [probe_snippet("other-session:base", folder),
             f"touch {at}/other.ready; {wait_for('switched', folder)}",
             probe_snippet("other-session:after", folder),
             f"touch {at}/other.after; {wait_for('back', folder)}",
             probe_snippet("other-session:back", folder), f"touch {at}/other.done", "exit"]
    return {"session.sh": "\n".join(session) + "\n", "other.sh": "\n".join(other) + "\n"}


def script_text(activation: str, switch: Callable[[str], str], old: str, new: str,
                folder: str = PROBE_DIR) -> str:
    """The script context: one non-interactive bash process that activates the manager as its
    docs tell scripts and CI steps to (``activation``), then switches and probes with no
    prompt in between; a switch that fails there is written to ``folder/script.failures``."""
    at = shlex.quote(folder)
    lines = [activation or ":", probe_snippet("script:base", folder)]
    for version, phase in ((new, "after"), (old, "back")):
        command = switch(version)
        lines += [f"{{ {command}\n}} >{at}/script.out 2>&1 || "
                  f"{{ printf '%s: `%s` exited %s: ' {shlex.quote(phase)} "
                  f"{shlex.quote(command)} \"$?\"; "
                  f"grep -v '^ *$' {at}/script.out | head -n 3 | tr '\\n' ' '; echo; "
                  f"}} >> {at}/script.failures",
                  probe_snippet(f"script:{phase}", folder)]
    return "\n".join(lines) + "\n"
