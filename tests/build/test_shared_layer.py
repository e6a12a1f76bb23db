"""The distro adapters install the same packages: that layer (the folder's ``packages/``) is
built once on each platform and each adapter's own layer, which only switches them, goes on
top of it; a change to what differs between them never reaches the shared layer."""

from __future__ import annotations

from matrix.build.images import ImageBuilder, ImageRef
from matrix.core.platforms import get_platform
from matrix.managers import get_manager
from matrix.supply.cache import ArtifactCache

VERSIONS = ("1.21.13", "1.22.10")


def _layers(tmp_path, monkeypatch, manager: str) -> list[dict]:
    builder = ImageBuilder(None, ArtifactCache(tmp_path), lambda: "unused")
    calls = []

    def build(layer, context, args, parent_id, artifact_keys, base, inherited,
              https_hosts=()):
        calls.append({"layer": layer, "files": {n: p.read_bytes() for n, p in context.items()},
                      "args": args, "parent": parent_id, "artifacts": artifact_keys})
        return ImageRef(f"govm-matrix/{layer}:{len(calls)}", f"id-{layer}", layer, True, 0.0)

    monkeypatch.setattr(builder, "_build", build)
    monkeypatch.setattr(builder, "platform", lambda platform, runner_go: ImageRef(
        f"govm-matrix/{platform.name}:0", "id-platform", platform.name, False, 0.0))
    builder.manager(get_platform("ubuntu"), get_manager(manager), VERSIONS)
    return calls


def test_both_distro_adapters_build_on_one_packages_layer(tmp_path, monkeypatch):
    distro = _layers(tmp_path, monkeypatch, "distro")
    alternatives = _layers(tmp_path, monkeypatch, "distro-alternatives")
    assert [c["layer"] for c in distro] == ["ubuntu-distro-packages", "ubuntu-distro"]
    assert [c["layer"] for c in alternatives] == ["ubuntu-distro-packages",
                                                  "ubuntu-distro-alternatives"]
    shared = distro[0]
    assert alternatives[0] == shared  # the same inputs: the same tag, built once
    assert shared["parent"] == "id-platform" and shared["artifacts"]  # the packages' mirror
    assert "DISTRO_VARIANT" not in shared["args"]
    assert set(shared["files"]) == {"Dockerfile", "install.sh"}
    assert b"apt-get install" in shared["files"]["install.sh"]
    for own, variant in ((distro[1], "profile"), (alternatives[1], "alternatives")):
        assert own["parent"] == "id-ubuntu-distro-packages" and own["artifacts"] == []
        assert own["args"]["DISTRO_VARIANT"] == variant
        assert own["args"]["PLATFORM_IMAGE"] == "govm-matrix/ubuntu-distro-packages:1"
        assert set(own["files"]) == {"Dockerfile", "install.sh"}  # not the packages' files
        assert b"apt-get" not in own["files"]["install.sh"]


def test_a_manager_without_a_shared_layer_builds_on_the_platform(tmp_path, monkeypatch):
    (manual,) = _layers(tmp_path, monkeypatch, "manual")
    assert manual["layer"] == "ubuntu-manual" and manual["parent"] == "id-platform"
    assert manual["artifacts"]
