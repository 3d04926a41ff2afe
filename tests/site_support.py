"""Helpers for the tests of the built website (tests/test_site_*.py, tests/test_links.py) and for
tests/bench/page_weight.py: the pages in the table of contents, a local HTTP server for the built site,
and Debian's Chromium driven by Playwright.

No pytest here, so that ``make bench`` can use it too.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import lint_book

ROOT = Path(__file__).resolve().parent.parent
TOC = ROOT / "_toc.yml"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = f"{CHROMIUM} not found: install Debian's chromium: apt-get install chromium"
# Playwright cannot download its own browsers here. Without the background-networking flags Chromium
# calls Google hosts on start (and fails, offline).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
# Any http(s)/ws(s) URL whose host is not this machine.
OTHER_HOSTS = re.compile(r"^(?!(https?|wss?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/)[a-z]+://")


def toc_files(toc: Path = TOC) -> list[str]:
    """The documents of _toc.yml in reading order (root first), as written there (``book/funnel``)."""
    return [str(Path(f).with_suffix("")) if f.endswith((".md", ".ipynb")) else f for f in lint_book.toc_files(toc)]


def toc_pages(toc: Path = TOC) -> list[str]:
    """The HTML page of each document in _toc.yml, relative to the site root (``book/funnel.html``)."""
    return [f + ".html" for f in toc_files(toc)]


def is_local_url(url: str) -> bool:
    """True for a request that stays on this machine (the test server, or an inline data/blob URL)."""
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    return parts.hostname in LOCAL_HOSTS


# Text files a static host (GitHub Pages, Netlify, Read the Docs, nginx) sends gzip-compressed.
COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")


class _SiteHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site like a static host: text files gzip-compressed when the browser accepts it,
    so the page weights the browser measures are what a reader downloads."""

    _gzip_cache: dict = {}  # (path, mtime) -> compressed bytes, shared by the server's threads

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_GET(self):
        path = Path(self.translate_path(self.path))
        ctype = self.guess_type(str(path))
        if (
            not path.is_file()
            or "gzip" not in self.headers.get("Accept-Encoding", "")
            or not ctype.startswith(COMPRESSED_TYPES)
        ):
            return super().do_GET()
        key = (str(path), path.stat().st_mtime_ns)
        body = self._gzip_cache.get(key)
        if body is None:
            body = self._gzip_cache[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        self.wfile.write(body)


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # The browser closing a connection early (a cancelled image, a page closed mid-load) is normal.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def require_site(site_dir: Path) -> None:
    """FileNotFoundError with a hint unless ``site_dir`` holds a built site (its index.html)."""
    if not (Path(site_dir) / "index.html").is_file():
        raise FileNotFoundError(f"no built site at {site_dir} (no index.html); run 'make book'")


@contextlib.contextmanager
def serve(site_dir: Path):
    """Serve ``site_dir`` on 127.0.0.1 at a free port in a background thread, text gzip-compressed as a
    static host does; yield the base URL (ending in ``/``). The server stops when the block ends."""
    require_site(site_dir)
    handler = functools.partial(_SiteHandler, directory=str(site_dir))
    server = _QuietServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def require_chromium() -> None:
    """RuntimeError with an install hint unless Debian's Chromium is installed."""
    if not CHROMIUM.exists():
        raise RuntimeError(CHROMIUM_MISSING)


def launch_chromium(playwright):
    """Launch Debian's Chromium headless through Playwright; RuntimeError with an install hint if absent."""
    require_chromium()
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def block_other_hosts(context, seen: list[str] | None = None):
    """Abort every request from ``context`` to a host other than localhost, so a page behaves the same
    with or without a network; append the URL of each blocked request to ``seen``."""

    def handle(route):
        if seen is not None:
            seen.append(route.request.url)
        route.abort("blockedbyclient")

    # A regular expression is matched inside the browser, so local requests are not slowed down.
    context.route(OTHER_HOSTS, handle)


def wait_until_settled(page):
    """After ``load``: wait for MathJax to finish typesetting (if the page loads it) and for the network
    to go quiet (MathJax fetches its fonts and extensions lazily)."""
    page.evaluate(
        """async () => {
            const mj = window.MathJax;
            if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; }
        }"""
    )
    page.wait_for_load_state("networkidle")
