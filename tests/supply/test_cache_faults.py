"""The artifact cache under faults: a full disk and a broken download never leave a partial
file that counts as an artifact, and the next run fetches it again. The full disk is a real
one: a tmpfs of a few hundred kilobytes mounted for the test (mounting needs root; CI runs as
root)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time

import pytest

from matrix.core.errors import MatrixError
from matrix.supply.cache import ArtifactCache
from matrix.supply.recipes import Recipe, RecipeBook

from ..conftest import unavailable


@pytest.fixture
def tiny_fs(tmp_path):
    """A 256 KiB file system of its own, unmounted afterwards."""
    if os.geteuid() != 0:
        unavailable("mounting a tiny tmpfs needs root")
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        unavailable(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def _leftovers(root) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name not in (".lock", "index.json"))


def test_a_full_disk_keeps_no_partial_artifact(tiny_fs):
    cache = ArtifactCache(tiny_fs / "cache", network="offline")
    cache.put("small/one.txt", b"x" * 1000, "test")
    with pytest.raises(MatrixError) as info:
        cache.put("big/go.tar.gz", os.urandom(400 * 1024), "test")
    assert "No space left on device" in str(info.value) and "big/go.tar.gz" in str(info.value)
    assert "\n" not in str(info.value) and info.value.exit_code == 3
    assert cache.cached("big/go.tar.gz") is None
    assert _leftovers(cache.root) == ["mirror/small/one.txt", "mirror/small/one.txt.sha256"]
    assert cache.cached("small/one.txt") is not None  # what was whole stays whole
    cache.put("big/go.tar.gz", os.urandom(100 * 1024), "test")  # room again: it goes in
    assert cache.cached("big/go.tar.gz") is not None


def test_a_file_moved_in_from_elsewhere_that_does_not_fit_is_not_kept(tiny_fs, tmp_path):
    cache = ArtifactCache(tiny_fs / "cache", network="offline")
    source = tmp_path / "go.tar.gz"  # another file system: copied, not renamed
    source.write_bytes(os.urandom(400 * 1024))
    with pytest.raises(MatrixError, match="No space left on device"):
        cache.store("go/go.tar.gz", source, "test", "", offline=True)
    assert cache.cached("go/go.tar.gz") is None and _leftovers(cache.root) == []


class _Broken(Recipe):
    """A download that writes part of its file, then breaks; the second try works."""

    prefixes = ("flaky/",)
    fetches_offline = True

    def __init__(self) -> None:
        self.tries = 0

    def fetch(self, cache, key):
        self.tries += 1
        with cache.workdir() as work:
            part = work / "download"
            with open(part, "wb") as fh:
                fh.write(b"half of it")
                if self.tries == 1:
                    raise ConnectionResetError(104, "Connection reset by peer")
                fh.write(b" and the rest")
            cache.store(key, part, "flaky source", "", offline=True)


def test_a_broken_download_is_not_an_artifact_and_is_fetched_again(tmp_path):
    recipe = _Broken()
    cache = ArtifactCache(tmp_path / "cache", network="offline", recipes=RecipeBook([recipe]))
    with pytest.raises(MatrixError) as info:
        cache.ensure("flaky/thing")
    assert "Connection reset by peer" in str(info.value)
    assert "the next run fetches it again" in str(info.value)
    assert cache.cached("flaky/thing") is None and _leftovers(cache.root) == []
    again = ArtifactCache(tmp_path / "cache", network="offline", recipes=RecipeBook([recipe]))
    assert again.ensure("flaky/thing").size == len(b"half of it and the rest")
    assert recipe.tries == 2


class _Slow(Recipe):
    """A fetch that takes a while and counts itself in a file."""

    prefixes = ("slow/",)
    fetches_offline = True

    def __init__(self, counter) -> None:
        self.counter = counter

    def fetch(self, cache, key):
        with open(self.counter, "a") as fh:
            fh.write("fetch\n")
        time.sleep(1.0)
        cache.put(key, b"the artifact", "slow source")


def _ensure(root, counter, key, out):
    cache = ArtifactCache(root, network="offline", recipes=RecipeBook([_Slow(counter)]))
    out.write_text(cache.ensure(key).sha256)


def test_two_processes_wanting_one_artifact_fetch_it_once(tmp_path):
    counter = tmp_path / "fetches"
    # spawned, not forked: a fork of this multi-threaded test process (pytest-xdist's
    # threads) can copy a lock another thread holds and hang the child for good
    ctx = multiprocessing.get_context("spawn")
    outs = [tmp_path / f"digest-{i}" for i in range(2)]
    procs = [ctx.Process(target=_ensure, args=(tmp_path / "cache", counter, "slow/one", out))
             for out in outs]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        if proc.is_alive():
            proc.kill()
    assert [proc.exitcode for proc in procs] == [0, 0]
    digests = [out.read_text() for out in outs]
    assert digests[0] == digests[1]
    assert counter.read_text().count("fetch") == 1
