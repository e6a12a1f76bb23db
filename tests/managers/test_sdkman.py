"""The SDKMAN adapters: SDKMAN itself (no Go: UNSUPPORTED in its own words) and the workaround."""

from __future__ import annotations

import re
import subprocess

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import Unsupported, available, get_manager
from matrix.managers.sdkman import SDKMAN_RELEASE_KEY, unsupported_reason

UBUNTU = get_platform("ubuntu")
RED, RESET = "\x1b[1;31m", "\x1b[0m"
# What `sdk install go 1.22.10` printed in a container without network (SDKMAN 5.23.0).
OFFLINE_ANSWER = "".join(f"{RED}{line}{RESET}\n" for line in (
    "==== INTERNET NOT REACHABLE! ===================================================", "",
    " SDKMAN! needs an active internet connection for full functionality.", "",
    "================================================================================",
)) + f"\n\n{RED}Stop! go is not a valid candidate.{RESET}\n"


def test_both_sdkman_adapters_are_discovered_by_name():
    assert {"sdkman", "sdkman-local"} <= set(available())


def test_the_reason_is_sdkman_s_last_word_without_colours_or_banner():
    assert unsupported_reason("sdk install go 1.22.10", 1, OFFLINE_ANSWER) == (
        "`sdk install go 1.22.10` exited 1: Stop! go is not a valid candidate.")
    assert unsupported_reason("sdk install go 1.22.10", 1,
                              f"\n{RED}Stop! go is not a valid candidate.{RESET}\n") == (
        "`sdk install go 1.22.10` exited 1: Stop! go is not a valid candidate.")
    assert unsupported_reason("sdk install go 1.22.10", 127, "  \n") == (
        "`sdk install go 1.22.10` exited 127 with no output")


def test_sdkman_asks_for_go_in_every_cell_and_the_workaround_does_not():
    ubuntu = UBUNTU
    probe = get_manager("sdkman").unsupported_probe("1.22.10", "global", ubuntu)
    assert probe.endswith("&& sdk install go 1.22.10")
    assert get_manager("sdkman").unsupported_probe("1.22.10", "session", ubuntu) == probe
    assert get_manager("sdkman-local").unsupported_probe("1.22.10", "global", ubuntu) is None
    reason = get_manager("sdkman").refusal(probe, 1, OFFLINE_ANSWER)
    assert reason == "`sdk install go 1.22.10` exited 1: Stop! go is not a valid candidate."


@pytest.mark.parametrize("status, output", [
    (127, "bash: line 1: sdk: command not found\n"),
    (127, ""),
    (1, "curl: (6) Could not resolve host: api.sdkman.io\n"),
])
def test_a_failure_that_is_not_sdkman_s_refusal_is_no_refusal(status, output):
    probe = get_manager("sdkman").unsupported_probe("1.22.10", "global", UBUNTU)
    assert get_manager("sdkman").refusal(probe, status, output) is None


@pytest.mark.parametrize("name, scope, command", [
    ("sdkman", "global", "sdk install go 1.22.10"),
    ("sdkman", "session", "sdk use go 1.22.10"),
    ("sdkman-local", "global", "sdk default go 1.22.10"),
    ("sdkman-local", "session", "sdk use go 1.22.10"),
])
def test_selection_commands_are_sdkman_s_own(name, scope, command):
    assert get_manager(name).select("1.22.10", scope, UBUNTU).endswith(f"&& {command}")


def test_there_is_no_directory_scope():
    for name in ("sdkman", "sdkman-local"):
        with pytest.raises(Unsupported, match=f"{name} has no directory scope"):
            get_manager(name).select("1.22.10", "directory", UBUNTU)


def _run_select(tmp_path, command: str, prelude: str = "") -> str:
    init = tmp_path / ".sdkman" / "bin" / "sdkman-init.sh"
    init.parent.mkdir(parents=True, exist_ok=True)
    init.write_text('echo "init loaded"\nsdk() { echo "sdk $*"; }\n')
    proc = subprocess.run(["bash", "-c", prelude + command], capture_output=True, text=True,
                          env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    return proc.stdout


def test_a_shell_without_sdkman_loads_it_first_and_one_with_it_does_not(tmp_path):
    command = get_manager("sdkman-local").select("1.22.10", "global", UBUNTU)
    assert _run_select(tmp_path, command) == "init loaded\nsdk default go 1.22.10\n"
    loaded = 'sdk() { echo "own sdk $*"; }\n'
    assert _run_select(tmp_path, command, loaded) == "own sdk default go 1.22.10\n"


def test_sdkman_s_release_files_are_required_and_content_address_the_layer():
    sdkman, local = get_manager("sdkman"), get_manager("sdkman-local")
    assert set(sdkman.REQUIRES) == {SDKMAN_RELEASE_KEY} == set(local.REQUIRES)
    assert sdkman.artifact_keys(("1.21.13", "1.22.10")) == [SDKMAN_RELEASE_KEY]  # no Go
    assert local.artifact_keys(("1.21.13", "1.22.10")) == [
        "go/go1.21.13.linux-amd64.tar.gz", "go/go1.22.10.linux-amd64.tar.gz",
        SDKMAN_RELEASE_KEY]
    assert sdkman.HTTPS_HOSTS == local.HTTPS_HOSTS == ("get.sdkman.io", "api.sdkman.io")


def test_the_workaround_says_it_is_one():
    local = get_manager("sdkman-local")
    assert "workaround" in local.LABEL
    assert local.BEHAVIOUR["install"].startswith("WORKAROUND, not supported by SDKMAN")
    script = (local.image_dir / "install.sh").read_text()
    assert '"name": "sdkman-local"' in script and "WORKAROUND" in script
    assert "sdk install go" in script and "sdk home go" in script  # linked, then verified


def test_documented_behaviour_covers_every_variable():
    for name in ("sdkman", "sdkman-local"):
        assert {"install", "GOROOT", "GOPATH", "GOBIN", "PATH"} <= set(
            get_manager(name).BEHAVIOUR)
    assert "get.sdkman.io" in get_manager("sdkman").BEHAVIOUR["install"]
    assert get_manager("sdkman-local").managed_dirs(UBUNTU) == ["/home/ubuntu/.sdkman/candidates"]


@pytest.mark.parametrize("name", ["sdkman", "sdkman-local"])
def test_the_layer_installs_with_the_official_installer_behind_the_https_mirror(name, tmp_path):
    folder = get_manager(name).image_dir
    dockerfile = (folder / "Dockerfile").read_text()
    lines = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert lines[:3] == ["ARG PLATFORM_IMAGE", "FROM ${PLATFORM_IMAGE}", "LABEL io.govm-matrix=1"]
    assert {"MIRROR", "MIRROR_CA", "GO_VERSIONS"} <= set(re.findall(r"^ARG (\w+)", dockerfile,
                                                                    re.M))
    script = (folder / "install.sh").read_text()
    assert "curl -s \"https://get.sdkman.io\" | bash" in script
    subprocess.run(["sh", "-n", str(folder / "install.sh")], check=True)
    assert script.index("trust_mirror_ca") < script.index("get.sdkman.io") < script.index(
        "untrust_mirror_ca")
