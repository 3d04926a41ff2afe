"""Tests of _ext/css_bundle.py, which gives each page one stylesheet instead of thirteen: unit tests on a
small made-up site, and a check of the built site (the browser tests check that pages load without a
failed request and pass axe's colour-contrast rule with the bundle)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from bs4 import BeautifulSoup

import site_support
from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import css_bundle as B  # noqa: E402

HEAD = """<html><head>
  <link href="{up}_static/styles/theme.css?digest=1" rel="stylesheet" />
    <link rel="stylesheet" type="text/css" href="{up}_static/site.css?v=2" />
    <link rel="stylesheet" href="https://example.org/x.css" />
    <link rel="stylesheet" media="print" href="{up}_static/print.css" />
    <link rel="icon" href="{up}_static/favicon.svg"/>
</head><body><link rel="stylesheet" href="{up}_static/late.css" /></body></html>"""


def _site(tmp_path: Path) -> Path:
    static = tmp_path / "_static"
    (static / "styles").mkdir(parents=True)
    (static / "styles" / "theme.css").write_text('@import "../basic.css";\n.t{background:url(../img/a.png)}\n')
    (static / "basic.css").write_text('@charset "UTF-8";\n.b{background:url(file.png)}\n')
    (static / "site.css").write_text('.s{src:url("fonts/f.woff2?x=1")}\n.d{background:url(data:image/png;base64,AA)}\n')
    for name in ("print.css", "late.css", "favicon.svg"):
        (static / name).write_text("")
    (tmp_path / "book").mkdir()
    (tmp_path / "index.html").write_text(HEAD.format(up=""))
    (tmp_path / "book" / "page.html").write_text(HEAD.format(up="../"))
    return tmp_path


def test_pages_get_one_bundle_with_the_same_rules_in_order(tmp_path):
    site = _site(tmp_path)
    assert B.bundle_site(site) == (2, 1)
    [bundle] = (site / "_static").glob("bundle-*.css")
    text = bundle.read_text()
    assert text.startswith('@charset "UTF-8";') and text.count("@charset") == 1
    assert "@import" not in text
    assert text.index(".b{") < text.index(".t{") < text.index(".s{")  # basic.css where theme.css imported it
    assert "url(file.png)" in text and "url(img/a.png)" in text and 'url("fonts/f.woff2?x=1")' in text
    assert "url(data:image/png;base64,AA)" in text
    page = (site / "book" / "page.html").read_text()
    assert f'<link rel="stylesheet" href="../_static/{bundle.name}?v=' in page
    assert "theme.css" not in page and "site.css" not in page
    # left alone: another host, a media query, a link outside <head>, non-stylesheet links
    for kept in ("https://example.org/x.css", 'media="print"', "late.css", "favicon.svg"):
        assert kept in page
    assert f'href="_static/{bundle.name}?v=' in (site / "index.html").read_text()


def test_a_page_not_rewritten_keeps_a_bundle_with_current_rules(tmp_path):
    site = _site(tmp_path)
    B.bundle_site(site)
    [bundle] = (site / "_static").glob("bundle-*.css")
    (site / "_static" / "site.css").write_text(".s{color:blue}\n")  # an incremental build copies it anew
    assert B.bundle_site(site) == (0, 1)  # no page links the originals any more
    assert ".s{color:blue}" in bundle.read_text()


def test_chapter_pages_load_one_stylesheet(site_dir):
    problems = []
    for page in site_support.toc_pages():
        soup = BeautifulSoup((Path(site_dir) / page).read_text(encoding="utf-8"), "html.parser")
        links = [link["href"] for link in soup.head.select('link[rel~="stylesheet"]')]
        if len(links) != 1 or not re.search(r"_static/bundle-[0-9a-f]{12}\.css\?v=", links[0]):
            problems.append(f"{page}: {links}")
        elif not (Path(site_dir) / page).parent.joinpath(links[0].split("?")[0]).resolve().is_file():
            problems.append(f"{page}: {links[0]} is missing")
    assert not problems, "chapter pages should link one stylesheet, the bundle:\n" + "\n".join(problems)
