"""One stylesheet per page instead of thirteen.

A chapter page links 13 local stylesheets in its <head> (the theme's, Sphinx's, and one for each
extension: pygments, togglebutton, copybutton, myst-nb, thebe, sphinx-exercise, sphinx-design, ours).
Each one blocks the first paint, and on a phone's connection each costs a round trip: Lighthouse's
mobile run counted about 480 ms of render-blocking requests, most of them for files under 1 KB.

At build-finished this extension writes, for each list of stylesheets that pages link (every chapter
has the same), one file ``_static/bundle-<hash>.css`` with their text in the same order (so the
cascade is unchanged), and replaces the page's links by one link to it, where the first one was. In
the bundle, ``@import`` of a local stylesheet (the theme's theme.css imports basic.css) is replaced by
that file's text, and each relative ``url(...)`` (fonts, images) is rewritten to point from the
bundle's folder to the same file. Stylesheets from other hosts, with a media query, or missing are left
as their own links.

The bundles are rebuilt from the stylesheets on every build (Sphinx copies them afresh), and a page
that an incremental build did not write again still links a bundle of the same name: the name comes
from the list of files, the content from the files as they are now (_build/html/_static/bundles.json
keeps the lists). tests/test_site_browser.py checks that every page loads, looks as it should (axe's
colour contrast, screenshots) and requests nothing that is missing.

Why by hand: Sphinx has no option to merge stylesheets, and the one Sphinx minifier on PyPI
(sphinx-minify 0.0.1) shrinks the HTML only. Other packages' private API: none; it rewrites the
written HTML files after the build.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

LINK = re.compile(r"[ \t]*<link\b[^>]*>\n?")
STYLESHEET = re.compile(r"""\brel=["']?stylesheet\b""")
HREF = re.compile(r"""\bhref=["']([^"']+)["']""")
URL = re.compile(r"""url\(\s*(["']?)([^"')]+)\1\s*\)""")
IMPORT = re.compile(r"""@import\s+(?:url\()?\s*["']([^"']+)["']\s*\)?\s*;""")
CHARSET = re.compile(r"""@charset\s+["'][^"']*["']\s*;""")
MANIFEST = "bundles.json"


def _is_local(url: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", url, re.I)


def rebase_css(text: str, source: Path, target_dir: Path, static: Path, seen=None) -> str:
    """``text`` (the stylesheet at ``source``) for a file in ``target_dir``: local @imports inlined,
    relative url()s rewritten."""
    seen = set() if seen is None else seen

    def rebase(match):
        quote, url = match.groups()
        if not _is_local(url):
            return match.group(0)
        path, _, rest = url.partition("?")
        target = (source.parent / path).resolve()
        relative = posixpath.relpath(target.as_posix(), target_dir.resolve().as_posix())
        return f"url({quote}{relative}{'?' + rest if rest else ''}{quote})"

    # url()s of this file are rewritten; an inlined @import's text comes rewritten for its own place.
    parts, position = [], 0
    for match in IMPORT.finditer(text):
        parts.append(URL.sub(rebase, text[position:match.start()]))
        position = match.end()
        url = match.group(1)
        imported = (source.parent / url.split("?")[0]).resolve()
        if not _is_local(url) or not imported.is_file():
            parts.append(match.group(0))
        elif imported not in seen:
            seen.add(imported)
            parts.append(rebase_css(imported.read_text(encoding="utf-8"), imported, target_dir, static, seen))
    parts.append(URL.sub(rebase, text[position:]))
    return "".join(parts)


def stylesheet_links(page_html: str, page: Path, outdir: Path) -> list[tuple[str, Path]]:
    """The page's local stylesheet <link> tags, in order, with the file each one loads."""
    head = page_html.split("</head>", 1)[0]
    found = []
    for match in LINK.finditer(head):
        tag = match.group(0)
        href = HREF.search(tag)
        if not STYLESHEET.search(tag) or not href or "media=" in tag or not _is_local(href.group(1)):
            continue
        file = (page.parent / href.group(1).split("?")[0]).resolve()
        if file.is_file() and outdir.resolve() in file.parents:
            found.append((tag, file))
    return found


def bundle_name(files: list[Path], outdir: Path) -> str:
    key = "\n".join(f.relative_to(outdir.resolve()).as_posix() for f in files)
    return f"bundle-{hashlib.sha1(key.encode()).hexdigest()[:12]}.css"


def write_bundle(files: list[Path], target: Path, static: Path) -> str:
    parts = []
    for file in files:
        name = file.relative_to(static.resolve()).as_posix() if static.resolve() in file.parents else file.name
        text = rebase_css(file.read_text(encoding="utf-8"), file, target.parent, static)
        parts.append(f"/* {name} */\n{text}\n")
    # One @charset, first (the theme's stylesheets use UTF-8 icon characters); others would be misplaced.
    content = '@charset "UTF-8";\n' + CHARSET.sub("", "".join(parts))
    target.write_text(content, encoding="utf-8")
    return hashlib.sha1(content.encode()).hexdigest()[:8]


def bundle_site(outdir: Path) -> tuple[int, int]:
    """Bundle the stylesheets of every page under ``outdir``: (pages changed, bundles written)."""
    outdir = Path(outdir)
    static = outdir / "_static"
    manifest_path = static / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    pages = {}
    for page in outdir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        links = stylesheet_links(text, page, outdir)
        if len(links) > 1:
            pages[page] = (text, links)
            files = [file for _, file in links]
            manifest[bundle_name(files, outdir)] = [f.relative_to(outdir.resolve()).as_posix() for f in files]
    versions = {}
    for name, files in manifest.items():
        paths = [(outdir / f).resolve() for f in files]
        if all(p.is_file() for p in paths):
            versions[name] = write_bundle(paths, static / name, static)
    for page, (text, links) in pages.items():
        name = bundle_name([file for _, file in links], outdir)
        href = posixpath.relpath((static / name).as_posix(), page.parent.as_posix())
        first, *rest = (tag for tag, _ in links)
        indent = re.match(r"[ \t]*", first).group(0)
        text = text.replace(first, f'{indent}<link rel="stylesheet" href="{href}?v={versions[name]}" />\n', 1)
        for tag in rest:
            text = text.replace(tag, "", 1)
        page.write_text(text, encoding="utf-8")
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return len(pages), len(versions)


def _bundle(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    pages, bundles = bundle_site(Path(app.outdir))
    logger.info("stylesheets: %d pages now load one bundle (%d bundles)", pages, bundles)


def setup(app):
    # Last: after icon_font.py has cut the theme's stylesheet (priority 900).
    app.connect("build-finished", _bundle, priority=950)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
