"""Platform profiles: what each image emulates, who the user is, which shells exist."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass

from .errors import MatrixError

# Shell contexts, in report order. "script" is one non-interactive bash process (a Makefile, a
# Dockerfile RUN line, a CI step) that activates the manager the way its docs tell scripts to,
# then switches and probes with no prompt in between. "session" is the interactive shell in
# which the switch itself was typed: prompt hooks fire there between commands, as they would
# for a person. "other-session" is a second interactive shell, opened before the switch and
# still open.
SHELL_CONTEXTS = ("bash-login", "bash-interactive", "zsh-login", "sh", "script", "session",
                  "other-session")


@dataclass(frozen=True)
class Platform:
    name: str
    user: str
    home: str
    login_shell: str  # "bash" or "zsh": the shell a new terminal starts, used for switching
    shells: tuple[str, ...]
    emulates: str
    cannot: str

    @property
    def login_env(self) -> dict[str, str]:
        """What a login sets for every process of the user's session besides HOME (which
        `docker exec` sets too): login(1), sshd, WSL's init and macOS's loginwindow all set
        USER, LOGNAME and SHELL from the user's password entry (the images' login shell)."""
        return {"USER": self.user, "LOGNAME": self.user, "SHELL": f"/bin/{self.login_shell}"}


PLATFORMS: dict[str, Platform] = {
    p.name: p
    for p in (
        Platform(
            name="ubuntu",
            user="ubuntu",
            home="/home/ubuntu",
            login_shell="bash",
            shells=("bash-login", "bash-interactive", "sh", "script", "session", "other-session"),
            emulates=(
                "Ubuntu desktop/server login: bash, /etc/skel rc files, /etc/profile that "
                "applies every variable of /etc/environment as pam_env does at login"
            ),
            cannot="PAM, systemd user sessions, snap; built on the base named in the report",
        ),
        Platform(
            name="macos-runner",
            user="runner",
            home="/Users/runner",
            login_shell="zsh",
            shells=("bash-login", "bash-interactive", "zsh-login", "sh", "script", "session",
                    "other-session"),
            emulates=(
                "GitHub macOS runner: zsh login shell, home under /Users, /etc/zprofile running "
                "a path_helper emulation (/etc/paths, /etc/paths.d/*), the runner's "
                "~/.bash_profile reading its ~/.bashrc (no early return, the runner's PATH "
                "folders in front; no ~/.profile for bash), preinstalled runner Go in the "
                "hosted tool cache with GOROOT_1_xx_X64 variables"
            ),
            cannot=(
                "Darwin binaries, launchd, the real path_helper (emulated from its documented "
                "behaviour), bash 3.2 (this bash is 5.x, and reads Debian's /etc/bash.bashrc "
                "in interactive shells), the runner's own login shell (bash; here zsh, macOS's "
                "default), the runner's locale, Homebrew; Go is linux/amd64"
            ),
        ),
        Platform(
            name="wsl2",
            user="dev",
            home="/home/dev",
            login_shell="bash",
            shells=("bash-login", "bash-interactive", "sh", "script", "session", "other-session"),
            emulates=(
                "Ubuntu on WSL2: Windows PATH entries appended under /mnt/c (Program Files with "
                "spaces, Program Files (x86) with parentheses, a Windows go.exe), "
                "WSL_DISTRO_NAME, WSLENV, WSL_INTEROP, /etc/wsl.conf; no PAM step, so "
                "/etc/environment is not applied"
            ),
            cannot=(
                "Windows interop: go.exe is a stand-in file that cannot run Windows code; "
                "drvfs mount semantics; the WSL init process"
            ),
        ),
    )
}


def get_platform(name: str) -> Platform:
    try:
        return PLATFORMS[name]
    except KeyError:
        raise MatrixError(
            f"unknown platform {name!r}; valid platforms: {', '.join(PLATFORMS)}"
        ) from None


def host_name(environ=None, proc_version: str = "/proc/version") -> str:
    """What the machine this runs on is, by the names reports use for real hosts: ``macos``,
    ``wsl2`` (``/proc/version`` mentions Microsoft, or ``WSL_DISTRO_NAME`` is set) or
    ``linux``."""
    environ = os.environ if environ is None else environ
    if sys.platform == "darwin":
        return "macos"
    if environ.get("WSL_DISTRO_NAME"):
        return "wsl2"
    try:
        with open(proc_version, encoding="utf-8", errors="replace") as fh:
            if "microsoft" in fh.read().lower():
                return "wsl2"
    except OSError:
        pass
    return "linux"


def host_platform() -> Platform:
    """The machine this runs on as a platform profile: the current user, their home, and
    their login shell (from the password database, else ``SHELL``; a shell that is neither
    bash nor zsh counts as bash, the shell the probe and the switch commands are written
    for); its shell contexts are those of a real machine, zsh-login where zsh is
    installed."""
    import pwd

    try:
        entry = pwd.getpwuid(os.getuid())
        user, home, shell = entry.pw_name, entry.pw_dir, entry.pw_shell
    except KeyError:  # a user id with no entry (a container started with --user <uid>)
        user, home, shell = os.environ.get("USER") or str(os.getuid()), "", ""
    home = os.environ.get("HOME") or home or "/"
    shell = shell or os.environ.get("SHELL") or "/bin/bash"
    login = "zsh" if os.path.basename(shell) == "zsh" else "bash"
    contexts = [c for c in SHELL_CONTEXTS if c != "zsh-login" or shutil.which("zsh")]
    uname = os.uname()
    return Platform(name=host_name(), user=user, home=home, login_shell=login,
                    shells=tuple(contexts),
                    emulates=(f"nothing: this machine itself ({uname.sysname} {uname.release}, "
                              f"user {user}, login shell {shell})"),
                    cannot="")
