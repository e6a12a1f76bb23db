"""The harness reads no exec's output through the docker SDK (see build/commands.py)."""

from __future__ import annotations

import ast
from pathlib import Path

MATRIX = Path(__file__).resolve().parents[2] / "matrix"


def test_no_exec_output_of_the_harness_is_read_through_the_sdk():
    """Every ``exec_run`` left in the package is detached: its output is never read."""
    found = []
    for path in MATRIX.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("exec_run", "exec_start")):
                detached = any(k.arg == "detach" and isinstance(k.value, ast.Constant)
                               and k.value.value is True for k in node.keywords)
                found.append((path.name, node.lineno, detached))
    assert found and all(detached for _, _, detached in found), found
