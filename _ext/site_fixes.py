"""Small fixes to the HTML that Jupyter Book 1.x produces, so that a page loads with no console error and
passes axe-core's accessibility checks.

1. Sphinx 7.4 registers an inline script added by an extension after the builder started (sphinx-thebe's
   ``const THEBE_JS_URL = ...``, sphinx-togglebutton's ``var togglebuttonSelector = ...``) twice: once as
   filename ``None`` and once as ``''``, which compare unequal. The second ``const`` declaration is a
   SyntaxError on every page ("Identifier 'THEBE_JS_URL' has already been declared"). We drop the
   duplicates from each page's script list.
2. docutils 0.21 writes the bibliography as ``<div role="list">`` holding ``<div role="doc-biblioentry">``
   items. ARIA 1.3 deprecates doc-biblioentry and axe-core counts it as no list item, so the references
   page fails axe's critical "aria-required-children" rule. We write ``role="listitem"`` instead.
3. Links in exercises and admonitions have too little contrast with sphinx-book-theme's link colour
   (axe's serious "color-contrast" rule): book/_static/site_fixes.css sets a darker one.

4. Pages light enough for a phone: every page gets a ``<meta name="description">`` (its first
   paragraph, shortened), and every ``<img>`` gets its ``width`` and ``height`` (no layout shift while it
   loads; a "retina" figure's are the size it is shown at, which docutils writes as a style that would
   squash it on a phone) and ``loading="lazy"`` (a phone fetches a figure when it scrolls near it, not with the page).
   book/_templates/layout.html defers the search scripts the theme puts on every page.

5. Sphinx 7.4 copies the static files only when it writes a page: a build in which no page is out of
   date returns before that, so an edited ``book/_static`` file never reached ``_build/html`` until some
   page changed. At build-finished, every file of the project's ``html_static_path`` that is missing
   from ``_static`` or differs from its copy is copied (a full build finds nothing to do).

(The theme's other first-visit console error, "Got invalid theme mode: .", is fixed in _config.yml by
``html_context: {default_mode: auto}``.) tests/test_site_browser.py checks that no page logs an error.

Why by hand: each item fixes or completes what a package does, where the package has no option for
it (a script listed twice, an ARIA role, image sizes, static files not refreshed). Other packages'
private API: one. Deferring other extensions' scripts makes script entries of Sphinx's private class
``sphinx.builders.html._assets._JavaScript`` (Sphinx 7.4 has no public way to change how a script
added by another extension loads); if Sphinx renames it, the build fails at import, not silently.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

logger = logging.getLogger(__name__)

DESCRIPTION_CHARS = 155  # what search engines show of a description
IMG = re.compile(r"<img\b[^>]*>")
STYLE = re.compile(r'\sstyle="([^"]*)"')
SIZE = re.compile(r"(?:^|;)\s*(?P<what>width|height):\s*(?P<px>[\d.]+)px\s*(?=;|$)")


def _style_size(tag: str):
    """``(width, height, tag)`` when the tag's style sets both in pixels (docutils writes myst-nb's size
    of a figure so), with those declarations moved out of the style; else None. As a style, the height
    would stay fixed when the theme narrows the image to a phone's column (a squashed figure); as
    attributes it follows the width (site_fixes.css) and the browser still reserves the space."""
    style = STYLE.search(tag)
    sizes = {m.group("what"): m.group("px") for m in SIZE.finditer(style.group(1))} if style else {}
    if set(sizes) != {"width", "height"}:
        return None
    rest = SIZE.sub("", style.group(1)).strip(" ;")
    tag = tag.replace(style.group(0), f' style="{rest}"' if rest else "")
    return round(float(sizes["width"])), round(float(sizes["height"])), tag


def _lazy(tag: str) -> str:
    return "" if "loading=" in tag else ' loading="lazy" decoding="async"'


def _script_key(script):
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


#: Scripts that inline scripts on the page use as they run: they must stay blocking.
BLOCKING_SCRIPTS = ("documentation_options.js",)


def _deferred(script):
    """The script loaded with ``defer`` (it runs in order, after parsing), unless it is inline, already
    async or deferred, or in :data:`BLOCKING_SCRIPTS`."""
    from sphinx.builders.html._assets import _JavaScript

    filename = getattr(script, "filename", script) or ""
    attributes = dict(getattr(script, "attributes", {}) or {})
    if not filename or "body" in attributes or {"async", "defer"} & set(attributes) \
            or filename.split("?")[0].endswith(BLOCKING_SCRIPTS):
        return script
    return _JavaScript(filename, priority=getattr(script, "priority", 500), **attributes, defer="defer")


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        # 4. nothing but the page itself blocks the first paint; but search.html loads searchtools.js
        # blocking (Sphinx's search template), and it needs doctools.js to have run before it.
        unique.append(script if pagename == "search" else _deferred(script))
    context["script_files"] = unique


def _bibliography_roles(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


#: TeX in a description reads as "\\tau": the commands the book's inline math uses, as characters.
TEX_CHARACTERS = {"tau": "τ", "mu": "μ", "sigma": "σ", "theta": "θ", "eta": "η", "alpha": "α",
                  "beta": "β", "rho": "ρ", "nu": "ν", "lambda": "λ", "log": "log", "exp": "exp",
                  "sim": "~", "le": "≤", "ge": "≥", "times": "×", "approx": "≈", "widehat": ""}


def plain_math(tex: str) -> str:
    """Inline TeX as plain text for a description: Greek letters and a few symbols as characters,
    braces, sub- and superscript marks and unknown commands dropped (``\\log\\tau`` -> ``log τ``)."""
    text = re.sub(r"\\([A-Za-z]+)\s*", lambda m: TEX_CHARACTERS.get(m.group(1), "") + " ", tex)
    text = re.sub(r"\s+([_^,)\]])", r"\1", text)  # "θ _j" -> "θ_j", "τ )" -> "τ)"
    text = re.sub(r"[{}_^$\\]", "", text)
    return " ".join(text.split())


def _paragraph_text(paragraph) -> str:
    parts = []
    for node in paragraph.findall(nodes.Text):
        math = node.parent if isinstance(node.parent, nodes.math) else None
        parts.append(plain_math(node.astext()) if math is not None else node.astext())
    return " ".join("".join(parts).split())


def _first_paragraph(doctree) -> str:
    """The page's first paragraph of prose, outside the chapter header, admonitions and code output."""
    skip = (nodes.admonition, nodes.container, nodes.table, nodes.footnote, nodes.citation)
    for paragraph in doctree.findall(nodes.paragraph):
        parent, inside = paragraph.parent, False
        while parent is not None:
            if isinstance(parent, skip) or "chapter-header" in parent.get("classes", []):
                inside = True
                break
            parent = parent.parent
        text = _paragraph_text(paragraph)
        if not inside and len(text) > 40:
            return text
    return ""


