"""The shipped model plugins (registered as entry points in ``pyproject.toml``)."""
