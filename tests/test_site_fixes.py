"""Unit tests of _ext/site_fixes.py's page fixes for phones (the built site is checked in the browser
tests): meta descriptions, and image sizes with lazy loading."""

from __future__ import annotations

import sys

from docutils import nodes
from PIL import Image

from conftest import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import site_fixes as F  # noqa: E402


def _doc(*paragraphs, header=None):
    doc = nodes.document("", "")
    if header is not None:
        box = nodes.container(classes=["chapter-header"])
        box += nodes.paragraph(text=header)
        doc += box
    for text in paragraphs:
        doc += nodes.paragraph(text=text)
    return doc


def test_description_is_the_first_paragraph_outside_the_header_cut_at_a_word():
    long = "Partial pooling pulls each group's estimate toward the mean of all groups " * 4
    text = F.description(_doc(long, header="In this chapter you will learn many things at once."), "Title")
    assert text.startswith("Partial pooling") and text.endswith("…") and len(text) <= F.DESCRIPTION_CHARS
    assert not text[:-1].endswith(" ")


def test_description_falls_back_to_the_title():
    assert F.description(_doc("Too short."), "Glossary") == "Glossary"
    assert F.description(None, "Search") == "Search"


def test_images_get_their_size_and_lazy_loading(tmp_path):
    (tmp_path / "_images").mkdir()
    Image.new("RGB", (640, 380)).save(tmp_path / "_images" / "fig.png")
    page = tmp_path / "book" / "page.html"
    page.parent.mkdir()
    html = '<p><img alt="A funnel" src="../_images/fig.png" /></p><img src="https://x.org/a.png">'
    fixed = F.sized_images(html, page)
    assert '<img width="640" height="380" loading="lazy" decoding="async" alt="A funnel"' in fixed
    assert '<img src="https://x.org/a.png">' in fixed  # not ours: left alone
    assert F.sized_images(fixed, page) == fixed  # sized once only


def test_a_retina_figure_gets_the_size_it_is_shown_at_as_attributes(tmp_path):
    """myst-nb passes a "retina" PNG's shown size (half its pixels) to docutils, which writes it as a
    style: a fixed height that a phone's narrower column would squash. It becomes width and height."""
    page = tmp_path / "page.html"
    html = ('<img alt="A funnel" src="_images/f.png" style="width: 614px; height: 365px;" />'
            '<img src="_images/g.png" style="width: 300px; height: 200px; border: 0" />')
    fixed = F.sized_images(html, page)  # no image file needed: the style gives the size
    assert '<img width="614" height="365" loading="lazy" decoding="async" alt="A funnel" ' \
           'src="_images/f.png" />' in fixed
    assert '<img width="300" height="200" loading="lazy" decoding="async" src="_images/g.png" ' \
           'style="border: 0" />' in fixed
    assert F.sized_images(fixed, page) == fixed


def test_a_missing_image_file_is_left_alone(tmp_path):
    html = '<img src="nope.png">'
    assert F.sized_images(html, tmp_path / "page.html") == html


def test_refresh_static_copies_what_changed_and_only_the_projects_files(tmp_path):
    """An edited book/_static file reaches _build/html even when no page is out of date."""
    src, out, outside = tmp_path / "src", tmp_path / "out", tmp_path / "extension_static"
    (src / "book" / "_static" / "scripts").mkdir(parents=True)
    (out / "_static" / "scripts").mkdir(parents=True)
    outside.mkdir()
    static = src / "book" / "_static"
    (static / "same.css").write_text("a {}")
    (out / "_static" / "same.css").write_text("a {}")
    (static / "edited.css").write_text("b { color: red }")
    (out / "_static" / "edited.css").write_text("b { color: blue }")  # same size, other content
    (static / "scripts" / "new.js").write_text("1;")
    (static / "page.js_t").write_text("{{ x }}")  # a template: Sphinx renders it, we leave it
    (outside / "theirs.css").write_text("c {}")
    copied = F.refresh_static(src, out, ["book/_static", str(outside)])
    assert sorted(copied) == ["edited.css", "scripts/new.js"]
    assert (out / "_static" / "edited.css").read_text() == "b { color: red }"
    assert not (out / "_static" / "page.js_t").exists() and not (out / "_static" / "theirs.css").exists()
    assert F.refresh_static(src, out, ["book/_static"]) == []  # nothing left to do


def test_a_description_spells_inline_math_as_characters():
    """The first paragraph may hold math: the description reads "small τ", not "small \\tau"."""
    paragraph = nodes.paragraph("", "", nodes.Text("The divergences sit at small "), nodes.math("", r"\tau"),
                                nodes.Text(" and large "), nodes.math("", r"\theta_j \sim \mathrm{Normal}(\mu, \tau)"),
                                nodes.Text(", which is the point of this long enough paragraph."))
    section = nodes.section("", nodes.title("", "T"), paragraph)
    text = F.description(section, "T")
    assert "small τ and large θj ~ Normal(μ, τ)," in text and "\\" not in text, text
