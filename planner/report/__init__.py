"""Reports: the design and governance reports as self-contained HTML and PDF, and a model card.

`render_reports` builds every document in memory from the project, its Assessment, the audit
results, the release decision and the change log; `write_reports` writes them atomically. Templates
live in `templates/report/` and a project overrides any of them by name from its own `templates/`.
"""

from planner.report.writer import FORMATS, KINDS, render_reports, report_date, write_reports

__all__ = ["FORMATS", "KINDS", "render_reports", "report_date", "write_reports"]
