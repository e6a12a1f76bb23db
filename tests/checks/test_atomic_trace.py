"""The atomic check's reading of strace output, on traces in strace's own format: each way of
replacing a file or link, and each way of leaving a moment without one."""

from __future__ import annotations

from matrix.checks.atomic import check_atomic, file_events, reads, relevant, windows

CWD = "/home/ubuntu"


def trace(*lines: str) -> str:
    return "\n".join(f"4242 {line}" for line in lines) + "\n"


LN_SFN = trace(  # coreutils ln -sfn: a temporary link renamed over the old one
    'symlinkat("/usr/local/go-1.22.10", AT_FDCWD, "/usr/local/CuXp4Rtg") = 0',
    'renameat(AT_FDCWD, "/usr/local/CuXp4Rtg", AT_FDCWD, "/usr/local/go") = 0')
RM_LN = trace(  # unlink, then a new link: a moment with no /usr/local/go
    'unlinkat(AT_FDCWD, "/usr/local/go", 0) = 0',
    'symlinkat("/usr/local/go-1.22.10", AT_FDCWD, "/usr/local/go") = 0')
TRUNC = trace(  # a shell redirection: the file emptied, then written
    'openat(AT_FDCWD, ".go-version", O_WRONLY|O_CREAT|O_TRUNC, 0666) = 3</home/ubuntu/.go-version>',
    'write(3</home/ubuntu/.go-version>, "1.22.10\\n", 8) = 8')
TEMP_RENAME = trace(  # written beside, renamed over: what an atomic writer does
    'openat(AT_FDCWD, "/home/ubuntu/.config/mise/.config.toml.tmp", '
    'O_WRONLY|O_CREAT|O_EXCL, 0644) = 3</home/ubuntu/.config/mise/.config.toml.tmp>',
    'write(3</home/ubuntu/.config/mise/.config.toml.tmp>, "[tools]\\n", 8) = 8',
    'rename("/home/ubuntu/.config/mise/.config.toml.tmp", '
    '"/home/ubuntu/.config/mise/config.toml") = 0')
LOOKUP = trace(
    'execve("/usr/local/go/bin/go", ["go", "version"], 0x7ffd /* 20 vars */) = 0',
    'newfstatat(AT_FDCWD, "/usr/local/go/bin/go", {st_mode=S_IFREG|0755}, 0) = 0',
    'openat(AT_FDCWD, "/proc/self/maps", O_RDONLY|O_CLOEXEC) = 3',
    'openat(AT_FDCWD, "/home/ubuntu/.config/go/env", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such '
    'file or directory)')


def test_a_rename_over_the_old_link_leaves_no_window():
    assert windows(LN_SFN, CWD) == []


def test_unlink_then_create_is_a_missing_window():
    assert windows(RM_LN, CWD) == [{"path": "/usr/local/go", "kind": "missing",
                                    "from": "unlinkat", "until": "symlinkat"}]


def test_truncating_in_place_is_an_incomplete_window_with_a_relative_path_resolved():
    found = windows(TRUNC, CWD)
    assert found == [{"path": "/home/ubuntu/.go-version", "kind": "incomplete",
                      "from": "openat (emptied or created in place)",
                      "until": "its last write"}]


def test_writing_beside_and_renaming_over_is_atomic():
    assert windows(TEMP_RENAME, CWD) == []


MV_ASIDE_MV_IN = trace(  # mv go go.old; mv go.new go: no /usr/local/go between the two
    'renameat2(AT_FDCWD, "/usr/local/go", AT_FDCWD, "/usr/local/go.old", RENAME_NOREPLACE) = 0',
    'renameat2(AT_FDCWD, "/usr/local/go.new", AT_FDCWD, "/usr/local/go", RENAME_NOREPLACE) = 0')
RM_MV = trace(  # rm go; mv staged go: the same moment, opened by an unlink
    'unlinkat(AT_FDCWD, "/usr/local/go", 0) = 0',
    'rename("/usr/local/go.staged", "/usr/local/go") = 0')


def test_a_rename_onto_a_path_gone_before_ends_a_missing_window():
    assert windows(MV_ASIDE_MV_IN, CWD) == [{"path": "/usr/local/go", "kind": "missing",
                                             "from": "renameat2", "until": "renameat2"}]
    assert windows(RM_MV, CWD) == [{"path": "/usr/local/go", "kind": "missing",
                                    "from": "unlinkat", "until": "rename"}]
    # the same rename with nothing taken away first replaces the path at once
    assert windows(trace('rename("/usr/local/go.staged", "/usr/local/go") = 0'), CWD) == []


def test_a_failed_call_opens_no_window():
    failed = RM_LN.replace('"/usr/local/go", 0) = 0', '"/usr/local/go", 0) = -1 ENOENT')
    assert [w for w in windows(failed, CWD) if w["kind"] == "missing"] == []


