"""A fixture layer's Dockerfile, written by builds side by side (prepare builds layers on as
many threads as the run has workers): each build writes it whole, none loses its file."""

from __future__ import annotations

import os
import threading

from matrix.build.images import ImageBuilder, ImageRef
from matrix.core.fixtures import get_fixture
from matrix.supply.cache import ArtifactCache


def test_two_builds_at_once_write_the_same_layer_s_dockerfile(tmp_path, monkeypatch):
    builder = ImageBuilder(None, ArtifactCache(tmp_path), lambda: "unused")
    built = []
    monkeypatch.setattr(builder, "_build", lambda layer, context, *rest, **kw: built.append(
        context["Dockerfile"].read_text()) or ImageRef(f"{layer}:x", "id", layer, True, 0.0))
    both_written = threading.Barrier(2, timeout=10)
    real_replace = os.replace

    def replace_when_both_have_written(src, dst):
        both_written.wait()  # each build between writing its file and renaming it
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_when_both_have_written)
    errors = []
    fixture = get_fixture("distro-go")

    def build(parent: str) -> None:
        try:
            builder.fixture_layer(ImageRef(f"govm-matrix/{parent}:1", parent, parent, False,
                                           0.0), [fixture])
        except Exception as exc:  # noqa: BLE001 - the test reports what a build raised
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(p,)) for p in ("ubuntu-manual",
                                                                   "ubuntu-mise")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert len(built) == 2 and built[0] == built[1] and "dpkg -i" in built[0]
    folder = next((tmp_path / "layers").iterdir())
    assert [p.name for p in folder.iterdir()] == ["Dockerfile"]  # no temporary file left
