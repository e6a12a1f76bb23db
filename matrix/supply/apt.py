"""This machine's apt sources: the Debian archive the offline base rootfs and the distribution's
Go packages come from."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import EXIT_ENVIRONMENT, MatrixError

APT_SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))


def apt_sources() -> Path:
    """The first non-empty apt sources file of this machine."""
    sources = next((p for p in APT_SOURCES if p.is_file() and p.stat().st_size), None)
    if sources is None:
        raise MatrixError("no Debian apt sources on this machine for mmdebstrap; "
                          "configure apt, or run where a registry is reachable",
                          EXIT_ENVIRONMENT)
    return sources
