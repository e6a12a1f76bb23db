"""goenv, gvm, g and the distribution's packages: selection as their users type it, what each
needs from the mirror, and what they cannot do."""

from __future__ import annotations

import urllib.request

import pytest

from matrix.core.errors import MatrixError
from matrix.core.platforms import get_platform
from matrix.managers import Unsupported, get_manager
from matrix.managers.distro.recipe import closure, manifest_key, series_of
from matrix.run.config import make_selection
from matrix.supply.mirror import Mirror

from .test_mirror_add import add, make_repo

UBUNTU, MACOS = get_platform("ubuntu"), get_platform("macos-runner")


@pytest.mark.parametrize("name, scope, command", [
    ("goenv", "global", "~/.goenv/bin/goenv global 1.22.10"),
    ("goenv", "session", "goenv shell 1.22.10"),
    ("goenv", "directory", "~/.goenv/bin/goenv local 1.22.10"),
    ("gvm", "global", '{ command -v gvm >/dev/null || . "$HOME/.gvm/scripts/gvm"; } && '
                      "gvm use go1.22.10 --default"),
    ("gvm", "session", '{ command -v gvm >/dev/null || . "$HOME/.gvm/scripts/gvm"; } && '
                       "gvm use go1.22.10"),
    ("gvm", "directory", "printf '%s\\n' go1.22.10 > .go-version"),
    ("g", "global", "~/.g/bin/g use 1.22.10"),
    ("distro", "global",
     "sed -i -E 's|/usr/lib/go-[0-9]+[.][0-9]+/bin|/usr/lib/go-1.22/bin|' ~/.profile"),
    ("distro", "session", "export PATH=/usr/lib/go-1.22/bin:$PATH"),
    ("distro-alternatives", "global",
     "sudo update-alternatives --quiet --set go /usr/lib/go-1.22/bin/go"),
])
def test_selection_is_what_their_users_type(name, scope, command):
    assert get_manager(name).select("1.22.10", scope, UBUNTU) == command


def test_the_profile_line_is_rewritten_in_zsh_s_profile_too():
    assert get_manager("distro").select("1.21.13", "global", MACOS).endswith(
        "/usr/lib/go-1.21/bin|' ~/.profile ~/.zprofile")


@pytest.mark.parametrize("name, scope", [("g", "session"), ("g", "directory"),
                                         ("distro", "directory"),
                                         ("distro-alternatives", "session")])
def test_scopes_they_lack_are_unsupported(name, scope):
    with pytest.raises(Unsupported, match=f"{name} has no {scope} scope"):
        get_manager(name).select("1.22.10", scope, UBUNTU)


def test_the_distribution_carries_only_its_series():
    distro = get_manager("distro")
    assert distro.cannot_install(["1.21.13", "1.22.10"]) is None
    reason = distro.cannot_install(["1.22.10", "1.27.3"])
    assert "carries no Go 1.27; it carries Go 1.21, 1.22, 1.23" in reason
    with pytest.raises(MatrixError, match="carries no Go 1.27"):
        make_selection(managers=["distro"], go=["1.22.10", "1.27.3"], network="offline")
    # Asked for with every manager (the default), its cells are UNSUPPORTED instead.
    make_selection(go=["1.22.10", "1.27.3"], network="offline")
    assert series_of("1.22.10") == "1.22"
    assert manifest_key(["1.22.10", "1.21.13", "1.21.1"]) == "debian/golang-1.21+1.22.json"


def test_the_package_closure_follows_depends_within_the_suite():
    packages = {"golang-1.22-go": {"Depends": "golang-1.22-src (>= 1.22.12-3~bpo12+1)"},
                "golang-1.22-src": {"Depends": ""},
                "golang-1.21-go": {"Depends": "golang-1.21-src (>= 1.21.13-1~bpo12+1), "
                                              "libc6 (>= 2.34)"},
                "golang-1.21-src": {}}
    assert closure(["golang-1.21-go", "golang-1.22-go"], packages) == [
        "golang-1.21-go", "golang-1.22-go", "golang-1.21-src", "golang-1.22-src"]
    with pytest.raises(MatrixError, match="has no package golang-1.27-go"):
        closure(["golang-1.27-go"], packages)


@pytest.mark.parametrize("name, key", [("goenv", "git/goenv.git/info/refs"),
                                       ("gvm", "git/gvm.git/info/refs"),
                                       ("g", "g/g-v1.7.0-linux-amd64")])
def test_offline_each_is_skipped_naming_the_artifact_and_the_command(tmp_path, name, key):
    from matrix.managers import artifact_cache

    reason = artifact_cache("offline", tmp_path).missing(key)
    kind = {"goenv": "goenv", "gvm": "gvm", "g": "g-binary"}[name]
    assert key in reason and f"govm-matrix mirror add {kind} <" in reason
    assert key in get_manager(name).REQUIRES


def test_a_goenv_clone_without_the_pinned_tag_or_commit_is_refused(tmp_path):
    untagged = make_repo(tmp_path / "goenv", {"libexec/goenv": "#!/bin/bash\n"})
    with pytest.raises(MatrixError, match="has no tag 2.2.43"):
        add(tmp_path / "cache", "goenv", untagged)
    other = make_repo(tmp_path / "other", {"libexec/goenv": "#!/bin/bash\n"}, tag="2.2.43")
    with pytest.raises(MatrixError, match="is commit .*, not the pinned b9639d75a3a3"):
        add(tmp_path / "cache", "goenv", other)


def test_a_gvm_clone_without_the_pinned_commit_is_refused(tmp_path):
    repo = make_repo(tmp_path / "gvm", {"binscripts/gvm-installer": "#!/bin/bash\n"})
    with pytest.raises(MatrixError, match="does not hold commit dd652539fa4b"):
        add(tmp_path / "cache", "gvm", repo)


def test_a_g_binary_must_be_a_linux_executable(tmp_path):
    script = tmp_path / "g"
    script.write_text("#!/bin/sh\necho g version 1.7.0\n")
    with pytest.raises(MatrixError, match="is not a linux/amd64 executable"):
        add(tmp_path / "cache", "g-binary", script)


def test_the_mirror_lists_a_folder_as_the_download_pages_g_reads(tmp_path):
    (tmp_path / "go").mkdir()
    (tmp_path / "go" / "go1.22.10.linux-amd64.tar.gz").write_bytes(b"x" * 10)
    (tmp_path / "go" / "go1.22.10.linux-amd64.tar.gz.sha256").write_text("ab" * 32)
    with Mirror(tmp_path) as mirror:
        page = urllib.request.urlopen(f"{mirror.url}/autoindex/go/", timeout=5).read().decode()
        data = urllib.request.urlopen(f"{mirror.url}/autoindex/go/go1.22.10.linux-amd64.tar.gz",
                                      timeout=5).read()
    pre = page[page.index("<pre>"):page.index("</pre>")]
    assert '<a href="go1.22.10.linux-amd64.tar.gz">go1.22.10.linux-amd64.tar.gz</a>' in pre
    assert pre.index(".tar.gz</a>") < pre.index(".tar.gz.sha256</a>")  # the checksum after
    assert pre.splitlines()[1].split()[-1] == "10"  # the size, last, as nginx lists it
    assert data == b"x" * 10
