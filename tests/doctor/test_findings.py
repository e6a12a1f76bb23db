"""doctor's findings on synthetic snapshots: each kind of leftover gets the matrix's verdict
word, the file and line it comes from, and a fix; a clean machine gets none."""

from __future__ import annotations

import pytest

from matrix.core.verdicts import Verdict
from matrix.doctor.examine import judge
from matrix.doctor.findings import Sources, exit_status
from matrix.doctor.installs import Install

HOME = "/home/u"
OLD, NEW = "/opt/go-1.21.13", "/opt/go-1.22.10"
MISE = f"{HOME}/.local/share/mise/installs/go"
INSTALLS = [Install("1.21.13", OLD, OLD, "manual", "bin/go version"),
            Install("1.22.10", NEW, NEW, "manual", "bin/go version"),
            Install("1.19.8", "/usr/lib/go-1.19", "/usr/lib/go-1.19", "distro", "bin/go version",
                    ["/usr/bin/go"]),
            Install("1.21.13", f"{MISE}/1.21.13", f"{MISE}/1.21.13", "mise", "bin/go version"),
            Install("1.22.10", f"{MISE}/1.22.10", f"{MISE}/1.22.10", "mise", "bin/go version")]
SHIMS = {f"{HOME}/.local/share/mise/shims": "mise"}


def snapshot(path: list[str], gos: list[tuple[str, str]] | None = None, version="1.22.10",
             exported: dict | None = None, go_env: dict | None = None, goenv=None,
             build: dict | None = None) -> dict:
    """A probe's snapshot: ``gos`` are (PATH entry, real go) for each go on PATH, the first
    the one the shell runs."""
    gos = gos if gos is not None else [(f"{NEW}/bin", f"{NEW}/bin/go")]
    exported = {"PATH": ":".join(path), **(exported or {})}
    snap = {
        "vars": {k: exported.get(k) for k in ("PATH", "GOROOT", "GOPATH", "GOBIN",
                                              "GOTOOLCHAIN")},
        "path_entries": [{"entry": e, "real": e} for e in path],
        "go_on_path": [{"path": f"{d}/go", "real": real} for d, real in gos],
        "shell_go": {"command": f"{gos[0][0]}/go" if gos else None,
                     "real": gos[0][1] if gos else None,
                     "version_output": f"go version go{version} linux/amd64" if gos else "",
                     "status": 0 if gos else 127},
        "go": f"{gos[0][0]}/go" if gos else None,
        "go_env": None if not gos else {"GOROOT": exported.get("GOROOT") or gos[0][1][:-7],
                                        "GOPATH": exported.get("GOPATH") or f"{HOME}/go",
                                        "GOBIN": exported.get("GOBIN") or "",
                                        "GOTOOLCHAIN": "auto", **(go_env or {})},
        "goenv_file": goenv or {"path": f"{HOME}/.config/go/env", "content": None},
        "build": None if not gos else (build or {"status": 0,
                                                 "runtime_version": f"go{version}"}),
    }
    values = [v for v in (exported.get("GOROOT"), exported.get("GOPATH")) if v]
    snap["real"] = {v: v for v in values}
    return snap


def find(snaps: dict, files: list[str] = ()):
    doctor = judge(snaps, list(INSTALLS), Sources(HOME, list(files)), SHIMS)
    return doctor.findings()


def only(findings, verdict: Verdict, check: str):
    hits = [f for f in findings if f.verdict == verdict and f.check == check]
    assert len(hits) == 1, [f.line for f in findings]
    return hits[0]


def test_a_clean_context_has_no_finding():
    findings = find({"session": snapshot(["/usr/bin", f"{NEW}/bin"])})
    assert findings == []
    assert exit_status(findings) == 0


