"""Math as MathML, written at build time: no MathJax, no web fonts, no JavaScript for math.

Browsers render MathML Core natively (Chromium since 109, Firefox, Safari), so the TeX in the book is
converted once, when the site is built, by math-core (a LaTeX-to-MathML-Core converter, Rust with
wheels for Linux, macOS and Windows). Before this, every page with math loaded MathJax 3 from
_static/mathjax: tex-chtml.js (264 KB gzipped) and its woff fonts, about 300 KB of a 610-750 KB page,
and typeset the page in the reader's browser after it had loaded.

This module registers the ``mathml`` HTML math renderer (_config.yml sets ``html_math_renderer``):

- inline math becomes ``<span class="math notranslate nohighlight"><math>...</math></span>``;
- display math becomes ``<div class="math notranslate nohighlight" id="equation-..."><span
  class="eqno">(N)<a class="headerlink" ...></a></span><math display="block" tabindex="0">...</math>
  </div>``, the same wrapper, ids, numbers and permalinks as sphinx.ext.mathjax writes, so ``{eq}``
  references and links to equations work as before;
- TeX that math-core cannot convert (an unknown command, an unbalanced brace) is a build warning at the
  equation's source line, so the strict build (-W) fails instead of showing a reader broken math.

Sphinx's MathJax renderer wraps a display equation that has ``\\`` line breaks in ``split`` (an amsmath
environment MathJax knows); math-core has ``aligned``, which lays out the same rows and ``&`` columns,
so we wrap in that instead, and only when a ``\\`` is outside every environment (a ``pmatrix`` row
break needs no wrapper). Blank-line-separated equations in one block become rows of one ``aligned``,
as Sphinx does. tests/test_mathml.py checks the conversions; tests/test_site_browser.py that every
page's math is MathML and nothing loads MathJax.

Why by hand: Sphinx ships MathJax and imgmath renderers only; no released Sphinx extension writes
MathML (math-core converts, this file registers it as Sphinx's ``html_math_renderer`` through
``app.add_html_math_renderer``). Other packages' private API: none (``sphinx.util.math``'s public
helpers).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

ENVIRONMENT = re.compile(r"\\(begin|end)\{[^}]*\}")


class MathError(ValueError):
    """TeX that cannot be converted to MathML."""


_converter = None


def converter():
    global _converter
    if _converter is None:
        from math_core import LatexToMathML

        # fancy_error=False: a plain one-line message (no terminal colours) for the build log.
        _converter = LatexToMathML(fancy_error=False)
    return _converter


def to_mathml(tex: str, *, display: bool) -> str:
    """``tex`` as a ``<math>`` element (``display="block"`` for display math); MathError if it cannot
    be converted."""
    from math_core import LatexError

    try:
        return converter().convert_with_local_state(tex, displaystyle=display)
    except LatexError as error:
        message = " ".join(str(error).split())
        raise MathError(message) from None


def has_top_level_break(tex: str) -> bool:
    """True if ``tex`` has a ``\\\\`` line break outside every ``\\begin{...}...\\end{...}``."""
    depth, position = 0, 0
    for match in ENVIRONMENT.finditer(tex):
        if depth == 0 and r"\\" in tex[position:match.start()]:
            return True
        depth += 1 if match.group(1) == "begin" else -1
        position = match.end()
    return depth == 0 and r"\\" in tex[position:]


def display_tex(tex: str, nowrap: bool = False) -> str:
    """The TeX of a display block as math-core should see it (see the module docstring)."""
    if nowrap:
        return tex
    parts = [part for part in tex.split("\n\n") if part.strip()]
    if len(parts) > 1:
        return r"\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}"
    tex = parts[0] if parts else tex
    if has_top_level_break(tex):
        return r"\begin{aligned}" + tex + r"\end{aligned}"
    return tex


def _fail(self, node, tex: str, error: MathError) -> str:
    logger.warning("cannot convert this math to MathML (%s): %s", error, tex[:200],
                   location=node, type="mathml", subtype="convert")
    return f'<code class="math-error">{self.encode(tex)}</code>'


def html_visit_math(self, node: nodes.math) -> None:
    tex = node.astext()
    try:
        mathml = to_mathml(tex, display=False)
    except MathError as error:
        mathml = _fail(self, node, tex, error)
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(mathml + "</span>")
    raise nodes.SkipNode


def html_visit_displaymath(self, node: nodes.math_block) -> None:
    tex = display_tex(node.astext(), node.get("nowrap", False))
    try:
        # A display equation wider than the column (most long ones, on a phone) scrolls sideways in its
        # own box (book/_static/mathml.css); tabindex lets a keyboard reach and scroll it (axe's
        # "scrollable-region-focusable"). MathJax made its equations focusable too.
        mathml = to_mathml(tex, display=True)
        mathml = mathml.replace('<math display="block"', '<math display="block" tabindex="0"', 1)
    except MathError as error:
        mathml = _fail(self, node, tex, error)
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(mathml + "</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer(
        "mathml", inline_renderers=(html_visit_math, None), block_renderers=(html_visit_displaymath, None)
    )
    app.add_css_file("mathml.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
