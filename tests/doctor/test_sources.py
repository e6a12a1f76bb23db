"""Where doctor looks: the Go installs a machine holds, the start-up file lines that set a
variable or put a folder on PATH, and which host it is."""

from __future__ import annotations

import os

from matrix.core.platforms import host_name
from matrix.doctor import rcfiles
from matrix.doctor.installs import discover, install_of


def _go(folder, version: str, works: bool = True) -> None:
    """A stand-in toolchain: bin/go prints its version (or fails), VERSION names it."""
    (folder / "bin").mkdir(parents=True)
    go = folder / "bin" / "go"
    go.write_text(f"#!/bin/sh\necho 'go version go{version} linux/amd64'\n" if works
                  else "#!/bin/sh\nexit 1\n")
    go.chmod(0o755)
    (folder / "VERSION").write_text(f"go{version}\ntime 2024-01-01\n")


def test_installs_of_each_tool_with_their_versions(tmp_path):
    home = tmp_path / "home"
    mise = home / ".local/share/mise/installs/go"
    _go(mise / "1.22.10", "1.22.10")
    os.symlink("1.22.10", mise / "1.22")  # mise's own alias: the same install
    _go(home / ".asdf/installs/golang/1.21.13/go", "1.21.13", works=False)
    _go(home / "sdk/go1.23.1", "1.23.1")
    _go(home / "go/pkg/mod/golang.org/toolchain@v0.0.1-go1.24.0.linux-amd64", "1.24.0")
    found = [i for i in discover(str(home), {}) if i.root.startswith(str(tmp_path))]
    by_kind = {i.kind: i for i in found}
    assert sorted(by_kind) == ["asdf", "golang.org/dl", "gotoolchain", "mise"]
    assert (by_kind["mise"].version, by_kind["mise"].source) == ("1.22.10", "bin/go version")
    assert by_kind["mise"].aliases == [str(mise / "1.22")]
    asdf = by_kind["asdf"]
    assert (asdf.version, asdf.source) == ("1.21.13", "VERSION file")
    assert asdf.goroot == asdf.root + "/go"  # asdf-golang's layout: the GOROOT one level down
    assert install_of(found, str(mise / "1.22/bin/go")) is by_kind["mise"]
    assert by_kind["gotoolchain"].version == "1.24.0"


def test_a_goroot_seen_elsewhere_is_an_install_too(tmp_path):
    _go(tmp_path / "custom-go", "1.22.3")
    found = discover(str(tmp_path / "home"), {}, [(str(tmp_path / "custom-go"), "GOROOT")])
    mine = [i for i in found if i.root.startswith(str(tmp_path))]
    assert [(i.version, i.kind) for i in mine] == [("1.22.3", "other")]


def test_assignments_by_file_and_line(tmp_path):
    profile = tmp_path / ".profile"
    profile.write_text("# export GOROOT=/commented\n"
                       "export GOROOT=/usr/local/go-1.21.13\n"
                       "if true; then GOROOT=/x; fi\n"
                       "export MYGOROOT=/not-this\n"
                       "echo $GOROOT\n")
    environment = tmp_path / "environment"
    environment.write_text('PATH="/usr/bin"\nGOROOT="/usr/local/go-1.21.13"\n')
    pam = tmp_path / "pam_env.conf"
    pam.write_text("GOROOT DEFAULT=/usr/local/go\n")
    found = rcfiles.assignments("GOROOT", str(tmp_path),
                                [str(profile), str(environment), str(pam)])
    assert [(os.path.basename(w.file), w.line) for w in found] == [
        (".profile", 2), (".profile", 3), ("environment", 2), ("pam_env.conf", 1)]
    assert rcfiles.say(found[:1], str(tmp_path)) == "~/.profile line 2"


def test_path_lines_read_home_in_any_spelling(tmp_path):
    bashrc = tmp_path / ".bashrc"
    bashrc.write_text('export PATH="$HOME/.local/share/mise/shims:$PATH"\n'
                      "export PATH=$PATH:/usr/local/go/bin\n"
                      "export PATH=$PATH:/usr/local/go/bin2\n"
                      "# export PATH=/usr/local/go/bin:$PATH\n")
    home = str(tmp_path)
    mise = rcfiles.path_lines(f"{home}/.local/share/mise/shims", home, [str(bashrc)])
    assert [w.line for w in mise] == [1]
    assert [w.line for w in rcfiles.path_lines("/usr/local/go/bin", home, [str(bashrc)])] == [2]


def test_host_name(tmp_path, monkeypatch):
    version = tmp_path / "version"
    version.write_text("Linux version 5.15.167.4-microsoft-standard-WSL2 (root@host)\n")
    monkeypatch.setattr("sys.platform", "linux")
    assert host_name({}, str(version)) == "wsl2"
    assert host_name({"WSL_DISTRO_NAME": "Ubuntu"}, str(tmp_path / "none")) == "wsl2"
    version.write_text("Linux version 6.8.0-45-generic (buildd@lcy02-amd64-075)\n")
    assert host_name({}, str(version)) == "linux"
    monkeypatch.setattr("sys.platform", "darwin")
    assert host_name({}, str(version)) == "macos"
