"""Re-record the snapshots the unit tests classify: real runs on real images.

Run from the repository root with Docker up: ``python tests/data/record.py``. Each file holds
every shell context's snapshots of one container run, so the unit tests exercise the
classification on exactly what the probe emits.
"""

from __future__ import annotations

import json
from pathlib import Path

from matrix import docker_env, pins
from matrix.artifacts import ArtifactCache
from matrix.fixtures import get_fixture
from matrix.images import ImageBuilder
from matrix.managers import get_manager
from matrix.mirror import Mirror
from matrix.platforms import get_platform
from matrix.runner import PHASES, Run

OLD, NEW = pins.DEFAULT_GO
RUNS = {
    "ubuntu-manual-clean": ("ubuntu", "manual", ()),
    "ubuntu-manual-stale-goroot": ("ubuntu", "manual", ("stale-goroot",)),
    "ubuntu-manual-old-path-entry": ("ubuntu", "manual", ("old-path-entry",)),
    "ubuntu-manual-gopath-in-old-root": ("ubuntu", "manual", ("gopath-in-old-root",)),
    "ubuntu-manual-gotoolchain-old": ("ubuntu", "manual", ("gotoolchain-old",)),
    "ubuntu-mise-clean": ("ubuntu", "mise", ()),
    "wsl2-manual-clean": ("wsl2", "manual", ()),
}


def main() -> None:
    cli = docker_env.client()
    cache = ArtifactCache()
    with Mirror(cache.mirror_dir) as mirror:
        builder = ImageBuilder(cli, cache, lambda: mirror.url)
        for name, (platform_name, manager_name, fixtures) in RUNS.items():
            platform, manager = get_platform(platform_name), get_manager(manager_name)
            image = builder.manager(platform, manager, pins.DEFAULT_GO, pins.RUNNER_GO)
            result = Run(cli, image, platform, manager, OLD, NEW, "global", platform.shells,
                         tuple(get_fixture(f) for f in fixtures), name=name).execute()
            if result.error:
                raise SystemExit(f"{name}: {result.error}")
            data = {
                "platform": platform_name, "manager": manager_name, "old": OLD, "new": NEW,
                "fixtures": list(fixtures), "managed_dirs": manager.managed_dirs(platform),
                "shells": {s: {p: result.snapshots.get(f"{s}:{p}") for p in PHASES}
                           for s in platform.shells},
            }
            out = Path(__file__).parent / "snapshots" / f"{name}.json"
            out.parent.mkdir(exist_ok=True)
            out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
            print(f"{out}: {len(result.snapshots)} snapshots")


if __name__ == "__main__":
    main()
