"""govm-matrix: does anything of the old Go stay behind when a version manager switches?"""

from __future__ import annotations

__version__ = "0.1.0"
LABEL = "io.govm-matrix"
