"""Page modules call ``dash.register_page`` at import, which needs the app to exist first."""

import app  # noqa: F401  (creates the Dash app, registering every page)
