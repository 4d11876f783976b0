"""Exports and evaluation reports: tables as CSV/Excel, the plan's evaluation report as PDF/Excel.

- :mod:`reports.tables` — one exportable table (columns with Chinese headers, units,
  number formats) and its provenance; CSV (UTF-8 with BOM) and formatted Excel workbooks.
- :mod:`reports.app_tables` — every table the app shows, as an exportable table.
- :mod:`reports.content` — the evaluation report as data, for one target set, region
  and as-of date (a city's report holds only that city's figures and ranks).
- :mod:`reports.charts` — server-side SVG charts for the PDF.
- :mod:`reports.pdf` / :mod:`reports.workbook` — the report rendered.
- :mod:`reports.jobs` — renders behind the 报告导出 page (a cache on disk, progress).

Nothing here imports Dash: pages call these functions, and so does ``databrain report``.
"""
