"""The comparison report: one JSON document (versioned) and its Markdown rendering."""

from __future__ import annotations

from .model import SCHEMA_VERSION, build_report, load_report
from .write import write_reports

__all__ = ["SCHEMA_VERSION", "build_report", "load_report", "write_reports"]
