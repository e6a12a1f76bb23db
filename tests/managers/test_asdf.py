"""The asdf adapters: asdf 0.15 (bash, git clone) and asdf 0.16+ (the Go binary)."""

from __future__ import annotations

import re
import subprocess

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import available, get_manager
from matrix.managers.asdf import ASDF_VERSION, asdf_binary_key
from matrix.managers.asdf_015 import ASDF_015_VERSION

UBUNTU = get_platform("ubuntu")
MAC = get_platform("macos-runner")


def test_both_asdf_adapters_are_discovered_by_name():
    assert {"asdf", "asdf-0.15"} <= set(available())


@pytest.mark.parametrize("scope, command", [
    ("global", "~/.asdf/bin/asdf global golang 1.22.10"),
    ("session", "asdf shell golang 1.22.10"),
    ("directory", "~/.asdf/bin/asdf local golang 1.22.10"),
])
def test_asdf_015_selects_with_its_own_commands(scope, command):
    assert get_manager("asdf-0.15").select("1.22.10", scope, UBUNTU) == command


@pytest.mark.parametrize("scope, command", [
    ("global", "asdf set -u golang 1.22.10"),
    ("session", "export ASDF_GOLANG_VERSION=1.22.10"),
    ("directory", "asdf set golang 1.22.10"),
])
def test_asdf_016_selects_with_set_and_the_version_variable(scope, command):
    assert get_manager("asdf").select("1.22.10", scope, UBUNTU) == command


def test_versions_are_quoted_for_the_shell():
    assert get_manager("asdf").select("1.22.10; rm -rf ~", "global", UBUNTU) == (
        "asdf set -u golang '1.22.10; rm -rf ~'")


def test_shims_and_asdf_s_own_bin_belong_to_the_manager_in_the_platform_s_home():
    assert get_manager("asdf-0.15").managed_dirs(MAC) == [
        "/Users/runner/.asdf/shims", "/Users/runner/.asdf/bin"]
    assert get_manager("asdf").managed_dirs(UBUNTU) == ["/home/ubuntu/.asdf/shims"]
    for name in ("asdf", "asdf-0.15"):
        assert get_manager(name).shim_dirs(UBUNTU) == ["/home/ubuntu/.asdf/shims"]


def test_asdf_015_needs_both_repositories_and_content_addresses_them():
    manager = get_manager("asdf-0.15")
    keys = manager.artifact_keys(("1.21.13", "1.22.10"))
    assert set(manager.REQUIRES) == {"git/asdf.git/info/refs", "git/asdf-golang.git/info/refs"}
    assert set(manager.REQUIRES) <= set(keys)
    assert "go/go1.22.10.linux-amd64.tar.gz" in keys  # the HTTPS mirror serves these
    assert f"v{ASDF_015_VERSION}" in manager.REQUIRES["git/asdf.git/info/refs"]
    assert manager.build_args() == {"ASDF_VERSION": "0.15.0", "ASDF_GIT": "git/asdf.git",
                                    "ASDF_GOLANG_GIT": "git/asdf-golang.git"}


def test_asdf_needs_the_pinned_binary_unless_a_local_build_is_given():
    manager = get_manager("asdf")
    release = asdf_binary_key()
    assert release == f"asdf/asdf-v{ASDF_VERSION}-linux-amd64"
    assert set(manager.REQUIRES) == {release, "git/asdf-golang.git/info/refs"}
    assert manager.build_args()["ASDF_KEY"] == release
    assert release in manager.artifact_keys(("1.22.10",))
    local = "local/0123456789abcdef/asdf"
    assert manager.build_args(local)["ASDF_KEY"] == local
    keys = manager.artifact_keys(("1.22.10",), local)
    assert local in keys and release not in keys
    assert manager.SOURCE_ARTIFACT == "ASDF_KEY"


def test_the_go_downloads_are_answered_by_the_https_mirror_as_dl_google_com():
    for name in ("asdf", "asdf-0.15"):
        assert get_manager(name).HTTPS_HOSTS == ("dl.google.com",)


def test_documented_behaviour_names_exec_env_and_what_it_does():
    for name in ("asdf", "asdf-0.15"):
        behaviour = get_manager(name).BEHAVIOUR
        assert {"install", "GOROOT", "GOPATH", "GOBIN", "PATH"} <= set(behaviour)
        assert "only when GOROOT is unset" in behaviour["GOROOT"]
        assert "<install>/packages" in behaviour["GOPATH"]
    assert ".bash_profile" in get_manager("asdf").BEHAVIOUR["install"]


@pytest.mark.parametrize("name", ["asdf", "asdf-0.15"])
def test_the_layer_declares_every_build_argument_its_install_script_uses(name):
    manager = get_manager(name)
    dockerfile = (manager.image_dir / "Dockerfile").read_text()
    lines = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert lines[:3] == ["ARG PLATFORM_IMAGE", "FROM ${PLATFORM_IMAGE}", "LABEL io.govm-matrix=1"]
    declared = set(re.findall(r"^ARG (\w+)", dockerfile, re.M))
    assert {"MIRROR", "MIRROR_CA", "GO_VERSIONS", *manager.build_args()} <= declared
    script = (manager.image_dir / "install.sh").read_text()
    platform_env = {"PLATFORM_HOME", "PLATFORM_USER", "LOGIN_SHELL"}
    used = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", script)) - platform_env - {"HOME", "PATH"}
    assert used - {"ASDF_DATA_DIR"} <= declared  # ASDF_DATA_DIR is written into rc lines
    subprocess.run(["sh", "-n", str(manager.image_dir / "install.sh")], check=True)


@pytest.mark.parametrize("name", ["asdf", "asdf-0.15"])
def test_the_mirror_ca_is_trusted_around_the_go_installs(name):
    script = (get_manager(name).image_dir / "install.sh").read_text()
    assert script.index("trust_mirror_ca") < script.index('asdf_golang "$asdf"') < script.index(
        "untrust_mirror_ca")
    helper = get_manager(name).context()["asdf-golang.sh"].read_text()
    assert "asdf where golang" in helper  # roots verified by the manager itself
    assert ". /opt/govm-matrix/manager/asdf-golang.sh" in script