def test_calls_another_process_interrupted_are_joined():
    split = ('4242 unlinkat(AT_FDCWD, "/usr/local/go", 0 <unfinished ...>\n'
             '4243 getpid() = 4243\n'
             '4242 <... unlinkat resumed>) = 0\n'
             '4242 symlinkat("/usr/local/go-1.22.10", AT_FDCWD, "/usr/local/go") = 0\n')
    assert [w["kind"] for w in windows(split, CWD)] == ["missing"]


def test_the_lookup_reads_what_it_looked_for_found_or_not_and_not_proc():
    found = reads(LOOKUP, CWD)
    assert "/usr/local/go/bin/go" in found and "/home/ubuntu/.config/go/env" in found
    assert not [p for p in found if p.startswith("/proc/")]
    window = {"path": "/usr/local/go", "kind": "missing"}
    assert relevant(window, found) == ["/usr/local/go/bin/go"]
    assert relevant({"path": "/usr/local/go-1.21.13"}, found) == []


def test_events_are_plain_data():
    events = file_events(RM_LN, CWD)
    assert [(e["op"], e["path"], e["ok"]) for e in events] == [
        ("remove", "/usr/local/go", True), ("create", "/usr/local/go", True)]


def _owner(path: str) -> str | None:
    for version in ("1.21.13", "1.22.10"):
        if path.startswith(f"/usr/local/go-{version}"):
            return version
    return None


def _measured(trace_text: str, observations: list[dict]) -> dict:
    return {"scope": "global", "switch": "the switch", "reads": {"bash-login": reads(LOOKUP, CWD)},
            "windows": windows(trace_text, CWD), "switches": 24,
            "observations": {"bash-login": observations}}


OK = {"status": 0, "build": 0, "version": "go1.22.10", "goroot": "/usr/local/go-1.22.10",
      "error": ""}


def test_a_window_the_shell_reads_is_broken_even_when_no_observation_hit_it():
    result = check_atomic(_measured(RM_LN, [OK] * 30), "bash-login", "1.21.13", "1.22.10",
                          "manual", True, _owner)
    assert result.verdict.value == "BROKEN"
    assert any("/usr/local/go missing from unlinkat until symlinkat" in ln
               for ln in result.evidence)
    assert any("none happened to fall in the window this time" in ln for ln in result.evidence)


def test_an_atomic_switch_with_clean_observations_passes_with_the_counts():
    result = check_atomic(_measured(LN_SFN, [OK] * 30), "bash-login", "1.21.13", "1.22.10",
                          "manual", True, _owner)
    assert result.verdict.value == "PASS"
    assert "all 30 observations by this shell during 24 switches" in result.evidence[-1]


def test_a_failed_or_torn_observation_is_broken_whatever_the_trace_says():
    failed = {**OK, "build": 1, "error": 'compile: version "go1.21.13" does not match'}
    torn = {**OK, "goroot": "/usr/local/go-1.21.13"}
    result = check_atomic(_measured(LN_SFN, [OK, failed, torn]), "bash-login", "1.21.13",
                          "1.22.10", "manual", True, _owner)
    assert result.verdict.value == "BROKEN"
    assert any("1 of 3 observations" in ln and "does not match" in ln for ln in result.evidence)
    assert any("mixing them: go1.22.10 with GOROOT /usr/local/go-1.21.13" in ln
               for ln in result.evidence)


def test_a_torn_observation_is_found_where_the_distribution_installed_another_release():
    # go1.22.10 was asked for, the distribution's go reports go1.22.12: the same version
    installed = {"1.21.13": "1.21.13", "1.22.10": "1.22.12"}
    whole = {**OK, "version": "go1.22.12"}
    torn = {**whole, "goroot": "/usr/local/go-1.21.13"}
    result = check_atomic(_measured(LN_SFN, [whole] * 3), "bash-login", "1.21.13", "1.22.10",
                          "distro", True, _owner, installed)
    assert result.verdict.value == "PASS"
    result = check_atomic(_measured(LN_SFN, [whole, torn]), "bash-login", "1.21.13",
                          "1.22.10", "distro", True, _owner, installed)
    assert result.verdict.value == "BROKEN"
    assert any("1 of 2 observations" in ln and "mixing them: go1.22.12 with GOROOT "
               "/usr/local/go-1.21.13" in ln for ln in result.evidence), result.evidence


def test_a_fixed_goroot_path_is_never_called_torn():
    shared = {**OK, "goroot": "/home/ubuntu/.g/go"}
    result = check_atomic(_measured(LN_SFN, [shared] * 5), "bash-login", "1.21.13", "1.22.10",
                          "g", True, _owner)
    assert result.verdict.value == "PASS"


def test_session_scope_inactive_and_unmeasured():
    assert check_atomic({"scope": "session"}, "sh", "1.21.13", "1.22.10", "mise", True,
                        _owner).verdict.value == "PASS"
    assert check_atomic(_measured(RM_LN, []), "sh", "1.21.13", "1.22.10", "manual", False,
                        _owner).verdict.value == "INACTIVE"
    assert check_atomic({}, "sh", "1.21.13", "1.22.10", "manual", True,
                        _owner).verdict.value == "ERROR"
