"""A build is reused inside a container run only while what it ran is unchanged: a probe after
a change to the toolchain under the same go builds again, and finds what a build there finds."""

from __future__ import annotations

import json
import shlex

import pytest

from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.run.runner import probe_archive, probe_snippet

from .conftest import run_as

pytestmark = pytest.mark.docker

NEW = "1.22.10"


def _snapshot(container, label: str, before: str = "") -> dict:
    status, out = run_as(container, "ubuntu",
                         f"bash -lc {shlex.quote(before + probe_snippet(label))}")
    assert status == 0, out
    status, out = run_as(container, "root", f"cat /tmp/govm/snaps/{label}.json")
    assert status == 0, out
    return json.loads(out)


def _probe(container, label: str) -> dict:
    return _snapshot(container, label)["build"]


def test_a_toolchain_broken_after_a_build_is_built_again(image_for, start_container):
    """As a switch that breaks the selected version's compiler would leave it: the probe of
    the same go after it does not take the earlier build for its own, and reports the build
    failing. Before the change, an identical probe reuses the build and the install."""
    ubuntu = get_platform("ubuntu")
    container = start_container(image_for("ubuntu", "manual").tag, ubuntu.user)
    container.put_archive("/tmp", probe_archive({}))
    select = get_manager("manual").select(NEW, "global", ubuntu)
    assert run_as(container, ubuntu.user, f"bash -lc {shlex.quote(select)}")[0] == 0
    base = _probe(container, "bash-login:base")
    after = _probe(container, "bash-login:after")
    assert base["status"] == 0 and "reused" not in base
    assert after["reused"]["from"] == "bash-login:base" and after["install"]["status"] == 0
    status, out = run_as(container, "root",
                         f"chmod a-x /usr/local/go-{NEW}/pkg/tool/linux_amd64/compile")
    assert status == 0, out
    back = _probe(container, "bash-login:back")
    assert "reused" not in back
    assert back["status"] != 0 and "compile" in back["stderr"], back


# the variables go computes by running the C compiler, which the probe leaves out
COSTLY_ENV = {"CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_FFLAGS", "CGO_LDFLAGS",
              "PKG_CONFIG", "GOGCCFLAGS"}


def test_go_env_by_name_gives_what_go_env_gives(image_for, start_container):
    """The probe reads `go env -json` in full once per go binary and toolchain that answers,
    then asks for those names: every snapshot holds what a full `go env -json` beside it
    prints, but the C compiler's flags, also when the same go hands over to another
    toolchain (GOTOOLCHAIN) and back."""
    ubuntu = get_platform("ubuntu")
    container = start_container(image_for("ubuntu", "gotoolchain").tag, ubuntu.user)
    container.put_archive("/tmp", probe_archive({}))
    for n, toolchain in enumerate(["", f"go{NEW}", f"go{NEW}", "local", ""]):
        before = f"export GOTOOLCHAIN={toolchain}; " if toolchain else ""
        snap = _snapshot(container, f"sh:p{n}", before)
        status, out = run_as(container, ubuntu.user,
                             f"bash -lc {shlex.quote(before + 'go env -json')}")
        assert status == 0, out
        full = {k: v for k, v in json.loads(out).items() if k not in COSTLY_ENV}
        assert snap["go_env"] == full and COSTLY_ENV <= set(json.loads(out))
        assert snap["go_env"]["GOVERSION"] == (f"go{NEW}" if toolchain.startswith("go")
                                               else "go1.21.13")
    status, out = run_as(container, "root", "cat /tmp/govm/builds/go-env-names-*")
    assert status == 0, out
    assert len(json.loads(out)) == 2  # the names of two toolchains, each read in full once


def test_go_version_is_the_shell_s_only_where_the_shell_ran_path_s_go(image_for,
                                                                      start_container):
    """The probe takes `go version` of PATH's go from the shell's own run of it only where the
    shell ran that file: with a stale hash or a function named go in the way, it runs PATH's
    go itself, and either way the snapshot holds what PATH's go prints."""
    ubuntu = get_platform("ubuntu")
    container = start_container(image_for("ubuntu", "manual").tag, ubuntu.user)
    container.put_archive("/tmp", probe_archive({}))
    select = get_manager("manual").select(NEW, "global", ubuntu)
    assert run_as(container, ubuntu.user, f"bash -lc {shlex.quote(select)}")[0] == 0
    status, out = run_as(container, ubuntu.user, "bash -lc 'go version'")
    out = out.decode()
    assert status == 0 and NEW in out, out
    plain = _snapshot(container, "bash-login:plain")
    assert plain["go_version"]["stdout"] == out and plain["go_version"]["reused"]
    old = "/usr/local/go-1.21.13/bin/go"
    in_the_way = {"hash": f"hash -p {old} go; ",
                  "function": "go() { echo go version go9.9.9 linux/amd64; }; "}
    for name, before in in_the_way.items():
        snap = _snapshot(container, f"bash-login:{name}", before)
        assert snap["shell_go"]["command"] != snap["go"], (name, snap["shell_go"])
        assert snap["go_version"]["stdout"] == out and "reused" not in snap["go_version"], name
