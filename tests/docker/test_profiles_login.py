"""What each platform profile's login emulation exports, against the files it claims to
emulate, for variables that are not PATH (see each profile's README)."""

from __future__ import annotations

import io
import tarfile

import pytest

from ..build.test_profiles import PAM_ENV_EXPECTED, PAM_ENV_FILE, exported_by, parse_env0
from .conftest import run_as

pytestmark = pytest.mark.docker


def _write(ctr, path: str, content: str) -> None:
    """Write the file byte for byte (owned by root, mode 0644), as an administrator would."""
    folder, name = path.rsplit("/", 1)
    status, out = run_as(ctr, "root", f"mkdir -p '{folder}'")
    assert status == 0, out
    data = content.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))
    assert ctr.put_archive(folder, buf.getvalue())


def _env(ctr, user: str, shell_argv: str, environment: dict | None = None) -> dict[str, str]:
    status, out = run_as(ctr, user, f"{shell_argv} 'exec env -0'", environment)
    assert status == 0, out
    return parse_env0(out)


def test_ubuntu_logins_apply_etc_environment_as_pam_env_does(image_for, start_container):
    ctr = start_container(image_for.platform("ubuntu").tag, "ubuntu")
    _write(ctr, "/etc/environment", PAM_ENV_FILE)
    for argv in ("bash -lc", "sh -lc", "bash -ilc"):
        assert exported_by(_env(ctr, "ubuntu", argv)) == PAM_ENV_EXPECTED, argv
    # No login, no pam_env: a shell with no login parent never sees the file.
    for argv in ("bash -ic", "sh -c"):
        found = _env(ctr, "ubuntu", argv)
        assert "GOROOT" not in found and "CONT" not in found, argv


def test_wsl2_has_no_pam_step_but_runs_profile_d(image_for, start_container):
    """WSL starts the shell from its own init, not through PAM, so /etc/environment is not
    applied (microsoft/WSL#1405, #9881); Ubuntu's /etc/profile still runs /etc/profile.d."""
    ctr = start_container(image_for.platform("wsl2").tag, "dev")
    _write(ctr, "/etc/environment", PAM_ENV_FILE)
    _write(ctr, "/etc/profile.d/corp-go.sh", "export GOFLAGS=-mod=vendor\n")
    found = _env(ctr, "dev", "bash -lc")
    assert "GOROOT" not in found and "CONT" not in found
    assert found["GOFLAGS"] == "-mod=vendor"
    assert found["WSL_DISTRO_NAME"] == "Ubuntu" and "WSLENV" in found


def test_macos_logins_build_manpath_with_path_helper(image_for, start_container):
    ctr = start_container(image_for.platform("macos-runner").tag, "runner")
    _write(ctr, "/etc/manpaths.d/go", "/usr/local/go/misc/man\n")
    for argv in ("zsh -lc", "bash -lc"):
        found = _env(ctr, "runner", argv, {"MANPATH": "/opt/m:/usr/share/man"})
        assert found["MANPATH"] == ("/usr/share/man:/usr/local/share/man:"
                                    "/usr/local/go/misc/man:/opt/m"), argv
        assert "MANPATH" not in _env(ctr, "runner", argv), argv  # not set: left alone
        assert found["GOROOT_1_21_X64"] == "/Users/runner/hostedtoolcache/go/1.21.13/x64"


def test_macos_runner_bash_reads_the_runner_s_bashrc_and_never_profile(image_for,
                                                                        start_container):
    """The runner's ~/.bash_profile reads its ~/.bashrc, which has no early return for a shell
    that is not interactive, so a line a manager appends there runs in bash login shells too;
    ~/.profile, which Debian's skeleton would have made the login file, is never read by bash."""
    ctr = start_container(image_for.platform("macos-runner").tag, "runner")
    status, out = run_as(ctr, "runner", "ls -A ~; echo 'export FROM_BASHRC=1' >> ~/.bashrc; "
                                        "echo 'export FROM_PROFILE=1' >> ~/.profile")
    assert status == 0, out
    home = out.decode().split()
    assert ".bash_profile" in home and ".bashrc" in home, home
    assert ".bash_logout" not in home and ".profile" not in home, home  # no Debian skeleton
    for argv, bashrc in (("bash -lc", True), ("bash -ic", True), ("bash -ilc", True),
                         ("sh -c", False), ("bash -c", False), ("zsh -lc", False)):
        found = _env(ctr, "runner", argv)
        assert ("FROM_BASHRC" in found) is bashrc, argv
        assert "FROM_PROFILE" not in found, argv  # bash logins read ~/.bash_profile instead
        if bashrc:  # the runner's folders in front of what path_helper made
            entries = found["PATH"].split(":")
            assert entries[:3] == ["/Users/runner/.cargo/bin", "/usr/local/opt/curl/bin",
                                   "/usr/local/bin"], (argv, entries)
            assert found["RUNNER_TOOL_CACHE"] == "/Users/runner/hostedtoolcache"
    # sh reads ~/.profile as a login shell, as on macOS
    assert "FROM_PROFILE" in _env(ctr, "runner", "sh -lc")


@pytest.mark.parametrize("name", ["ubuntu", "macos-runner", "wsl2"])
def test_every_context_has_what_a_login_sets(docker_client, image_for, name):
    """login(1), sshd, WSL's init and macOS's loginwindow set USER, LOGNAME and SHELL for
    every process of the session, as docker exec does not: the container runs set them."""
    from matrix.core.platforms import get_platform
    from matrix.run.shells import platform_shells

    platform = get_platform(name)
    found = platform_shells(docker_client, image_for.platform(name).tag, platform)
    assert set(found) == set(platform.shells)
    shell = "/bin/zsh" if name == "macos-runner" else "/bin/bash"
    for context, state in found.items():
        seen = {k: state["variables"].get(k) for k in ("HOME", "USER", "LOGNAME", "SHELL")}
        assert seen == {"HOME": platform.home, "USER": platform.user,
                        "LOGNAME": platform.user, "SHELL": shell}, context


def test_wsl2_appends_the_windows_path_in_every_context(image_for, start_container):
    """WSL's init appends the translated Windows PATH for every process it starts: folders
    with spaces and parentheses (`Program Files (x86)`), each one there under /mnt/c."""
    ctr = start_container(image_for.platform("wsl2").tag, "dev")
    for argv in ("bash -lc", "bash -ic", "sh -c", "bash -ilc"):
        path = _env(ctr, "dev", argv)["PATH"].split(":")
        windows = path[path.index("/usr/lib/wsl/lib") + 1:]
        assert windows and all(entry.startswith("/mnt/c/") for entry in windows), argv
        assert any(" " in entry for entry in windows), argv
        assert any("(x86)" in entry for entry in windows), argv
        status, out = run_as(ctr, "dev", "for e in " + " ".join(
            "'" + entry + "'" for entry in windows) + '; do [ -d "$e" ] || echo "$e"; done')
        assert status == 0 and out == b"", out
