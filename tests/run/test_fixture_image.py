"""Which fixtures a group's container starts with already applied: the leading ones that can be
an image layer, unless --no-fixture-layers; a layer that fails to build leaves the fixture to
the container, where its failure is the group's evidence."""

from __future__ import annotations

from types import SimpleNamespace

from matrix.build.images import BuildFailed
from matrix.core.fixtures import BUILTIN
from matrix.run.runner import RunOptions
from matrix.run.session import MatrixSession


class _Builder:
    def __init__(self, fail: bool = False) -> None:
        self.fail, self.asked = fail, []

    def fixture_layer(self, image, fixtures):
        self.asked.append([f.name for f in fixtures])
        if self.fail:
            raise BuildFailed("image x failed to build: dpkg: error", [])
        return f"{image}+layer"


def _session(builder, layers=True):
    return SimpleNamespace(builder=builder, options=RunOptions(fixture_layers=layers))


def test_leading_layer_fixtures_are_applied_in_the_image():
    builder = _Builder()
    fixtures = (BUILTIN["distro-go"], BUILTIN["stale-goroot"])
    got = MatrixSession.fixture_image(_session(builder), "img", fixtures)
    assert got == ("img+layer", ("distro-go",))
    assert builder.asked == [["distro-go"]]


def test_a_layer_fixture_after_another_keeps_its_order_in_the_container():
    builder = _Builder()
    fixtures = (BUILTIN["stale-goroot"], BUILTIN["distro-go"])
    assert MatrixSession.fixture_image(_session(builder), "img", fixtures) == ("img", ())
    assert builder.asked == []


def test_no_fixture_layers_and_a_failed_layer_leave_the_fixture_to_the_container():
    fixtures = (BUILTIN["distro-go"],)
    builder = _Builder()
    assert MatrixSession.fixture_image(_session(builder, False), "img", fixtures) == ("img", ())
    assert builder.asked == []
    failing = _Builder(fail=True)
    assert MatrixSession.fixture_image(_session(failing), "img", fixtures) == ("img", ())
    assert failing.asked == [["distro-go"]]
