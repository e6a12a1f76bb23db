"""Where a setting comes from: the lines of the user's and the system's shell start-up files
(and the GOENV file) that set a variable or put a folder on PATH, by file and line."""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass

USER_FILES = (".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", ".zprofile",
              ".zshrc")
SYSTEM_FILES = ("/etc/environment", "/etc/profile", "/etc/profile.d/*.sh", "/etc/bash.bashrc",
                "/etc/zshenv", "/etc/zprofile", "/etc/zshrc", "/etc/zlogin", "/etc/zsh/*")


@dataclass(frozen=True)
class Where:
    file: str
    line: int
    text: str

    def to_dict(self, home: str = "") -> dict:
        return {"file": tilde(self.file, home), "line": self.line, "text": self.text}


def tilde(path: str, home: str) -> str:
    """A path with the home folder written as ~."""
    if home and home != "/" and (path == home or path.startswith(home.rstrip("/") + "/")):
        return "~" + path[len(home.rstrip("/")):]
    return path


def start_up_files(home: str) -> list[str]:
    """Every start-up file there is, the user's first, in the order a login reads them."""
    files = [os.path.join(home, name) for name in USER_FILES]
    for pattern in SYSTEM_FILES:
        files += sorted(glob.glob(pattern)) if "*" in pattern else [pattern]
    return [f for f in dict.fromkeys(files) if os.path.isfile(f)]


def _lines(path: str) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read().splitlines()
    except OSError:
        return []


def _code(line: str) -> str:
    """A line without its comment (a # that starts a word)."""
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0]


def assignments(variable: str, home: str, files: list[str] | None = None) -> list[Where]:
    """The lines that set ``variable`` (``export V=``, ``V=``, ``typeset -x V=``, pam_env's
    ``V DEFAULT=`` / ``V OVERRIDE=``, csh's ``setenv V``)."""
    pattern = re.compile(rf"(?:^|[\s;&|(]){re.escape(variable)}(?:=|\s+(?:DEFAULT|OVERRIDE)=)"
                         rf"|\bsetenv\s+{re.escape(variable)}\b")
    found = []
    for path in start_up_files(home) if files is None else files:
        for number, line in enumerate(_lines(path), 1):
            if pattern.search(_code(line)):
                found.append(Where(path, number, line.strip()))
    return found


def _expanded(line: str, home: str) -> str:
    for form in ("${HOME}", "$HOME", "~/"):
        line = line.replace(form, home.rstrip("/") + ("/" if form == "~/" else ""))
    return line


def path_lines(folder: str, home: str, files: list[str] | None = None) -> list[Where]:
    """The lines that put ``folder`` on PATH (a PATH line naming it, with $HOME or ~ read as
    the home folder), or that list it on a line of its own (/etc/paths, /etc/paths.d/*)."""
    folder = folder.rstrip("/")
    mention = re.compile(rf"(?:^|[:=\"'\s]){re.escape(folder)}/?(?:$|[:\"'\s])")
    found = []
    for path in start_up_files(home) if files is None else files:
        for number, line in enumerate(_lines(path), 1):
            code = _expanded(_code(line), home)
            if "PATH" in code and mention.search(code):
                found.append(Where(path, number, line.strip()))
    return found


def file_lines(path: str, variable: str) -> list[Where]:
    """The lines of a GOENV file or go.env (``V=value``) that set ``variable``."""
    return [Where(path, number, line.strip()) for number, line in enumerate(_lines(path), 1)
            if line.startswith(f"{variable}=")]


def say(where: list[Where], home: str) -> str:
    """'~/.bashrc line 42' or '~/.profile line 3, ~/.bashrc line 9'."""
    return ", ".join(f"{tilde(w.file, home)} line {w.line}" for w in where)
