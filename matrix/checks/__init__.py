"""Classification: from the snapshots of one cell to one verdict per check, with evidence.

One module per concern, each a pure function of recorded snapshots (``leg.py`` holds what
every check asks of a switch seen from one shell): ``goroot``, ``path``, ``gopath`` and
``gobin`` (``dirs``), ``gotoolchain``, ``version`` and ``build``; ``cell`` runs them over every
leg of a cell. ``atomic`` judges the
group's switch itself, traced and observed while it runs. The check names are
``matrix.core.verdicts.CHECKS``.
"""

from __future__ import annotations

from .atomic import check_atomic
from .cell import CHECK_FUNCS, classify_cell, classify_leg, manager_active, overall
from .leg import Leg

__all__ = ["CHECK_FUNCS", "Leg", "check_atomic", "classify_cell", "classify_leg",
           "manager_active", "overall"]
