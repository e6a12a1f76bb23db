"""Re-record the container runs the unit tests classify: real runs on real images.

Run from the repository root with Docker up: ``python tests/data/record.py [NAME ...]``. Each
file holds one container run exactly as the matrix keeps it (a ``RunResult`` as plain data,
every shell context's snapshots of every phase, the ``again`` phase of the session included,
the switch traced and observed for the atomic check) and the cell it was run for, with the bare
platform's shell state that what a manager injects is measured against. The tests replay it
through the very function the matrix uses to turn a run into cell results
(``tests.conftest.replay``), so recording and replaying are one path and a re-recording cannot
drift from what the matrix would say.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from matrix.build import engine as docker_env
from matrix.build.images import ImageBuilder
from matrix.core.definition import builtin_definition
from matrix.core.platforms import get_platform
from matrix.managers import artifact_cache, get_manager, with_manager_scenarios
from matrix.run.runner import Run
from matrix.run.shells import platform_shells
from matrix.supply import pins
from matrix.supply.mirror import Mirror

OLD, NEW = pins.DEFAULT_GO
# name -> (platform, manager, scope, fixtures)
RUNS = {
    "ubuntu-manual-clean": ("ubuntu", "manual", "global", ()),
    "ubuntu-manual-stale-goroot": ("ubuntu", "manual", "global", ("stale-goroot",)),
    "ubuntu-manual-etc-environment": ("ubuntu", "manual", "global", ("etc-environment",)),
    "ubuntu-manual-old-path-entry": ("ubuntu", "manual", "global", ("old-path-entry",)),
    "ubuntu-manual-gopath-in-old-root": ("ubuntu", "manual", "global", ("gopath-in-old-root",)),
    "ubuntu-manual-gotoolchain-old": ("ubuntu", "manual", "global", ("gotoolchain-old",)),
    "ubuntu-mise-clean": ("ubuntu", "mise", "global", ()),
    "ubuntu-mise-session": ("ubuntu", "mise", "session", ()),
    "ubuntu-mise-directory": ("ubuntu", "mise", "directory", ()),
    "ubuntu-gotoolchain-clean": ("ubuntu", "gotoolchain", "global", ()),
    "ubuntu-gotoolchain-directory": ("ubuntu", "gotoolchain", "directory", ()),
    "wsl2-manual-clean": ("wsl2", "manual", "global", ()),
    "ubuntu-distro-clean": ("ubuntu", "distro", "global", ()),
    "ubuntu-distro-alternatives-clean": ("ubuntu", "distro-alternatives", "global", ()),
    # recorded with goenv, gvm and g added to the mirror (govm-matrix mirror add)
    "ubuntu-goenv-clean": ("ubuntu", "goenv", "global", ()),
    "ubuntu-goenv-goroot-bin-path": ("ubuntu", "goenv", "directory", ("goroot-bin-path",)),
    "ubuntu-gvm-clean": ("ubuntu", "gvm", "global", ()),
    "ubuntu-gvm-directory": ("ubuntu", "gvm", "directory", ()),
    "ubuntu-g-clean": ("ubuntu", "g", "global", ()),
}


_SHELLS: dict[str, dict] = {}


def bare_shells(builder, cli, platform) -> dict:
    """The bare platform's shell state per context, as a run measures it (what the cells'
    ``injected`` is the difference from)."""
    if platform.name not in _SHELLS:
        image = builder.platform(platform, pins.RUNNER_GO)
        _SHELLS[platform.name] = platform_shells(cli, image.tag, platform)
    return _SHELLS[platform.name]


def record(builder, cli, name: str) -> Path:
    platform_name, manager_name, scope, fixtures = RUNS[name]
    platform, manager = get_platform(platform_name), get_manager(manager_name)
    image = builder.manager(platform, manager, pins.DEFAULT_GO, pins.RUNNER_GO)
    definition = with_manager_scenarios(builtin_definition())
    result = Run(cli, image, platform, manager, OLD, NEW, scope, platform.shells,
                 tuple(definition.fixtures.get(f) for f in fixtures),
                 name=f"record-{name}").execute()
    if result.error:
        raise SystemExit(f"{name}: {result.error}\n" + "\n".join(result.log_tail))
    data = {"platform": platform_name, "manager": manager_name, "old": OLD, "new": NEW,
            "scope": scope, "fixtures": list(fixtures), "run": asdict(result),
            "shells": bare_shells(builder, cli, platform)}
    out = Path(__file__).parent / "snapshots" / f"{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    return out


def main(names: list[str]) -> None:
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        raise SystemExit(f"unknown recording(s) {', '.join(unknown)}; known: {', '.join(RUNS)}")
    cli = docker_env.client()
    cache = artifact_cache()
    with Mirror(cache.mirror_dir) as mirror:
        builder = ImageBuilder(cli, cache, lambda: mirror.url)
        for name in names or RUNS:
            out = record(builder, cli, name)
            snapshots = json.loads(out.read_text())["run"]["snapshots"]
            print(f"{out}: {len(snapshots)} snapshots")


if __name__ == "__main__":
    main(sys.argv[1:])