def description(doctree, title: str) -> str:
    """A meta description: the first paragraph cut at a word before DESCRIPTION_CHARS, or the title."""
    text = _first_paragraph(doctree) if doctree is not None else ""
    if not text:
        return title
    if len(text) > DESCRIPTION_CHARS:
        text = text[: DESCRIPTION_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def _meta_description(app, pagename, templatename, context, doctree):
    title = re.sub(r"<[^>]+>", "", context.get("title", "") or "") or app.config.project
    text = description(doctree, html.unescape(title))
    tag = f'<meta name="description" content="{html.escape(text, quote=True)}" />\n'
    context["metatags"] = context.get("metatags", "") + tag


def sized_images(page_html: str, page_path: Path) -> str:
    """``page_html`` with width, height, loading="lazy" and decoding="async" on every local <img> that
    lacks them: the size its style gives in pixels (moved out of the style), else the image file's."""
    from PIL import Image

    def fix(match):
        tag = match.group(0)
        src = re.search(r'\ssrc="([^"]+)"', tag)
        if not src or re.search(r"\swidth=", tag) or "://" in src.group(1) or src.group(1).startswith("data:"):
            return tag
        shown = _style_size(tag)
        if shown:  # shown at a size of its own (a "retina" figure: half its pixels each way)
            width, height, tag = shown
            return tag[:4] + f' width="{width}" height="{height}"' + _lazy(tag) + tag[4:]
        file = (page_path.parent / html.unescape(src.group(1)).split("#")[0].split("?")[0]).resolve()
        if not file.is_file():
            return tag
        try:
            with Image.open(file) as image:
                width, height = image.size
        except Exception:  # noqa: BLE001 - an SVG or an unreadable file: leave the tag alone
            return tag
        return tag[:4] + f' width="{width}" height="{height}"' + _lazy(tag) + tag[4:]

    return IMG.sub(fix, page_html)


def _size_images(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "<img" in text:
            fixed = sized_images(text, page)
            if fixed != text:
                page.write_text(fixed, encoding="utf-8")


def refresh_static(srcdir: Path, outdir: Path, static_paths) -> list[str]:
    """Copy each file under the project's ``static_paths`` (those inside ``srcdir``; extensions add
    their own folders, which Sphinx copies itself) that is missing from ``outdir/_static`` or differs
    from its copy there; return their paths relative to ``_static``. Templates (``*_t``, which Sphinx
    renders) are left to Sphinx."""
    import filecmp
    import shutil

    copied = []
    srcdir = Path(srcdir).resolve()
    for folder in static_paths:
        source = (srcdir / folder).resolve()
        if srcdir not in source.parents:
            continue
        files = [source] if source.is_file() else sorted(f for f in source.rglob("*") if f.is_file())
        for file in files:
            if file.name.endswith("_t"):
                continue
            name = file.name if file == source else file.relative_to(source).as_posix()
            target = Path(outdir) / "_static" / name
            if not target.is_file() or not filecmp.cmp(file, target, shallow=False):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, target)
                copied.append(name)
    return copied


def _refresh_static(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    copied = refresh_static(Path(app.srcdir), Path(app.outdir), app.config.html_static_path)
    if copied:
        logger.info("static files copied again (changed since the last build): %s", ", ".join(copied))


def setup(app):
    # After the other extensions (sphinx.ext.mathjax adds its scripts at the default priority 500).
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _bibliography_roles)
    # 4. Phones: a description for every page, sizes and lazy loading for every image.
    app.connect("html-page-context", _meta_description)
    app.connect("build-finished", _size_images)
    # 5. Before icon_font.py (900) and css_bundle.py (950) read _static.
    app.connect("build-finished", _refresh_static, priority=100)
    # 3. Colour contrast (book/_static/site_fixes.css says why).
    app.add_css_file("site_fixes.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
