"""The build cache each manager image warms serves the containers' builds as it is: a build
changes none of its entries, so that no container copies them into its own layer, whatever
the image's age."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import run_as

pytestmark = pytest.mark.docker

HELLO = ('printf \'package main\\n\\nimport "fmt"\\n\\nfunc main() { fmt.Println(1) }\\n\' '
         "> main.go && printf 'module hello\\n\\ngo 1.21\\n' > go.mod")
ENTRY = re.compile(r"/\.cache/go-build/[0-9a-f]{2}/[0-9a-f]{64}-[ad]$")


@pytest.mark.parametrize("manager", ["manual", "mise", "gotoolchain", "distro"])
def test_a_build_changes_no_entry_of_the_image_s_build_cache(manager, image_for,
                                                             start_container):
    image = image_for("ubuntu", manager)
    ctr = start_container(image.tag, "ubuntu")
    status, out = run_as(ctr, "root", "cat /opt/govm-matrix/roots.json")
    assert status == 0, out
    roots = {root["goroot"] for root in json.loads(out).values()}
    assert roots
    # Entries dated ahead are never an hour old, so go never moves their time (nor trims
    # them), however old the image.
    status, out = run_as(ctr, "ubuntu", "cd && find .cache/go-build -type f -name '*-[ad]' "
                         "| wc -l && find .cache/go-build -type f -name '*-[ad]' "
                         "! -newermt '2099-01-01' | head -3")
    assert status == 0, out
    count, *not_ahead = out.decode().split()
    assert int(count) > 0 and not not_ahead, out
    for root in sorted(roots):
        status, out = run_as(ctr, "ubuntu", f"cd \"$(mktemp -d)\" && {HELLO} && GOTOOLCHAIN=local "
                             f"GOFLAGS= {root}/bin/go build -o hello . && ./hello")
        assert status == 0 and out == b"1\n", (root, out)
    changed = [c["Path"] for c in ctr.diff() if c["Kind"] == 0 and ENTRY.search(c["Path"])]
    assert not changed, changed[:5]


def _data_entries(ctr, user: str) -> dict[str, str]:
    """The user's build cache's data entries, each with what it starts with."""
    status, out = run_as(ctr, user, "cd && find .cache/go-build -type f -name '*-d' | while read "
                         "-r f; do printf '%s %s\\n' \"$f\" \"$(head -c 8 \"$f\" | tr -c "
                         "'[:alnum:]' .)\"; done")
    assert status == 0, out
    return dict(line.split(" ", 1) for line in out.decode().splitlines())


@pytest.mark.parametrize("platform, manager", [("ubuntu", "manual"), ("macos-runner", "mise"),
                                               ("wsl2", "gotoolchain")])
def test_a_manager_layer_of_the_pinned_releases_builds_no_standard_library(
        platform, manager, image_for, start_container):
    """The platform's user starts with the pinned releases' build cache (lib.sh,
    warm_pinned_cache), so the warm-up of a manager layer that installs the same releases
    compiles nothing of the standard library again: what it adds is go's index of the new
    GOROOT's files and the warm-up's own main package, one per release."""
    from matrix.core.platforms import get_platform
    from matrix.supply import pins

    user = get_platform(platform).user
    before = _data_entries(start_container(image_for.platform(platform).tag, user), user)
    assert len(before) > 100, before  # the standard library of each pinned release
    after = _data_entries(start_container(image_for(platform, manager).tag, user), user)
    assert set(before) <= set(after)
    added = [after[path] for path in set(after) - set(before)]
    archives = [kind for kind in added if kind.startswith("..arch.")]  # !<arch>
    assert len(archives) == len(pins.DEFAULT_GO), added
    assert all(kind.startswith("go.index") for kind in added if kind not in archives), added
