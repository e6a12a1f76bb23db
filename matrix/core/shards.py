"""Split a matrix into shards that run apart, deterministically.

Sharding is by group: the cells of one group (same platform, manager, transition and scope;
they differ only in the shell) share one container run, so a group is never split. Groups are
taken largest first (ties by group id) and each goes to the shard holding the fewest cells so
far (ties to the lowest index). The result depends only on the set of cells: not on their
order, the time, or hash randomisation. Joining the shard reports is ``matrix.report.merge``.
"""

from __future__ import annotations

import re
from collections import Counter

from .errors import MatrixError

_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``, 1-based with 1 <= I <= N; MatrixError otherwise."""
    match = _SHARD.fullmatch(text or "")
    if match:
        index, total = int(match.group(1)), int(match.group(2))
        if 1 <= index <= total:
            return index, total
    raise MatrixError(f"bad shard {text!r}: expected I/N with 1 <= I <= N, e.g. 2/3")


def _group_of(cell) -> str:
    if isinstance(cell, dict):
        return cell.get("group") or cell["id"].rsplit("/", 1)[0]
    return cell.group


def assign_groups(cells: list, total: int) -> dict[str, int]:
    """Each group's shard index (1-based): largest group first, to the lightest shard."""
    sizes = Counter(_group_of(cell) for cell in cells)
    load = [0] * total
    assignment: dict[str, int] = {}
    for group in sorted(sizes, key=lambda g: (-sizes[g], g)):
        lightest = min(range(total), key=lambda i: (load[i], i))
        load[lightest] += sizes[group]
        assignment[group] = lightest + 1
    return assignment


def shard_cells(cells: list, index: int, total: int) -> list:
    """The cells of shard ``index`` of ``total``, in their given order.

    ``cells`` may be :class:`matrix.core.cells.Cell` objects or report cell dicts.
    """
    if not 1 <= index <= total:
        raise MatrixError(f"bad shard {index}/{total}: expected I/N with 1 <= I <= N")
    assignment = assign_groups(cells, total)
    return [cell for cell in cells if assignment[_group_of(cell)] == index]
