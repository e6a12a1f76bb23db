"""What activating a manager adds to a shell, measured rather than copied from its docs.

The probe records, in every shell context, the shell's functions, aliases and prompt or
directory hooks beside its environment. The same probe runs once per platform in the platform's
own image (no manager) in every context; the difference in a cell's first snapshot is what the
manager's activation added there: functions (``sdk``, ``gvm``, a replaced ``cd``), hooks
(``PROMPT_COMMAND``, ``precmd_functions``, ``chpwd_functions``), aliases and exported variables.
"""

from __future__ import annotations

import json

from ..core.platforms import Platform
from .steps import SHELL_ARGV, probe_snippet

# Variables every shell has its own value of, or that a run sets: never an injection.
_NOISE = {"PWD", "OLDPWD", "SHLVL", "_", "LINES", "COLUMNS", "HOSTNAME", "TERM", "PS1",
          "PS2", "PS4", "HISTFILE", "HISTSIZE", "HISTFILESIZE", "SAVEHIST", "ZSH", "MAIL",
          "LS_COLORS", "LESSOPEN", "LESSCLOSE", "GOVM_LABEL"}


def shell_state(snap: dict | None) -> dict:
    """A snapshot's shell state: functions, aliases, hooks and exported variable names."""
    snap = snap or {}
    shell = snap.get("shell") or {}
    return {"functions": list(shell.get("functions") or []),
            "aliases": list(shell.get("aliases") or []),
            "hooks": {k: v for k, v in (shell.get("hooks") or {}).items() if v},
            "variables": {k: v for k, v in sorted((snap.get("env") or {}).items())
                          if k not in _NOISE},
            "path": (snap.get("vars") or {}).get("PATH")}


def injected(baseline: dict | None, snap: dict | None) -> dict | None:
    """What the shell of ``snap`` holds that the same context of the bare platform does not;
    None when there is no baseline to compare with."""
    if baseline is None or snap is None:
        return None
    now = shell_state(snap)
    before = {"functions": [], "aliases": [], "hooks": {}, "variables": {}, "path": None,
              **baseline}
    old_vars = before["variables"] if isinstance(before["variables"], dict) else {}
    old_path = (before["path"] or "").split(":")
    new_path = (now["path"] or "").split(":")
    return {
        "functions": sorted(set(now["functions"]) - set(before["functions"])),
        "aliases": sorted(set(now["aliases"]) - set(before["aliases"])),
        "hooks": {k: v for k, v in now["hooks"].items() if before["hooks"].get(k) != v},
        "variables": sorted(k for k in now["variables"] if k not in old_vars and k != "PATH"),
        "changed": sorted(k for k, v in now["variables"].items()
                          if k in old_vars and old_vars[k] != v and k != "PATH"),
        "path_added": [e for e in dict.fromkeys(new_path) if e not in old_path],
        "path_lost": [e for e in dict.fromkeys(old_path) if e not in new_path],
    }


def platform_shells(cli, image_tag: str, platform: Platform, run_id: str | None = None,
                    ) -> dict[str, dict]:
    """The shell state of every context of the bare platform image, as the probe sees it."""
    import docker.errors  # here: what a shell injects is also judged where Docker is not
    import requests.exceptions

    from ..build.commands import execute
    from ..build.engine import labels
    from .runner import SNAPSHOTS, STEP_TIMEOUT, probe_archive

    session = f"{probe_snippet('session:base')}\nexit\n"
    scripts = {"session.sh": session,
               "other.sh": session.replace("session:base", "other-session:base")}
    container = cli.containers.run(image_tag, ["sleep", "infinity"], detach=True,
                                   network_mode="none", user=platform.user,
                                   working_dir=platform.home, labels=labels(run_id),
                                   hostname="localhost", environment=platform.login_env)
    try:
        container.put_archive("/tmp", probe_archive(scripts))
        commands = [[*SHELL_ARGV[shell], probe_snippet(f"{shell}:base")]
                    for shell in platform.shells if shell in SHELL_ARGV]
        if "script" in platform.shells:
            commands.append(["bash", "-c", probe_snippet("script:base")])
        login = platform.login_shell
        for name in ("session.sh", "other.sh"):
            commands.append(["sh", "-c", f"{login} -il < /tmp/govm/{name} >/dev/null 2>&1"])
        for argv in commands:
            execute(container.id, ["timeout", str(STEP_TIMEOUT), *argv], platform.user,
                    platform.home)
        out = execute(container.id, ["sh", "-c", f"cat {SNAPSHOTS}/*.json"], "root")
        found = {}
        for line in out.stdout.decode(errors="replace").splitlines():
            snap = json.loads(line)
            found[snap["label"].split(":")[0]] = shell_state(snap)
        return found
    finally:
        try:
            container.remove(force=True)
        except (docker.errors.DockerException, requests.exceptions.RequestException):
            pass