def test_a_goroot_of_another_version_is_a_leak_with_file_and_line(tmp_path):
    bashrc = tmp_path / ".bashrc"
    bashrc.write_text("# ~/.bashrc\nalias ll='ls -l'\n# export GOROOT=/nowhere\n"
                      f"export GOROOT={OLD}\n")
    findings = find({"session": snapshot(["/usr/bin", f"{NEW}/bin"],
                                         exported={"GOROOT": OLD})}, [str(bashrc)])
    leak = only(findings, Verdict.LEAK, "goroot")
    assert leak.contexts == ["session"]
    assert leak.where == [{"file": str(bashrc), "line": 4, "text": f"export GOROOT={OLD}"}]
    assert leak.line == (f"LEAK: GOROOT exported in {bashrc} line 4 points at go1.21.13 ({OLD})"
                         " while go1.22.10 runs: remove that line")
    assert exit_status(findings) == 1


def test_a_goroot_that_holds_no_go_is_broken():
    findings = find({"session": snapshot([f"{NEW}/bin"], exported={"GOROOT": "/gone"})})
    broken = only(findings, Verdict.BROKEN, "goroot")
    assert "/gone, which holds no Go install" in broken.message
    assert "in the environment doctor was started from" in broken.message


def test_a_distribution_go_before_a_manager_s_is_broken(tmp_path):
    profile = tmp_path / ".profile"
    profile.write_text(f'PATH="$HOME/bin:$PATH"\nexport PATH=$PATH:{NEW}/bin\n')
    snap = snapshot(["/usr/bin", f"{NEW}/bin"], [("/usr/bin", "/usr/lib/go-1.19/bin/go"),
                                                 (f"{NEW}/bin", f"{NEW}/bin/go")], "1.19.8")
    broken = only(find({"bash-login": snap}, [str(profile)]), Verdict.BROKEN, "path")
    assert broken.message == (f"the distribution's package /usr/bin/go (go1.19.8) comes before "
                              f"manual's {NEW}/bin on PATH, so manual's go never runs")
    assert "sudo apt-get remove golang-go" in broken.fix


def test_an_older_version_of_the_same_tool_first_on_path_is_a_leak(tmp_path):
    profile = tmp_path / ".profile"
    profile.write_text(f"export PATH={OLD}/bin:$PATH\n")
    snap = snapshot([f"{OLD}/bin", f"{NEW}/bin"], [(f"{OLD}/bin", f"{OLD}/bin/go"),
                                                   (f"{NEW}/bin", f"{NEW}/bin/go")], "1.21.13")
    leak = only(find({"session": snap}, [str(profile)]), Verdict.LEAK, "path")
    assert leak.fix == f"remove {OLD}/bin from PATH ({profile} line 1)"
    assert leak.where[0]["line"] == 1


def test_a_tool_s_own_version_before_its_shims_is_how_it_activates():
    shims = f"{HOME}/.local/share/mise/shims"
    snap = snapshot([f"{MISE}/1.22.10/bin", shims],
                    [(f"{MISE}/1.22.10/bin", f"{MISE}/1.22.10/bin/go"),
                     (shims, f"{shims}/go")])
    assert find({"session": snap}) == []


def test_a_goenv_toolchain_pin_is_a_leak_naming_the_goenv_file(tmp_path):
    goenv = tmp_path / "env"
    goenv.write_text("GOFLAGS=-mod=mod\nGOTOOLCHAIN=go1.21.13\n")
    snap = snapshot([f"{NEW}/bin"], goenv={"path": str(goenv), "content": goenv.read_text()},
                    version="1.21.13", go_env={"GOTOOLCHAIN": "go1.21.13"})
    leak = only(find({"session": snap}), Verdict.LEAK, "gotoolchain")
    assert leak.line == (f"LEAK: GOTOOLCHAIN=go1.21.13 in the GOENV file {goenv} line 2 forces "
                         "go1.21.13 while go1.22.10 is on PATH: run `go env -u GOTOOLCHAIN`")


