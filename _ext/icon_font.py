"""Font Awesome cut down to the icons the site shows.

pydata-sphinx-theme draws its icons (search, menu, dark mode, download, full screen, the admonition and
navigation arrows) with Font Awesome 6's web fonts, and every page loads the solid one,
``fa-solid-900.woff2``: 156 KB for about 2,000 icons, of which the site uses about 30. With
``font-display: block`` the icons stay blank until it has loaded. At build-finished this extension
writes, over the theme's copies in ``_static/vendor/fontawesome/webfonts/``, the same fonts with only
the glyphs the built site can ask for (fontTools' subsetter; brotli writes the woff2). Same file names
and font names, so the theme's stylesheet loads them as before.

The glyphs the site can ask for:

1. icon classes (``fa-magnifying-glass``, ``fa-xmark``, ...) that appear in any built HTML page or any
   script under ``_static`` (the theme's JavaScript sets some icons as it runs), mapped to code points by
   Font Awesome's own rules in the stylesheets (``.fa-bars:before{content:"\\f0c9"}``);
2. every code point of the fonts' private use area that the stylesheets use outside those rules (the
   theme's admonition, "on this page" and link icons: ``--pst-icon-...`` and ``content:`` values).

The same goes for the stylesheet: pydata-sphinx-theme.css carries Font Awesome's ~1,800 class rules
(``.fa-bars:before{content:"\f0c9"}``), 84 KB of its 397 KB (20 KB of its 66 KB gzipped), and a page
uses a dozen. Rules for classes that no page or script uses are dropped; everything else in the file
stays as it is.

The subset is always made from the theme's original fonts (in the installed pydata_sphinx_theme), never
from a subset left by an earlier build, so a new icon in the text is found and kept. A class that maps
to no glyph is not an error (``fa-solid``, ``fa-lg`` are styles, not icons). tests/test_site_icons.py
checks the built site: every icon it uses is in the fonts, and the fonts are small.

Why by hand: pydata-sphinx-theme ships the whole fonts and has no option to subset them; subsetting
was proposed upstream (pydata-sphinx-theme issue #2379, draft pull request #2386, closed) and is not
released. Remove this file when the theme subsets its icons itself. Other packages' private API:
none; it reads the theme's installed font and stylesheet files and writes over their copies in the
built site.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

WEBFONTS = Path("vendor") / "fontawesome" / "webfonts"  # under _static, in the theme and in the site
ICON_CLASS = re.compile(r"\bfa-[a-z0-9]+(?:-[a-z0-9]+)*")
# Font Awesome's class rules: ".fa-bars:before,.fa-navicon:before{content:"\f0c9"}"
FA_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)\{content:"\\([0-9a-fA-F]{1,6})"\}')
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{4,6})")
PRIVATE_USE = range(0xE000, 0xF900)


def class_codepoints(css_texts) -> dict[str, int]:
    """``{"fa-bars": 0xF0C9, ...}`` from Font Awesome's rules in the stylesheets."""
    mapping = {}
    for text in css_texts:
        for selectors, code in FA_RULE.findall(text):
            for name in re.findall(r"\.(fa-[a-z0-9-]+):", selectors):
                mapping[name] = int(code, 16)
    return mapping


def css_codepoints(css_texts) -> set[int]:
    """Private-use code points the stylesheets use outside Font Awesome's class rules (as characters or
    as CSS escapes)."""
    found = set()
    for text in css_texts:
        rest = FA_RULE.sub("", text)
        found |= {ord(c) for c in rest if ord(c) in PRIVATE_USE}
        found |= {int(code, 16) for code in CSS_ESCAPE.findall(rest) if int(code, 16) in PRIVATE_USE}
    return found


def used_codepoints(outdir: Path) -> tuple[set[int], set[str]]:
    """(the code points the built site can ask the icon fonts for, the icon classes it uses)."""
    static = outdir / "_static"
    css = [p.read_text(encoding="utf-8", errors="replace") for p in static.rglob("*.css")]
    classes = set()
    for pattern in ("*.html", "*.js"):
        root = outdir if pattern == "*.html" else static
        for page in root.rglob(pattern):
            classes |= set(ICON_CLASS.findall(page.read_text(encoding="utf-8", errors="replace")))
    mapping = class_codepoints(css)
    return {mapping[c] for c in classes if c in mapping} | css_codepoints(css), classes


def theme_static() -> Path:
    """pydata-sphinx-theme's own static files (what Sphinx copies into the site's _static)."""
    import pydata_sphinx_theme

    return Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static"


def theme_webfonts() -> Path:
    return theme_static() / WEBFONTS


def subset_font(source: Path, target: Path, codepoints: set[int]) -> None:
    """Write ``source`` with only the glyphs of ``codepoints`` to ``target`` (woff2 or ttf, by suffix)."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2" if target.suffix == ".woff2" else None
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the font's names and its licence notice
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def strip_unused_rules(css: str, classes: set[str]) -> str:
    """``css`` without the Font Awesome class rules none of whose classes is in ``classes``."""

    def keep(match):
        names = re.findall(r"\.(fa-[a-z0-9-]+):", match.group(1))
        return match.group(0) if any(name in classes for name in names) else ""

    return FA_RULE.sub(keep, css)


def _strip_stylesheets(outdir: Path, classes: set[str]) -> tuple[int, int]:
    """Drop unused Font Awesome class rules from the site's copies of the theme's stylesheets, starting
    from the theme's originals (so a class a later build needs is back). (bytes before, after)."""
    source_dir = theme_static()
    before = after = 0
    for source in sorted(source_dir.rglob("*.css")):
        target = outdir / "_static" / source.relative_to(source_dir)
        if not target.is_file():
            continue
        text = source.read_text(encoding="utf-8")
        if not FA_RULE.search(text):
            continue
        # (its source map no longer matches: drop the link to it)
        stripped = re.sub(r"/\*# sourceMappingURL=[^*]*\*/\s*$", "", strip_unused_rules(text, classes))
        target.write_text(stripped, encoding="utf-8")
        before, after = before + len(text.encode()), after + len(stripped.encode())
    return before, after


def _subset_icon_fonts(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    target_dir = outdir / "_static" / WEBFONTS
    if not target_dir.is_dir():
        return
    # Read before anything is stripped: the class rules map the classes to code points.
    codepoints, classes = used_codepoints(outdir)
    source_dir = theme_webfonts()
    before = after = 0
    for target in sorted(target_dir.iterdir()):
        source = source_dir / target.name
        if target.suffix not in (".woff2", ".ttf"):
            continue
        if not source.is_file():  # the theme moved its fonts: say so rather than ship them whole
            logger.warning("icon fonts: no %s in the theme to subset %s from", source, target.name,
                           type="icon_font", subtype="source")
            continue
        subset_font(source, target, codepoints)
        before += source.stat().st_size
        after += target.stat().st_size
    logger.info("icon fonts: %d glyphs kept, %d KB -> %d KB", len(codepoints), before // 1000, after // 1000)
    css_before, css_after = _strip_stylesheets(outdir, classes)
    logger.info("icon rules in the theme's stylesheets: %d KB -> %d KB", css_before // 1000, css_after // 1000)


def setup(app):
    # After site_fixes' build-finished step (the order does not matter: that one edits only HTML).
    app.connect("build-finished", _subset_icon_fonts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
