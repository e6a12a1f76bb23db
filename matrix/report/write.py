"""Write the report files atomically: all of them or none."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .html import render_html
from .junit import render_junit
from .summary import render_summary

FILES = ("matrix.json", "matrix.md", "matrix.html", "junit.xml")


def render_json(report: dict) -> str:
    """The report as JSON: indented, except that each cell is one line (the cells are most
    of it: written compact they take a third of the time, and a diff of two reports shows
    one changed line per changed cell)."""
    head = {k: v for k, v in report.items() if k != "cells"}
    text = json.dumps(head, indent=1, ensure_ascii=False)
    if "cells" not in report:
        return text + "\n"
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    cells = ",\n".join(encode(cell) for cell in report["cells"])
    body = f"[\n{cells}\n ]" if cells else "[]"
    return f'{text[:-2]},\n "cells": {body}\n}}\n' if head else f'{{\n "cells": {body}\n}}\n'


def render_all(report: dict) -> dict[str, str]:
    """Every report file's text: JSON (everything), Markdown sized for a CI job summary,
    the self-contained HTML page, and JUnit XML."""
    return {
        "matrix.json": render_json(report),
        "matrix.md": render_summary(report),
        "matrix.html": render_html(report),
        "junit.xml": render_junit(report),
    }


def write_reports(report: dict, directory: str | Path) -> list[Path]:
    """Write every report file into ``directory``; returns their paths. Each file is staged
    beside its final name first, so a failure leaves no half-written report."""
    folder = Path(directory)
    outputs = render_all(report)
    folder.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, text in outputs.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)  # reports are published; mkstemp makes them private
            staged.append((tmp, folder / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)
    return [final for _, final in staged]
