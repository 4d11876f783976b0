"""Component ids shared between layouts, callbacks and browser tests."""

URL = "url"
BANNER = "synthetic-banner"
PLAN_BAR = "plan-bar"
NAVBAR = "navbar"
NAVBAR_WRAP = "navbar-wrap"
NAV_TOGGLE = "navbar-toggle"
NAV_COLLAPSE = "navbar-collapse"
SHELL = "app-shell"
MAIN = "main-container"
PAGES_LOCATION = "_pages_location"
USER_MENU = "user-menu"
USER_NAME = "user-name"
INBOX_LINK = "inbox-link"
LOGOUT = "logout"  # Dash's own router Location: pages write state to its search


DATA_STATUS = "data-status-table"
DATA_LOADS = "data-loads-table"
DATA_UPLOAD = "data-upload"
DATA_UPLOAD_DATASET = "data-upload-dataset"
DATA_UPLOAD_RESULT = "data-upload-result"

# Table exports: one shell-wide dcc.Download, and each table's buttons as a pattern-matching id
# {"type": TABLE_EXPORT, "table": key, "fmt": "csv" | "xlsx", "query": the page's URL query}.
EXPORT_DOWNLOAD = "table-export-download"
TABLE_EXPORT = "table-export"
