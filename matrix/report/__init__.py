"""The comparison report: one JSON document (versioned) rendered as Markdown, HTML and JUnit,
merged from shards (``merge``) and compared with a baseline (``diff``)."""

from __future__ import annotations

from .model import SCHEMA_VERSION, build_report, load_report, slim_report
from .write import FILES, render_all, write_reports

__all__ = ["FILES", "SCHEMA_VERSION", "build_report", "load_report", "render_all",
           "slim_report", "write_reports"]
