"""When an upstream has moved past a pin.

An upstream that serves only its current release (an installer that names it) cannot give the
pinned release once it has moved on. A recipe for such an upstream learns what it serves now
and asks ``follow``: the pin, and it is used with its pinned digest as before; another release,
and the served one is used instead, each of its files checked against the checksum file the
upstream publishes for that release (``check_published``), with a ``Drift`` in the artifact's
provenance, so the report says which release ran. With ``--strict-pins`` (the cache's
``strict_pins``) the run stops instead, naming the pin and how to move it.

Upstreams that keep serving every release (a release URL, a git tag, a module version) cannot
make a run fail this way; their recipes say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.errors import EXIT_ENVIRONMENT, MatrixError
from .download import listed_digest, sha256_file

if TYPE_CHECKING:
    from .cache import ArtifactCache

@dataclass(frozen=True)
class Drift:
    """A release that ran instead of its pin, and what its files were checked against."""

    tool: str  # as the report names it, e.g. "SDKMAN"
    pinned: str
    ran: str
    checked_against: str  # the URL of the release's checksum file, or what else verified it

    def record(self) -> dict[str, str]:
        return asdict(self)


def follow(cache: ArtifactCache, upstream: str, served: str, pinned: str, fix: str) -> bool:
    """Whether to use what ``upstream`` serves now instead of the pin: False when it serves
    the pin, True when it serves another release; with strict pins, that is refused (exit 3)
    in one line naming the pin and ``fix`` (how to move it)."""
    if served == pinned:
        return False
    if cache.strict_pins:
        raise MatrixError(f"{upstream} now serves {served}, not the pinned {pinned}, and "
                          f"--strict-pins holds to the pin: {fix}, or run without "
                          "--strict-pins", EXIT_ENVIRONMENT)
    return True


def published_digest(sums: str, name: str, sums_url: str) -> str:
    """The sha256 a release's checksum file (``<sha256>  <file>`` lines, read from
    ``sums_url``) lists for ``name``; refused, naming the URL, when it lists none."""
    found = listed_digest(sums, name)
    if found is not None:
        return found
    raise MatrixError(f"{sums_url} lists no sha256 for {name}, so the release the upstream "
                      "serves cannot be checked and is not used; retry later, or pin a "
                      "release in matrix/supply/pins.py", EXIT_ENVIRONMENT)


def check_published(path: Path, url: str, sums: str, sums_url: str) -> str:
    """The digest of the file downloaded from ``url`` to ``path``, which must be the one its
    release's checksum file lists for it (``path`` is named as the release names the file);
    refused, naming both URLs, when it is not."""
    name = path.name
    wanted = published_digest(sums, name, sums_url)
    got = sha256_file(path)
    if got != wanted:
        raise MatrixError(f"{url} is not the {name} that {sums_url} lists (sha256 {got}, "
                          f"listed {wanted}): the download is corrupt or the release changed "
                          "after it was published, so it is not used; retry later",
                          EXIT_ENVIRONMENT)
    return wanted


def drift_stands(drift: list[dict] | None, pinned_now: Mapping[str, str], strict: bool) -> bool:
    """Whether an artifact in the cache may be used as it is, by its drift records: none,
    or (without strict pins) each still naming the pin as it is now. An artifact that ran
    past a pin that has since moved, or one asked for with strict pins, is fetched again."""
    if not drift:
        return True
    if strict:
        return False
    return all(pinned_now.get(d.get("tool", ""), d.get("pinned")) == d.get("pinned")
               for d in drift)
