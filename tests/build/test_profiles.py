"""The platform profiles' own scripts, run on the host where they are plain sh."""

from __future__ import annotations

import subprocess

from matrix.build.images import images_root
from matrix.core.platforms import PLATFORMS

PATH_HELPER = images_root() / "macos-runner" / "path_helper"


def _path_helper(tmp_path, path: str, paths_d: dict[str, str]) -> str:
    etc = tmp_path / "etc"
    (etc / "paths.d").mkdir(parents=True)
    (etc / "paths").write_text("/usr/local/bin\n/usr/bin\n/bin\n")
    for name, text in paths_d.items():
        (etc / "paths.d" / name).write_text(text)
    script = PATH_HELPER.read_text().replace("/etc/paths", str(etc / "paths"))
    out = subprocess.run(["sh", "-c", script, "path_helper", "-s"], capture_output=True,
                         text=True, env={"PATH": path}, check=True)
    return out.stdout


def test_path_helper_puts_system_paths_first_then_the_rest_without_repeats(tmp_path):
    out = _path_helper(tmp_path, "/Users/runner/bin:/usr/bin:/opt/x",
                       {"go": "/usr/local/go/bin\n", "10-a": "/opt/a\n"})
    assert out == ('PATH="/usr/local/bin:/usr/bin:/bin:/opt/a:/usr/local/go/bin:'
                   '/Users/runner/bin:/opt/x"; export PATH;\n')


def test_every_profile_has_a_dockerfile_and_says_what_it_cannot_emulate():
    for platform in PLATFORMS.values():
        folder = images_root() / platform.name
        assert (folder / "Dockerfile").is_file()
        readme = (folder / "README.md").read_text()
        assert "Cannot emulate" in readme
        assert platform.cannot and platform.emulates


def test_wsl2_path_has_windows_entries_with_spaces_and_parentheses():
    dockerfile = (images_root() / "wsl2" / "Dockerfile").read_text()
    assert "/mnt/c/Program Files/Go/bin" in dockerfile
    assert "/mnt/c/Program Files (x86)/" in dockerfile
    assert "WSL_DISTRO_NAME" in dockerfile and "WSLENV" in dockerfile


# /etc/environment as real machines have it, with every rule of pam_env's reading in it
# (Linux-PAM modules/pam_env/pam_env.c: _assemble_line and _parse_env_file), and what a login
# must export from it. Names mapped to None must not be set by the file.
PAM_ENV_FILE = (
    'PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:'
    '/usr/local/games:/snap/bin"\n'
    'GOROOT="/usr/local/go-1.21.13"\n'
    "  export GOPATH='/home/ubuntu/go work'\n"
    "GOBIN=/opt/bin # the tools\n"
    'QUOTED="a"b"\n'
    "LEADING=  two  blanks\n"
    "EXPANDED=$HOME/x\n"
    "CONT=first\\\n"
    "  second\n"
    "BAD-NAME=1\n"
    "=novalue\n"
    "# a comment\n"
    "\t# an indented comment\n"
    "TEMP=1\n"
    "TEMP\n"
    "TRAILING=end   \n"
    "LAST=no newline"
)
PAM_ENV_EXPECTED = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/games:"
            "/usr/local/games:/snap/bin",
    "GOROOT": "/usr/local/go-1.21.13",
    "GOPATH": "/home/ubuntu/go work",
    "GOBIN": "/opt/bin ",
    "QUOTED": 'a"b',
    "LEADING": "  two  blanks",
    "EXPANDED": "$HOME/x",
    "CONT": "first  second",
    "TEMP": None,
    "TRAILING": "end   ",
    "LAST": None,
}


def parse_env0(output: bytes) -> dict[str, str]:
    found = {}
    for item in output.split(b"\0"):
        name, sep, value = item.decode().partition("=")
        if sep:
            found[name] = value
    return found


def exported_by(found: dict[str, str]) -> dict[str, str | None]:
    return {name: found.get(name) for name in PAM_ENV_EXPECTED}


def _pam_env_block() -> str:
    profile = (images_root() / "ubuntu" / "profile").read_text()
    start = profile.index("if [ -r /etc/environment ]; then")
    return profile[start:profile.index("\nfi\n", start) + 4]


def test_the_ubuntu_login_applies_etc_environment_as_pam_env_does(tmp_path):
    env_file = tmp_path / "environment"
    env_file.write_text(PAM_ENV_FILE)
    block = _pam_env_block().replace("/etc/environment", str(env_file))
    for shell in ("sh", "bash"):
        out = subprocess.run([shell, "-c", block + "\nexec env -0"], capture_output=True,
                             check=True, env={"PATH": "/usr/bin:/bin", "HOME": "/home/u",
                                              "TEMP": "inherited"})
        found = parse_env0(out.stdout)
        assert exported_by(found) == PAM_ENV_EXPECTED, shell
        assert not any(name.startswith("__pe_") for name in found), shell
        assert "BAD-NAME" not in found and found["HOME"] == "/home/u"


def test_path_helper_builds_manpath_only_when_it_is_set(tmp_path):
    etc = tmp_path / "etc"
    (etc / "paths.d").mkdir(parents=True)
    (etc / "manpaths.d").mkdir()
    (etc / "paths").write_text("/usr/bin\n")
    (etc / "manpaths").write_text("/usr/share/man\n/usr/local/share/man\n")
    (etc / "manpaths.d" / "go").write_text("/usr/local/go/misc/man\n")
    script = (PATH_HELPER.read_text().replace("/etc/paths", str(etc / "paths"))
              .replace("/etc/manpaths", str(etc / "manpaths")))

    def helper(env):
        return subprocess.run(["/bin/sh", "-c", script, "path_helper", "-s"], capture_output=True,
                              text=True, env=env, check=True).stdout

    assert helper({"PATH": "/opt/x"}) == 'PATH="/usr/bin:/opt/x"; export PATH;\n'
    assert helper({"PATH": "/opt/x", "MANPATH": "/opt/m:/usr/share/man"}) == (
        'PATH="/usr/bin:/opt/x"; export PATH;\n'
        'MANPATH="/usr/share/man:/usr/local/share/man:/usr/local/go/misc/man:/opt/m"; '
        'export MANPATH;\n')
