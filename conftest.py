"""Collection rules for the whole repository (the shared fixtures are in tests/conftest.py)."""

# Page modules call dash.register_page at import, which needs a Dash app first: tests import them
# through dashboard.create_app, so they are not collected for doctests on their own.
collect_ignore_glob = ["dashboard/pages/*.py"]
