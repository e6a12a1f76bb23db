"""Where everything in a report came from: bases, images, managers, artifacts, Docker."""

from __future__ import annotations

from dataclasses import asdict

from ..core.errors import MatrixError
from ..core.platforms import PLATFORMS
from ..supply.cache import ArtifactCache
from . import engine


def collect_provenance(results: list[dict], network_option: str) -> dict:
    images: dict[str, dict] = {}
    platforms: dict[str, dict] = {}
    managers: dict[str, dict] = {}
    for cell in results:
        image = cell.get("image")
        if image:
            images[f"{cell['platform']}/{cell['manager']}"] = {
                k: image.get(k) for k in ("tag", "id", "built", "seconds")}
            base = image.get("base") or {}
            profile = PLATFORMS[cell["platform"]]
            platforms[cell["platform"]] = {
                "emulates": profile.emulates, "cannot": profile.cannot,
                "base": base.get("provenance"), "base_image": base.get("image"),
                "base_id": base.get("id")}
        if cell.get("manager_info"):
            managers[cell["manager"]] = {"installed": cell["manager_info"],
                                         "behaviour": cell.get("manager_behaviour") or {}}
    used = {key for cell in results for key in _artifact_keys(cell)}
    index = ArtifactCache().index()
    artifacts = [asdict(a) for key, a in sorted(index.items()) if not used or key in used]
    offline = [a["offline"] for a in artifacts]
    network = ("offline" if offline and all(offline) else
               "online" if offline and not any(offline) else network_option)
    return {"network": network, "docker": _docker_version(), "platforms": platforms,
            "managers": managers, "images": images, "artifacts": artifacts}


def _artifact_keys(cell: dict) -> list[str]:
    return list((cell.get("image") or {}).get("artifacts") or {})


def _docker_version() -> dict:
    try:
        cli = engine.client(timeout=30)
        info = cli.version()
        cli.close()
        return {"version": info.get("Version"), "api_version": info.get("ApiVersion")}
    except MatrixError:
        return {}
