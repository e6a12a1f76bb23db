"""The package's layers: imports go one way only (the contract in pyproject.toml, checked by
import-linter), and no module reaches into another's private names."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "matrix"


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.fail("import-linter is not installed (the project's dev extra has it)")
    return subprocess.run([str(exe), "--no-cache"], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_the_layers_contract_holds():
    out = lint_imports(ROOT)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Contracts: 1 kept, 0 broken." in out.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract is not vacuous: the same contract on a copy of the package in which the
    bottom layer imports the top one fails, naming the import."""
    copy = tmp_path / "matrixcopy"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "images"))
    errors = copy / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom ..run import config  # noqa: E402,F401\n")
    pyproject = (ROOT / "pyproject.toml").read_text()
    contract = pyproject[pyproject.index("[tool.importlinter]"):pyproject.index("[tool.ruff]")]
    (tmp_path / "pyproject.toml").write_text(re.sub(r"\bmatrix\b", "matrixcopy", contract))
    out = lint_imports(tmp_path)
    assert out.returncode != 0, out.stdout[-3000:]
    assert "BROKEN" in out.stdout and "matrixcopy.core.errors -> matrixcopy.run" in out.stdout


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def test_no_module_imports_another_s_private_names():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(), str(path))
        module_aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = _resolve(module, node, path.name == "__init__.py")
                if not source.startswith("matrix"):
                    continue
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(ROOT)}: from {source} import "
                                     f"{alias.name}")
                    module_aliases.add(alias.asname or alias.name)
            elif isinstance(node, ast.Import):
                module_aliases.update(a.asname or a.name for a in node.names
                                      if a.name.startswith("matrix"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: "
                             f"{node.value.id}.{node.attr}")
    assert not found, "\n".join(found)
