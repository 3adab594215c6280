"""Report writers: figures (PNG), results.json, report.md and a self-contained report.html."""

from .write import write_report

__all__ = ["write_report"]
