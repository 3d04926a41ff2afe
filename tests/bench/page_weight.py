"""Page weight of the built site: for each page in _toc.yml, the bytes a first visit transfers (the HTML and
every local resource the page loads: images, scripts, stylesheets, fonts, MathJax and its fonts),
measured in Debian's Chromium with an empty cache, from a local server that gzip-compresses text files
as static hosts (GitHub Pages, Netlify, Read the Docs) do. The table also shows the uncompressed bytes.

    .venv/bin/python tests/bench/page_weight.py [SITE_DIR]     # default: _build/html

``make bench`` calls ``main()``; tests/test_site_browser.py asserts each page stays under LIMIT_BYTES (400 KB,
issue 14's budget for a phone: Lighthouse's total byte weight, which tests/bench/lighthouse_scores.py reports).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for site_support

import site_support  # noqa: E402

LIMIT_BYTES = 400_000  # a chapter page on a phone's first visit (issue 14); the test's limit


def transfer_size(response) -> int:
    """Bytes on the wire for one response: headers plus (compressed) body."""
    try:
        sizes = response.request.sizes()
        return max(sizes["responseHeadersSize"], 0) + max(sizes["responseBodySize"], 0)
    except Exception:  # the request was aborted or the body is gone: count what we can
        return 0


def decoded_size(response) -> int:
    """Bytes of the file itself (the body after decompression)."""
    try:
        return len(response.body())
    except Exception:
        return 0


def measure_page(browser, url: str) -> tuple[int, int, list[tuple[str, int, int]]]:
    """One cold visit to ``url`` (new context, empty cache): (transfer bytes, file bytes, and for each
    response (url, transfer bytes, file bytes))."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    site_support.block_other_hosts(context)
    responses = []
    context.on("response", lambda response: responses.append(response))
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        site_support.wait_until_settled(page)
        items = [(r.url, transfer_size(r), decoded_size(r)) for r in responses]
    finally:
        context.close()
    return sum(i[1] for i in items), sum(i[2] for i in items), items


def measure_pages(site_dir, *, browser=None, base_url=None, pages=None):
    """``[(page, transfer bytes, file bytes), ...]`` for each page in _toc.yml (or ``pages``)."""
    pages = list(pages) if pages is not None else site_support.toc_pages()
    if browser is not None and base_url is not None:
        return [(p, *measure_page(browser, base_url + p)[:2]) for p in pages]

    from playwright.sync_api import sync_playwright

    with site_support.serve(Path(site_dir)) as served, sync_playwright() as playwright:
        own_browser = site_support.launch_chromium(playwright)
        try:
            return [(p, *measure_page(own_browser, served + p)[:2]) for p in pages]
        finally:
            own_browser.close()


def page_weights(site_dir, *, browser=None, base_url=None, pages=None) -> list[tuple[str, int]]:
    """``[(page, bytes), ...]``: each page's transfer size on a cold visit, in table-of-contents order.

    With no ``browser``/``base_url``, serves ``site_dir`` on localhost (gzip for text, as static hosts
    do) and launches Chromium itself; the tests pass their own session's browser and server.
    """
    rows = measure_pages(site_dir, browser=browser, base_url=base_url, pages=pages)
    return [(page, transfer) for page, transfer, _ in rows]


def format_table(rows: list[tuple[str, int, int]]) -> str:
    width = max([len("page")] + [len(row[0]) for row in rows])
    rule = "-" * (width + 32)
    lines = [f"{'page':<{width}}  {'transfer kB':>11}  {'of limit':>8}  {'files kB':>8}", rule]
    for page, transfer, files in rows:
        flag = "  OVER" if transfer >= LIMIT_BYTES else ""
        lines.append(
            f"{page:<{width}}  {transfer / 1000:11.0f}  {transfer / LIMIT_BYTES:8.0%}  "
            f"{files / 1000:8.0f}{flag}"
        )
    lines.append(rule)
    lines.append(f"{'largest':<{width}}  {max(r[1] for r in rows) / 1000:11.0f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    site_dir = Path(argv[0]) if argv else site_support.ROOT / "_build" / "html"
    try:
        rows = measure_pages(site_dir)
    except (RuntimeError, FileNotFoundError) as error:
        print(f"page_weight: {error}", file=sys.stderr)
        return 1
    print(
        "Page weight of a first visit (empty cache): the HTML and every local resource it loads.\n"
        "transfer = bytes on the wire, text gzip-compressed as static hosts send it (the test's limit is\n"
        f"{LIMIT_BYTES / 1000:.0f} kB); files = the same files uncompressed."
    )
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