def test_an_exported_toolchain_pin_is_a_leak_naming_the_rc_line(tmp_path):
    zshrc = tmp_path / ".zshrc"
    zshrc.write_text("export GOTOOLCHAIN=go1.21.13+auto\n")
    snap = snapshot([f"{NEW}/bin"], exported={"GOTOOLCHAIN": "go1.21.13+auto"})
    leak = only(find({"zsh-login": snap}, [str(zshrc)]), Verdict.LEAK, "gotoolchain")
    assert f"exported in {zshrc} line 1" in leak.message


def test_a_go_before_1_21_reads_no_toolchain_pin():
    snap = snapshot(["/usr/bin"], [("/usr/bin", "/usr/lib/go-1.19/bin/go")], "1.19.8",
                    goenv={"path": "/x/env", "content": "GOTOOLCHAIN=go1.21.13\n"})
    assert find({"session": snap}) == []


def test_a_gopath_inside_another_version_s_root_is_a_leak(tmp_path):
    profile = tmp_path / ".profile"
    profile.write_text(f"export GOPATH={OLD}/gopath\n")
    snap = snapshot([f"{NEW}/bin"], exported={"GOPATH": f"{OLD}/gopath"})
    leak = only(find({"bash-login": snap}, [str(profile)]), Verdict.LEAK, "gopath")
    assert leak.message == (f"GOPATH {OLD}/gopath (exported in {profile} line 1) belongs to "
                            "go1.21.13 while go1.22.10 runs")


def test_a_failing_build_is_broken_and_points_at_the_leak_that_causes_it():
    snap = snapshot([f"{NEW}/bin"], exported={"GOROOT": OLD}, build={
        "status": 1, "stderr": "# hello\ncompile: version \"go1.21.13\" does not match go tool "
                               "version \"go1.22.10\"\n"})
    findings = find({"session": snap})
    broken = only(findings, Verdict.BROKEN, "build")
    assert broken.message.endswith('compile: version "go1.21.13" does not match go tool '
                                   'version "go1.22.10"')
    assert broken.fix.startswith("fix the goroot finding of this context first")
    assert [f.verdict for f in findings] == [Verdict.LEAK, Verdict.BROKEN]


def test_contexts_without_go_are_inactive_and_the_same_finding_is_merged():
    stale = {"GOROOT": OLD}
    findings = find({"bash-login": snapshot([f"{NEW}/bin"], exported=stale),
                     "sh": snapshot(["/usr/bin"], []),
                     "session": snapshot([f"{NEW}/bin"], exported=stale)})
    leak = only(findings, Verdict.LEAK, "goroot")
    assert leak.contexts == ["bash-login", "session"]
    inactive = only(findings, Verdict.INACTIVE, "path")
    assert inactive.contexts == ["sh"]
    assert "no go on PATH; session runs go1.22.10 from Go's tarball" in inactive.message
    assert inactive.fix.startswith("sh -c reads no start-up file")


@pytest.mark.parametrize("other, verdict", [
    ((f"{OLD}/bin", f"{OLD}/bin/go", "1.21.13"), Verdict.LEAK),  # the same tool's old version
    (("/usr/bin", "/usr/lib/go-1.19/bin/go", "1.19.8"), Verdict.INACTIVE),  # another tool
])
def test_contexts_that_run_another_version(other, verdict):
    entry, real, version = other
    findings = find({"bash-login": snapshot([entry], [(entry, real)], version),
                     "session": snapshot([f"{NEW}/bin"])})
    found = only(findings, verdict, "version")
    assert found.contexts == ["bash-login"]
    assert found.message.startswith(f"go{version} runs, from ")
    assert found.message.endswith(f"while session runs go1.22.10 from Go's tarball in "
                                  f"/usr/local ({NEW}/bin/go)")


def test_no_snapshot_is_an_error_not_a_pass():
    doctor = judge({"session": None}, list(INSTALLS), Sources(HOME, []), SHIMS,
                   {"session": "timed out: no output"})
    (error,) = doctor.findings()
    assert error.verdict == Verdict.ERROR
    assert "timed out" in error.message
