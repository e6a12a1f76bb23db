"""Write the report files atomically: all of them or none."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .markdown import render_markdown


def write_reports(report: dict, directory: str | Path) -> list[Path]:
    """Write matrix.json and matrix.md into ``directory``; returns their paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {
        "matrix.json": json.dumps(report, indent=1, sort_keys=False, ensure_ascii=False) + "\n",
        "matrix.md": render_markdown(report),
    }
    staged = []
    try:
        for name, text in outputs.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            staged.append((tmp, folder / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return [final for _, final in staged]
