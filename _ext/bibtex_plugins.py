"""Cache pybtex's and sphinxcontrib-bibtex's plugin lookups for the length of a build.

Both find a plugin (a citation style, a backend) by asking ``importlib.metadata.entry_points`` for it,
and ``entry_points`` reads the metadata of every installed distribution each time. sphinxcontrib-bibtex
asks for every citation it resolves: 93 lookups in this book's build, 1.1 s of the Sphinx phase
(measured 2026-12-02). The installed distributions do not change while Sphinx runs, so the answers are
kept: the same plugins are found (plugins registered at run time are still looked up first, as before)
and each question is asked once. tests/test_site_fixes.py checks both.
"""

from __future__ import annotations

import functools
from importlib.metadata import entry_points


@functools.cache
def cached_entry_points(**selection):
    """``importlib.metadata.entry_points(**selection)``, read once per selection."""
    return entry_points(**selection)


def cache_plugin_lookups() -> None:
    import pybtex.plugin
    import sphinxcontrib.bibtex.plugin

    for module in (pybtex.plugin, sphinxcontrib.bibtex.plugin):
        if module.entry_points not in (entry_points, cached_entry_points):
            raise RuntimeError(f"{module.__name__}.entry_points is no longer importlib.metadata's: "
                               "check what it looks up before caching it (_ext/bibtex_plugins.py)")
        module.entry_points = cached_entry_points


def setup(app):
    cache_plugin_lookups()
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
