"""Which fixtures a group's container starts with already applied: the leading ones that can be
an image layer, unless --no-fixture-layers; a layer that fails to build leaves the fixture to
the container, where its failure is the group's evidence."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from matrix.build.images import BuildFailed
from matrix.core.fixtures import BUILTIN
from matrix.run.runner import RunOptions
from matrix.run.session import MatrixSession

from ..conftest import Pings

IMAGE = SimpleNamespace(tag="govm-matrix/ubuntu-manual:0123")


class _Builder:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.asked = fail, []

    def fixture_layer(self, image, fixtures):
        self.asked.append([f.name for f in fixtures])
        if self.fail:
            raise BuildFailed("image x failed to build: dpkg: error", [])
        return f"{image}+layer"


def _session(builder, layers=True, root=None, daemon=None):
    session = MatrixSession.__new__(MatrixSession)  # no Docker: only what fixture_image uses
    session._builder, session.progress, session.run_id = builder, None, "run"
    session._cli = daemon or Pings()
    session.options = RunOptions(fixture_layers=layers)
    session.cache = SimpleNamespace(root=root)
    return session


def test_leading_layer_fixtures_are_applied_in_the_image(tmp_path):
    builder = _Builder()
    fixtures = (BUILTIN["distro-go"], BUILTIN["stale-goroot"])
    got = MatrixSession.fixture_image(_session(builder, root=tmp_path), IMAGE, fixtures)
    assert got == (f"{IMAGE}+layer", ("distro-go",))
    assert builder.asked == [["distro-go"]]


def test_a_layer_fixture_after_another_keeps_its_order_in_the_container():
    builder = _Builder()
    fixtures = (BUILTIN["stale-goroot"], BUILTIN["distro-go"])
    assert MatrixSession.fixture_image(_session(builder), "img", fixtures) == ("img", ())
    assert builder.asked == []


def test_no_fixture_layers_and_a_failed_layer_leave_the_fixture_to_the_container(tmp_path):
    fixtures = (BUILTIN["distro-go"],)
    builder = _Builder()
    assert MatrixSession.fixture_image(_session(builder, False), "img", fixtures) == ("img", ())
    assert builder.asked == []
    failing = _Builder(fail=True)
    assert MatrixSession.fixture_image(_session(failing, root=tmp_path), IMAGE,
                                       fixtures) == (IMAGE, ())
    assert failing.asked == [["distro-go"]]


def test_a_layer_that_failed_once_in_a_run_is_not_built_again_by_another_process(tmp_path):
    fixtures = (BUILTIN["distro-go"],)
    failing = _Builder(fail=True)
    MatrixSession.fixture_image(_session(failing, root=tmp_path), IMAGE, fixtures)
    other = _Builder()  # another process of the same run, e.g. an xdist worker
    assert MatrixSession.fixture_image(_session(other, root=tmp_path), IMAGE,
                                       fixtures) == (IMAGE, ())
    assert other.asked == []
    elsewhere = _session(other, root=tmp_path)
    elsewhere.run_id = "next"  # the next run tries again
    assert MatrixSession.fixture_image(elsewhere, IMAGE, fixtures)[1] == ("distro-go",)


def test_a_layer_cut_short_by_the_daemon_is_not_a_failed_layer(tmp_path):
    """The build failed because the daemon stopped answering: the group waits for it
    (``through_daemon_loss``) and the layer is tried again, never left to the container."""
    fixtures = (BUILTIN["distro-go"],)
    cut = _session(_Builder(fail=True), root=tmp_path, daemon=Pings(failing=10**6))
    with pytest.raises(BuildFailed):
        MatrixSession.fixture_image(cut, IMAGE, fixtures)
    back = _session(_Builder(), root=tmp_path)
    assert MatrixSession.fixture_image(back, IMAGE, fixtures) == (f"{IMAGE}+layer",
                                                                  ("distro-go",))
