"""`govm-matrix mirror add`: user-supplied artifacts land in the mirror, usable and recorded."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import zipfile

import pytest

from matrix.core.errors import MatrixError
from matrix.managers import artifact_cache, available, get_manager, recipe_book
from matrix.supply import pins
from matrix.supply.download import sha256_file
from matrix.supply.https_mirror import HttpsMirror
from matrix.supply.mirror import Mirror


def add(root, kind: str, path) -> list[str]:
    """`govm-matrix mirror add KIND PATH` into the cache at ``root``."""
    return recipe_book().add(artifact_cache("offline", root), kind, path)


def ArtifactCache(root, network="offline"):  # noqa: N802 - the cache a run would open
    return artifact_cache(network, root)


def kind_for(key: str) -> str | None:
    recipe = recipe_book().for_key(key)
    return (recipe.kind or None) if recipe else None


KINDS = recipe_book().kinds()

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@localhost",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@localhost"}


def git(*args, cwd=None) -> str:
    import os

    env = {**os.environ, **GIT_ENV, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(cwd or ".")}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def make_repo(path, files: dict[str, str], tag: str | None = None, then: dict | None = None):
    """A git repository with one commit of ``files`` (tagged ``tag``), then one of ``then``."""
    path.mkdir(parents=True)
    git("init", "-q", "-b", "master", cwd=path)
    for commit in (files, then):
        if commit is None:
            continue
        for name, text in commit.items():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            (path / name).write_text(text)
        git("add", "-A", cwd=path)
        git("commit", "-q", "-m", "files", cwd=path)
        if tag and commit is files:
            git("tag", tag, cwd=path)
    return path


@pytest.fixture
def asdf_checkout(tmp_path):
    """asdf as its guide clones it: the release tag checked out (detached), full history."""
    upstream = make_repo(tmp_path / "asdf-upstream", {"asdf.sh": "# 0.15\n", "bin/asdf": "#!"},
                         tag="v0.15.0", then={"asdf.sh": "# later\n"})
    clone = tmp_path / "asdf"
    git("clone", "-q", "--branch", "v0.15.0", str(upstream), str(clone), cwd=tmp_path)
    return clone


@pytest.fixture
def golang_checkout(tmp_path):
    return make_repo(tmp_path / "asdf-golang", {
        "bin/download": 'download_url="https://dl.google.com/go/go${version}.tar.gz"\n',
        "bin/install": "#!/bin/sh\n", "bin/exec-env": "#!/bin/sh\n"})


def index(cache_root) -> dict:
    return json.loads((cache_root / "index.json").read_text())


def test_an_asdf_checkout_becomes_a_clonable_repository_over_the_loopback_mirror(
        tmp_path, asdf_checkout):
    cache = tmp_path / "cache"
    assert add(cache, "asdf", asdf_checkout) == ["git/asdf.git/info/refs"]
    refs = cache / "mirror" / "git" / "asdf.git" / "info" / "refs"
    assert "refs/tags/v0.15.0" in refs.read_text()
    entry = index(cache)["git/asdf.git/info/refs"]
    assert entry["sha256"] == sha256_file(refs) == (refs.parent / "refs.sha256").read_text()
    assert entry["offline"] is True and "HEAD" in entry["source"]
    assert ArtifactCache(cache).ensure("git/asdf.git/info/refs").sha256 == entry["sha256"]
    with Mirror(cache / "mirror") as mirror:  # git's dumb HTTP protocol, as in the build
        git("clone", "-q", f"{mirror.url}/git/asdf.git", str(tmp_path / "out"), "--branch",
            "v0.15.0", cwd=tmp_path)
    assert (tmp_path / "out" / "asdf.sh").read_text() == "# 0.15\n"


def test_the_plugin_keeps_its_branch_so_a_plain_clone_checks_it_out(tmp_path, golang_checkout):
    cache = tmp_path / "cache"
    assert add(cache, "asdf-golang", golang_checkout) == ["git/asdf-golang.git/info/refs"]
    assert (cache / "mirror/git/asdf-golang.git/HEAD").read_text() == "ref: refs/heads/master\n"
    with Mirror(cache / "mirror") as mirror:
        git("clone", "-q", f"{mirror.url}/git/asdf-golang.git", str(tmp_path / "out"),
            cwd=tmp_path)
    assert (tmp_path / "out" / "bin" / "exec-env").is_file()


def test_a_shallow_clone_as_asdf_0_20_runs_it_gets_git_s_smart_protocol(tmp_path,
                                                                         golang_checkout):
    (golang_checkout / "bin" / "install").write_text("#!/bin/sh\n# newer\n")
    git("commit", "-q", "-am", "newer", cwd=golang_checkout)
    cache = tmp_path / "cache"
    add(cache, "asdf-golang", golang_checkout)
    out = tmp_path / "out"
    with Mirror(cache / "mirror") as mirror:
        git("clone", "-q", "--depth", "1", f"{mirror.url}/git/asdf-golang.git", str(out),
            cwd=tmp_path)
    # One commit: a shallow clone, which git's dumb protocol refuses ("dumb http transport
    # does not support shallow capabilities").
    assert git("rev-list", "--count", "HEAD", cwd=out) == "1"
    assert (out / "bin" / "install").read_text().endswith("# newer\n")


def test_the_mirror_runs_git_only_for_upload_pack_inside_its_git_folder(tmp_path,
                                                                         golang_checkout):
    import urllib.error
    import urllib.request

    cache = tmp_path / "cache"
    add(cache, "asdf-golang", golang_checkout)
    with Mirror(cache / "mirror") as mirror:
        smart = urllib.request.urlopen(
            f"{mirror.url}/git/asdf-golang.git/info/refs?service=git-upload-pack")
        assert smart.headers["Content-Type"] == "application/x-git-upload-pack-advertisement"
        for refused in ("/git/asdf-golang.git/info/refs?service=git-receive-pack",
                        "/git/../git/asdf-golang.git/info/refs?service=git-upload-pack"):
            try:
                answer = urllib.request.urlopen(f"{mirror.url}{refused}").headers
            except urllib.error.HTTPError as exc:
                answer = exc.headers
            assert "git-receive-pack" not in (answer["Content-Type"] or "")
            assert "advertisement" not in (answer["Content-Type"] or "")


def test_adding_again_replaces_the_repository_and_its_record(tmp_path, golang_checkout):
    cache = tmp_path / "cache"
    add(cache, "asdf-golang", golang_checkout)
    before = index(cache)["git/asdf-golang.git/info/refs"]["sha256"]
    (golang_checkout / "README.md").write_text("new")
    git("add", "-A", cwd=golang_checkout)
    git("commit", "-q", "-m", "new", cwd=golang_checkout)
    add(cache, "asdf-golang", golang_checkout)
    assert index(cache)["git/asdf-golang.git/info/refs"]["sha256"] != before
    assert not list((cache / "mirror" / "git").glob(".*"))  # no leftovers beside it


def test_repositories_that_cannot_serve_are_refused_with_the_reason(tmp_path, asdf_checkout,
                                                                    golang_checkout):
    cache = tmp_path / "cache"
    untagged = make_repo(tmp_path / "untagged", {"asdf.sh": ""})
    with pytest.raises(MatrixError, match="has no tag v0.15.0; clone asdf with"):
        add(cache, "asdf", untagged)
    shallow = tmp_path / "shallow"
    git("clone", "-q", "--depth", "1", f"file://{asdf_checkout.parent / 'asdf-upstream'}",
        str(shallow), cwd=tmp_path)
    with pytest.raises(MatrixError, match="shallow clone"):
        add(cache, "asdf", shallow)
    (tmp_path / "plain").mkdir()
    with pytest.raises(MatrixError, match="is not a git repository"):
        add(cache, "asdf-golang", tmp_path / "plain")
    with pytest.raises(MatrixError, match="has no bin/download at HEAD"):
        add(cache, "asdf-golang", asdf_checkout)
    assert not (cache / "mirror" / "git" / "asdf.git").exists()


def _elf(payload: bytes = b"") -> bytes:
    header = bytearray(b"\x7fELF" + bytes(60))
    header[18:20] = (0x3E).to_bytes(2, "little")  # x86-64
    return bytes(header) + payload


def test_an_asdf_release_archive_yields_its_binary_under_the_version_s_key(tmp_path):
    archive = tmp_path / "asdf-v0.18.0-linux-amd64.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("asdf")
        data = _elf(b"asdf 0.18.0")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    cache = tmp_path / "cache"
    assert add(cache, "asdf-binary", archive) == ["asdf/asdf-v0.18.0-linux-amd64"]
    stored = cache / "mirror" / "asdf" / "asdf-v0.18.0-linux-amd64"
    assert stored.read_bytes() == _elf(b"asdf 0.18.0")
    assert (stored.parent / f"{stored.name}.sha256").read_text() == sha256_file(stored)


def test_an_asdf_binary_must_be_a_linux_amd64_executable_of_a_known_version(tmp_path):
    cache = tmp_path / "cache"
    script = tmp_path / "asdf-v0.18.0-linux-amd64"
    script.write_text("#!/bin/sh\necho 0.18.0\n")
    with pytest.raises(MatrixError, match="not a linux/amd64 executable"):
        add(cache, "asdf-binary", script)
    unnamed = tmp_path / "asdf"
    unnamed.write_bytes(_elf())  # not runnable: its version cannot be asked
    with pytest.raises(MatrixError, match="cannot tell which asdf version"):
        add(cache, "asdf-binary", unnamed)
    old = tmp_path / "asdf-v0.15.0-linux-amd64"
    old.write_bytes(_elf())
    with pytest.raises(MatrixError, match="from 0.16.0 on"):
        add(cache, "asdf-binary", old)


INSTALLER = """#!/bin/bash
export SDKMAN_SERVICE="https://api.sdkman.io/2"
export SDKMAN_VERSION="5.99.0"
export SDKMAN_NATIVE_VERSION="0.9.9"
function infer_platform() { echo linuxx64; }
curl "${SDKMAN_SERVICE}/candidates/all"
curl "${SDKMAN_SERVICE}/broker/download/sdkman/install/${SDKMAN_VERSION}/${SDKMAN_PLATFORM}"
curl "${SDKMAN_SERVICE}/broker/download/native/install/${SDKMAN_NATIVE_VERSION}/${SDKMAN_PLATFORM}"
"""


def _zip(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


@pytest.fixture
def sdkman_release(tmp_path):
    folder = tmp_path / "sdkman-release"
    folder.mkdir()
    (folder / "install.sh").write_text(INSTALLER)
    _zip(folder / "sdkman-cli-5.99.0.zip", {
        "sdkman-5.99.0/bin/sdkman-init.sh":
            'export SDKMAN_CANDIDATES_API="https://api.sdkman.io/2"\n',
        "sdkman-5.99.0/src/sdkman-install.sh": "function __sdk_install() { :; }\n"})
    _zip(folder / "sdkman-cli-native-0.9.9-x86_64-unknown-linux-gnu.zip", {
        "sdkman-cli-native-0.9.9-x86_64-unknown-linux-gnu/libexec/version": "bin"})
    return folder


API = "hosts/api.sdkman.io/2"


def test_sdkman_s_release_files_and_only_the_api_answers_it_asks_for(tmp_path, sdkman_release):
    cache = tmp_path / "cache"
    keys = add(cache, "sdkman", sdkman_release)
    validate = [f"{API}/candidates/validate/go/{v}/linuxx64" for v in pins.GO_BIN]
    assert sorted(keys) == sorted([
        "hosts/get.sdkman.io/index.html",
        f"{API}/broker/download/sdkman/install/5.99.0/linuxx64",
        f"{API}/broker/download/native/install/0.9.9/linuxx64",
        f"{API}/candidates/all", f"{API}/healthcheck", *validate, "sdkman/release.json"])
    mirror = cache / "mirror"
    assert (mirror / "hosts/get.sdkman.io/index.html").read_text() == INSTALLER
    assert (mirror / API / "broker/download/sdkman/install/5.99.0/linuxx64").read_bytes() == (
        (sdkman_release / "sdkman-cli-5.99.0.zip").read_bytes())
    assert all((mirror / key).read_text() == "invalid" for key in validate)
    assert (mirror / API / "candidates/all").read_text() == "java"
    assert "stand-in" in index(cache)[f"{API}/candidates/all"]["source"]
    manifest = json.loads((mirror / "sdkman/release.json").read_text())
    assert (manifest["version"], manifest["native_version"], manifest["platform"]) == (
        "5.99.0", "0.9.9", "linuxx64")
    assert manifest["files"]["hosts/get.sdkman.io/index.html"]["sha256"] == sha256_file(
        mirror / "hosts/get.sdkman.io/index.html")
    assert set(manifest["files"]) == set(keys) - {"sdkman/release.json"}


def test_the_https_mirror_answers_sdkman_s_requests_from_what_was_added(tmp_path,
                                                                        sdkman_release):
    cache = tmp_path / "cache"
    add(cache, "sdkman", sdkman_release)
    manager = get_manager("sdkman")
    from tests.supply.test_https_mirror import _get

    with HttpsMirror(cache / "mirror", manager.HTTPS_HOSTS, port=0) as mirror:
        assert _get(mirror, "get.sdkman.io", "/")[2].decode() == INSTALLER
        assert _get(mirror, "api.sdkman.io", "/2/candidates/validate/go/1.22.10/linuxx64")[2] \
            == b"invalid"
        assert _get(mirror, "api.sdkman.io", "/2/candidates/validate/java/21/linuxx64")[0] \
            == 404


def test_a_saved_candidates_answer_is_used_as_it_is(tmp_path, sdkman_release):
    (sdkman_release / "candidates-all.txt").write_text("ant,gradle,java,maven\n")
    cache = tmp_path / "cache"
    add(cache, "sdkman", sdkman_release)
    assert (cache / "mirror" / API / "candidates/all").read_text() == "ant,gradle,java,maven"
    (sdkman_release / "candidates-all.txt").write_text("<html>proxy</html>")
    with pytest.raises(MatrixError, match="not a comma-separated candidate list"):
        add(cache, "sdkman", sdkman_release)


@pytest.mark.parametrize("change, message", [
    (lambda f: (f / "install.sh").unlink(), "has no install.sh"),
    (lambda f: (f / "install.sh").write_text("echo hello\n"), "does not look like SDKMAN"),
    (lambda f: (f / "install.sh").write_text(INSTALLER.replace("api.sdkman", "beta.sdkman")),
     "installs from beta.sdkman.io"),
    (lambda f: (f / "sdkman-cli-5.99.0.zip").unlink(), "no SDKMAN CLI 5.99.0 release archive"),
    (lambda f: (f / "sdkman-cli-native-0.9.9-x86_64-unknown-linux-gnu.zip").unlink(),
     "native CLI 0.9.9 archive, which the installer also downloads"),
    (lambda f: (f / "sdkman-cli-5.99.0.zip").write_bytes(b"not a zip"), "not a valid zip"),
    (lambda f: _zip(f / "sdkman-cli-5.99.0.zip", {
        "sdkman-5.99.0/bin/sdkman-init.sh": 'SDKMAN_CANDIDATES_API="@SDKMAN_CANDIDATES_API@"'}),
     "names no candidates API"),
])
def test_an_incomplete_sdkman_release_is_refused_naming_what_is_wrong(tmp_path, sdkman_release,
                                                                      change, message):
    change(sdkman_release)
    cache = tmp_path / "cache"
    with pytest.raises(MatrixError, match=message):
        add(cache, "sdkman", sdkman_release)
    assert not (cache / "mirror" / "sdkman" / "release.json").exists()


def test_unknown_kinds_and_missing_paths_are_one_line_errors(tmp_path):
    with pytest.raises(MatrixError, match="unknown artifact kind 'nvm'; valid kinds: asdf-binary, "
                                          "asdf-golang, asdf, g-binary, goenv, gvm, sdkman"):
        add(tmp_path, "nvm", tmp_path)
    with pytest.raises(MatrixError, match="does not exist; expected a full git clone of asdf"):
        add(tmp_path, "asdf", tmp_path / "nowhere")


def test_every_key_an_adapter_requires_is_written_by_a_kind():
    for name in available():
        for key in getattr(get_manager(name), "REQUIRES", {}):
            assert kind_for(key) in KINDS, f"{name} requires {key}, which no kind writes"
    assert kind_for("go/go1.22.10.linux-amd64.tar.gz") is None


def test_online_the_plugin_is_cloned_from_its_upstream_into_the_mirror(tmp_path, golang_checkout,
                                                                      monkeypatch):
    from matrix.managers.asdf_015 import ASDF_GOLANG_REFS_KEY

    monkeypatch.setattr(pins, "ASDF_GOLANG_REPO", golang_checkout.as_uri())
    cache = ArtifactCache(tmp_path / "cache", network="online")
    artifact = cache.ensure(ASDF_GOLANG_REFS_KEY)
    assert artifact.key == ASDF_GOLANG_REFS_KEY
    assert (cache.mirror_dir / ASDF_GOLANG_REFS_KEY).is_file()
