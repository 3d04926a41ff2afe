"""The built site's Font Awesome fonts, which _ext/icon_font.py cuts down to the icons the site uses:
every icon a page or the theme's stylesheet or scripts can show has its glyph in the fonts, and the
fonts stay small. Pure Python over _build/html (fontTools reads the fonts; no browser).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fontTools.ttLib import TTFont

import site_support
from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import icon_font  # noqa: E402

SOLID_LIMIT_BYTES = 20_000  # the theme's whole fa-solid-900.woff2 is 156 KB
# Icons the theme shows on every page (search, menu, dark mode, contents, download, full screen) and the
# admonition icon of the chapters' "Run this chapter yourself" box (a tip: the lightbulb).
ALWAYS = {"fa-magnifying-glass": 0xF002, "fa-bars": 0xF0C9, "fa-list": 0xF03A, "fa-download": 0xF019,
          "fa-expand": 0xF065, "fa-circle-half-stroke": 0xF042, "lightbulb": 0xF0EB}


def _fonts(site_dir: Path) -> dict[str, set[int]]:
    folder = Path(site_dir) / "_static" / icon_font.WEBFONTS
    fonts = {p.name: set(TTFont(p).getBestCmap()) for p in sorted(folder.glob("*.woff2"))}
    assert "fa-solid-900.woff2" in fonts, f"no Font Awesome fonts in {folder}: did the theme change?"
    return fonts


def test_every_icon_the_site_uses_is_in_the_fonts(site_dir):
    fonts = _fonts(site_dir)
    solid = fonts["fa-solid-900.woff2"]
    drawn = set().union(*fonts.values())  # the brand icons (GitHub, GitLab) are in fa-brands-400
    needed, classes = icon_font.used_codepoints(Path(site_dir))
    assert needed >= set(ALWAYS.values()), (
        f"the site should use at least the theme's usual icons; missing: "
        f"{sorted(hex(c) for c in set(ALWAYS.values()) - needed)}")
    # Font Awesome's full class rules, from the theme itself (the site's copy keeps only the used ones)
    theme_css = [p.read_text(encoding="utf-8") for p in icon_font.theme_static().rglob("*.css")]
    mapping = icon_font.class_codepoints(theme_css)
    site_css = [p.read_text(encoding="utf-8", errors="replace") for p in (Path(site_dir) / "_static").rglob("*.css")]
    kept = icon_font.class_codepoints(site_css)
    missing = []
    for page in site_support.toc_pages():
        soup = BeautifulSoup((Path(site_dir) / page).read_text(encoding="utf-8"), "html.parser")
        for element in soup.select('[class*="fa-"]'):
            for name in element.get("class", []):
                if name in mapping and name not in kept:
                    missing.append(f"{page}: {name}: its rule was dropped from the stylesheet")
                elif name in mapping and mapping[name] not in solid:
                    missing.append(f"{page}: {name} (U+{mapping[name]:04X})")
    missing += [f"stylesheet or script: U+{c:04X}" for c in sorted(needed) if c not in drawn]
    assert not missing, (
        "icons the site shows whose glyph is not in the subset fonts or whose rule is gone (_ext/icon_font.py):\n"
        + "\n".join(f"  - {m}" for m in sorted(set(missing))))


def test_icon_fonts_and_rules_are_small(site_dir):
    folder = Path(site_dir) / "_static" / icon_font.WEBFONTS
    size = (folder / "fa-solid-900.woff2").stat().st_size
    assert size < SOLID_LIMIT_BYTES, (
        f"fa-solid-900.woff2 is {size / 1000:.0f} KB: _ext/icon_font.py did not subset it")
    css = (Path(site_dir) / "_static" / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    rules = len(icon_font.FA_RULE.findall(css))
    assert rules < 100, f"pydata-sphinx-theme.css still has {rules} Font Awesome class rules (the theme's: ~1,800)"


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ('.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}', {}),
        ('.x:after{content:"\\f107";font-family:Font Awesome\\ 6 Free}', {0xF107}),
        ("html{--pst-icon-lightbulb:\"\uf0eb\"}", {0xF0EB}),
        ('.a:before{content:"\\2014"}', {}),
    ],
)
def test_css_codepoints_outside_class_rules(css, expected):
    assert icon_font.css_codepoints([css]) == set(expected)
    if "fa-bars" in css:
        assert icon_font.class_codepoints([css]) == {"fa-bars": 0xF0C9, "fa-navicon": 0xF0C9}


def test_unused_rules_are_dropped_and_used_ones_kept():
    css = '.a{color:red}.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-xmark:before{content:"\\f00d"}'
    assert icon_font.strip_unused_rules(css, {"fa-navicon"}) == '.a{color:red}.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}'
    assert icon_font.strip_unused_rules(css, set()) == ".a{color:red}"
