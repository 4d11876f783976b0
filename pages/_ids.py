"""Component ids shared between layouts, callbacks and browser tests."""

URL = "url"
BANNER = "synthetic-banner"

HOME_MAP = "home-coverage-map"
HOME_CARDS = "home-cards"

DATA_STATUS = "data-status-table"
DATA_LOADS = "data-loads-table"
DATA_UPLOAD = "data-upload"
DATA_UPLOAD_DATASET = "data-upload-dataset"
DATA_UPLOAD_RESULT = "data-upload-result"
