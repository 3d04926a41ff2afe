"""Unit tests of _ext/mathml.py, which writes the book's math as MathML at build time (the built pages
are checked in the browser by tests/test_site_browser.py::test_math_renders_as_mathml).

Every ``$...$``, ``$$...$$`` and ``{math}`` block in the book's chapters must convert: an equation
math-core cannot convert would be a warning, so the strict build fails; this test says which one, fast.
"""

from __future__ import annotations

import re
import sys

import pytest

from conftest import BOOK, ROOT

sys.path.insert(0, str(ROOT / "_ext"))
import mathml as M  # noqa: E402

CODE_CELL = re.compile(r"^```\{code-cell\}.*?^```", re.M | re.S)
MATH_DIRECTIVE = re.compile(r"^```\{math\}[^\n]*\n(?::[^\n]*\n)*(.*?)^```", re.M | re.S)
DISPLAY = re.compile(r"\$\$(.*?)\$\$(?:\s*\([^)]*\))?", re.S)
INLINE = re.compile(r"(?<![\\$])\$([^$\n]+?)\$(?!\$)")
INLINE_CODE = re.compile(r"``.*?``|`[^`\n]*`")


def book_math():
    """(file, TeX, display?) for every equation in the book's Markdown (code cells left out)."""
    found = []
    for page in sorted(BOOK.glob("*.md")):
        text = CODE_CELL.sub("", page.read_text(encoding="utf-8"))
        for block in MATH_DIRECTIVE.findall(text):
            found.append((page.name, block, True))
        text = MATH_DIRECTIVE.sub("", text)
        for block in DISPLAY.findall(text):
            found.append((page.name, block, True))
        text = INLINE_CODE.sub("", DISPLAY.sub("", text))
        found += [(page.name, tex, False) for tex in INLINE.findall(text)]
    return found


def test_the_book_has_math_to_check():
    math = book_math()
    assert sum(display for _, _, display in math) >= 30 and len(math) >= 500, len(math)


def test_every_equation_in_the_book_converts():
    failures = []
    for name, tex, display in book_math():
        try:
            out = M.to_mathml(M.display_tex(tex) if display else tex, display=display)
        except M.MathError as error:
            failures.append(f"{name}: {tex.strip()[:100]!r}: {error}")
            continue
        if not out.startswith("<math") or ("display=\"block\"" in out) != display:
            failures.append(f"{name}: {tex.strip()[:100]!r}: unexpected output {out[:100]!r}")
    assert not failures, "math that math-core cannot convert:\n" + "\n".join(f"  - {f}" for f in failures)


@pytest.mark.parametrize(
    "tex",
    [
        r"\mathrm{Normal}(\mu, \tau)",
        r"\operatorname{sd}(\theta_j \mid \mu, \tau, y)",
        r"\big(0, e^{v/2}\big) \Big[\prod_i p_i\Big]",
        r"\tfrac{1}{2} + \frac{\hat\tau^2}{\hat\tau^2 + \hat\sigma^2 / n_j}",
        r"\begin{pmatrix} a_j \\ b_j \end{pmatrix}",
        r"\text{const} \qquad \bar y_j \approx \tilde\theta_j",
    ],
)
def test_book_commands_convert(tex):
    assert M.to_mathml(tex, display=False).startswith("<math>")


def test_unknown_command_is_an_error():
    with pytest.raises(M.MathError, match="nosuchmacro"):
        M.to_mathml(r"x = \nosuchmacro{y}", display=False)
    with pytest.raises(M.MathError):
        M.to_mathml(r"\frac{1}{2", display=True)


def test_line_breaks_outside_environments_get_an_aligned_wrapper():
    assert M.has_top_level_break(r"a &= b \\ c &= d")
    assert not M.has_top_level_break(r"\begin{pmatrix} a \\ b \end{pmatrix} = x")
    assert M.has_top_level_break(r"\begin{pmatrix} a \\ b \end{pmatrix} \\ y")
    assert not M.has_top_level_break(r"\begin{aligned} a &= b \\ c &= d \end{aligned}")
    assert M.display_tex(r"a &= b \\ c &= d") == r"\begin{aligned}a &= b \\ c &= d\end{aligned}"
    assert M.display_tex("a = b\n\nc = d") == r"\begin{aligned}a = b\\c = d\end{aligned}"
    assert M.display_tex(r"\begin{pmatrix} a \\ b \end{pmatrix}") == r"\begin{pmatrix} a \\ b \end{pmatrix}"
    assert M.display_tex(r"a \\ b", nowrap=True) == r"a \\ b"
    # what the wrapper gives converts (math-core has no `split`, which Sphinx's MathJax renderer uses)
    M.to_mathml(M.display_tex(r"a &= b \\ c &= d"), display=True)
