"""Table exports of the pages, one module per page (see :mod:`reports.app_tables`)."""
