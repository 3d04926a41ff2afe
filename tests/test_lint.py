"""The chapter lint on the real book, and on bad examples that each check must catch."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

import lint_book as L
from conftest import ROOT

PAGES = L.book_pages()


def test_toc_and_files_agree():
    assert L.check_toc() == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_passes_lint(page):
    assert L.lint(page) == []


@pytest.mark.parametrize("chapter", L.part_chapters(), ids=str)
def test_teaching_chapter_shape(chapter):
    assert L.check_chapter_shape(ROOT / f"{chapter}.md") == []


# ---- each check, shown failing on a bad example ------------------------------------------------

FRONT = "---\njupytext: {text_representation: {extension: .md, format_name: myst}}\nkernelspec: {display_name: Python 3, language: python, name: python3}\n---\n# T\n\n"


CHAPTER = FRONT + ":::{chapter-header}\n:reading: 1\n:exercises: 1\n:prerequisites: none\n- learn\n:::\n\n"


def write(tmp_path, body, front=FRONT):
    page = tmp_path / "bad.md"
    page.write_text(front + textwrap.dedent(body))
    return page


def test_lint_catches_missing_front_matter(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\nx = 1\n```\n", front="# T\n\n")
    assert any("no front matter" in p for p in L.check_front_matter(page))


def test_lint_catches_unknown_tag(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\n:tags: [hide_input]\nx = 1\n```\n")
    assert any("'hide_input'" in p for p in L.check_tags(page))


@pytest.mark.parametrize(
    "call",
    [
        "idata = pm.sample(1000, nuts_sampler='nutpie')",
        "prior = pm.sample_prior_predictive(draws=100)",
        "post = pm.sample_posterior_predictive(idata)",
        "idata = nutpie.sample(compiled, draws=100)",
    ],
)
def test_lint_catches_unseeded_sampling(tmp_path, call):
    page = write(tmp_path, f"```{{code-cell}} ipython3\nwith model:\n    {call}\n```\n")
    assert any("without" in p for p in L.check_seeded_sampling(page))


def test_lint_accepts_seeded_sampling(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\nidata = pm.sample(\n    10,\n    random_seed=rng,\n)\n```\n")
    assert L.check_seeded_sampling(page) == []


@pytest.mark.parametrize("call", ["idata = pm.sample(random_seed=rng)", "compiled = nutpie.compile_pymc_model(model)",
                                  "x = pm.draw(pm.Normal.dist(), random_seed=rng)",
                                  "idata = formula_model.fit(inference_method='nutpie', random_seed=rng)",
                                  "prior = pm.sample_prior_predictive(draws=10, random_seed=rng)",
                                  "pm.compute_log_likelihood(idata, model=model)"])
def test_lint_catches_compiling_before_fastmath_is_off(tmp_path, call):
    late = write(tmp_path, f"```{{code-cell}} ipython3\n{call}\n```\n\n```{{code-cell}} ipython3\n{L.FASTMATH_OFF}\n```\n")
    assert any("before" in p for p in L.check_fastmath_off_before_compiling(late))
    missing = write(tmp_path, f"```{{code-cell}} ipython3\nimport pytensor\n```\n\n```{{code-cell}} ipython3\n{call}\n```\n")
    assert any("before" in p for p in L.check_fastmath_off_before_compiling(missing))
    first = write(tmp_path, f"```{{code-cell}} ipython3\n{L.FASTMATH_OFF}\n```\n\n```{{code-cell}} ipython3\n{call}\n```\n")
    assert L.check_fastmath_off_before_compiling(first) == []


def test_lint_fastmath_check_reads_code_not_comments(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\n# later: pm.sample(...)\ntext = 'nutpie.sample('\n```\n")
    assert L.check_fastmath_off_before_compiling(page) == []


def test_lint_catches_always_true_rhat_check(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\nassert all(az.rhat(idata) < 1.01)\n```\n")
    assert L.check_seeded_sampling(page)


def test_lint_catches_figure_without_caption_or_alt(tmp_path):
    page = write(tmp_path, "```{code-cell} ipython3\nfig, ax = plt.subplots()\n```\n")
    problems = L.check_figures(page)
    assert any("caption" in p for p in problems) and any("alt text" in p for p in problems)


def test_lint_accepts_figure_with_caption_and_alt(tmp_path):
    body = """\
    ```{code-cell} ipython3
    ---
    mystnb:
      figure:
        caption: Class means.
        name: fig-x
      image:
        alt: Five dots, one per class, between 0.6 and 0.8 on the vertical axis.
    ---
    fig, ax = plt.subplots()
    ```
    """
    assert L.check_figures(write(tmp_path, body)) == []


def test_lint_catches_unglued_key(tmp_path):
    body = '```{code-cell} ipython3\nglue("a_key", 1, display=False)\n```\n\nText {glue:text}`a_key:.1f` and {glue:text}`b_key:.2f`.\n'
    assert L.check_glue_keys(write(tmp_path, body)) == ["bad.md: glue key 'b_key' is used but never glued in this chapter"]


def test_lint_catches_toc_drift(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    (book / "index.md").write_text("# I\n")
    (book / "orphan.md").write_text("# O\n")
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: book/index\nchapters:\n  - file: book/missing\n")
    problems = L.check_toc(book, toc)
    assert any("book/missing" in p for p in problems) and any("orphan.md is not in _toc.yml" in p for p in problems)


def test_lint_catches_thin_chapter(tmp_path):
    page = write(tmp_path, "Some text.\n\n:::{exercise}\n:label: x\nDo it.\n:::\n")
    problems = L.check_chapter_shape(page)
    assert len(problems) == 4  # no header, no takeaways, too few exercises, a missing solution


@pytest.mark.parametrize("chapter", L.part_chapters(), ids=str)
def test_glossary_terms_linked_at_first_use(chapter):
    assert L.check_glossary_links(ROOT / f"{chapter}.md") == []


@pytest.mark.parametrize("chapter", L.part_chapters(), ids=str)
def test_notation_page_lists_the_chapter_symbols(chapter):
    assert L.check_notation(ROOT / f"{chapter}.md") == []


def test_lint_catches_unlinked_and_late_linked_terms(tmp_path):
    page = write(tmp_path, "We use shrinkage here. Later {term}`shrinkage`. No pooling is never linked.\n")
    problems = L.check_glossary_links(page, terms=["shrinkage", "no pooling", "divergence"])
    assert len(problems) == 2
    assert "first use of 'shrinkage'" in problems[0] and "'no pooling' is used but never linked" in problems[1]
    ok = write(tmp_path, "{term}`Shrinkage <shrinkage>` first, then shrinkage again; $\\tau$ and `no pooling` in code.\n")
    assert L.check_glossary_links(ok, terms=["shrinkage", "no pooling"]) == []


def test_lint_catches_symbol_missing_from_notation(tmp_path):
    page = write(tmp_path, "Math $\\theta_j \\sim \\mathrm{Normal}(\\mu, \\zeta)$.\n")
    assert L.check_notation(page) == ["bad.md: symbol \\zeta is not on the notation page"]


def test_chapter_headers_are_complete_and_prerequisites_come_first():
    """The instructor guide reads the headers back: each teaching chapter has one, with objectives,
    and every prerequisite chapter is an earlier chapter of the book (the map's arrows point forward)."""
    sys.path.insert(0, str(ROOT / "_ext"))
    from chapter_header import read_chapters

    chapters = read_chapters(ROOT)
    order = [c["doc"] for c in chapters]
    assert order == [Path(c).name for c in L.part_chapters()]
    for position, chapter in enumerate(chapters):
        assert chapter["objectives"], chapter["doc"]
        for prereq in chapter["prerequisites"]:
            assert prereq in order[:position], f"{chapter['doc']}: prerequisite {prereq} is not an earlier chapter"


@pytest.mark.parametrize(
    "where, body",
    [
        ("prose", "The mean is 4.37 points.\n"),
        ("solution", ":::{solution-start} ex\n:::\nAbout 12% of the draws diverge.\n:::{solution-end}\n:::\n"),
        ("caption", "```{code-cell} ipython3\n---\nmystnb:\n  figure:\n    caption: The median is 0.62.\n"
                    "    name: fig-x\n  image:\n    alt: A line that falls from left to right.\n---\nx = 1\n```\n"),
        ("alt text", "```{code-cell} ipython3\n---\nmystnb:\n  figure:\n    caption: A line.\n    name: fig-x\n"
                     "  image:\n    alt: A line that falls to 3.5 at the right edge.\n---\nx = 1\n```\n"),
    ],
)
def test_lint_catches_typed_numbers(tmp_path, where, body):
    page = write(tmp_path, ":::{chapter-header}\n:::\n" + body)
    problems = L.check_typed_numbers(page)
    assert len(problems) == 1 and (where.split()[0] in problems[0] or where in ("prose", "solution")), problems


def test_lint_allows_inputs_the_code_names_and_glued_numbers(tmp_path):
    page = write(tmp_path, ":::{chapter-header}\n:::\n```{code-cell} ipython3\nsettings = {'target_accept': 0.9, 'ci_prob': 0.94}\n```\n"
                           "With target_accept 0.9, a 94% interval, Section 5.5, and {glue:text}`x:.2f`.\n")
    assert L.check_typed_numbers(page) == []


@pytest.mark.parametrize(
    "code, problem",
    [
        ("float(az.rhat(idata).to_array().max())", ".to_array()"),
        ("az.summary(idata, hdi_prob=0.94)", "hdi_prob"),
        ("az.plot_pair(idata, divergences=True)", "divergences"),
        ("pm.sample(random_seed=rng, target_accept=0.9)", "nuts={'target_accept'"),
        ("pm.sample(random_seed=rng, nuts_sampler_kwargs={})", "nuts_sampler_kwargs"),
        ("pm.Normal('x', mu=0, sd=1)", "sd="),
    ],
)
def test_lint_catches_old_api(tmp_path, code, problem):
    page = write(tmp_path, f"```{{code-cell}} ipython3\n{code}\n```\n")
    assert any(problem in p for p in L.check_current_api(page)), L.check_current_api(page)


# ---- one code path: the page's visible code runs alone -----------------------------------------

HIDDEN = "```{code-cell} ipython3\n:tags: [remove-cell]\n%s\n```\n"
SHOWN = "```{code-cell} ipython3\n%s\n```\n"


@pytest.mark.parametrize(
    "cells, name",
    [
        ([SHOWN % "import numpy as np", HIDDEN % "post = np.ones(3)", SHOWN % "print(post.mean())"], "post"),
        # a hidden cell that changes a visible object (a new variable in it)
        ([SHOWN % "d = {}", HIDDEN % "d['x'] = 1", SHOWN % "print(d['x'])"], "d"),
        # a hidden import a visible cell relies on
        ([HIDDEN % "import scipy.stats as st", SHOWN % "st.norm.cdf(0)"], "st"),
        # a hidden function, called inside a visible function's body
        ([HIDDEN % "def helper():\n    return 1", SHOWN % "def f():\n    return helper()\nf()"], "helper"),
        # a hidden cell that draws from the chapter's generator changes what the reader's run draws
        ([SHOWN % "import numpy as np\nrng = np.random.default_rng(1)", HIDDEN % "check = rng.normal()",
          SHOWN % "x = rng.normal()"], "rng"),
    ],
)
def test_lint_catches_visible_code_that_needs_a_hidden_cell(tmp_path, cells, name):
    page = write(tmp_path, "\n".join(cells), front=CHAPTER)
    problems = L.check_visible_code_runs_alone(page)
    assert len(problems) == 1 and f"reads {name!r}" in problems[0], problems


def test_lint_catches_code_outside_solutions_that_needs_a_solution(tmp_path):
    body = "\n".join([SHOWN % "x = 1", ":::{solution-start} ex\n:::", SHOWN % "y = x + 1",
                      ":::{solution-end}\n:::", SHOWN % "print(y)"])
    problems = L.check_visible_code_runs_alone(write(tmp_path, body, front=CHAPTER))
    assert len(problems) == 1 and "student notebook" in problems[0] and "reads 'y'" in problems[0], problems


def test_visible_code_may_rebind_loop_over_or_shadow_hidden_names(tmp_path):
    cells = [HIDDEN % "name = 'a'\nn = 3\ndef f(v):\n    return v", SHOWN % "n = 4\nprint(n)",
             SHOWN % "for name in ['b']:\n    print(name)", SHOWN % "g = lambda f: f + 1\nprint(g(1))",
             SHOWN % "print([name for name in 'xy'])", SHOWN % "with open('x') as name:\n    print(name)",
             HIDDEN % "assert n == 4  # a hidden check reads visible values"]
    assert L.check_visible_code_runs_alone(write(tmp_path, "\n".join(cells), front=CHAPTER)) == []


def test_lint_catches_long_visible_code_lines(tmp_path):
    """A visible code line longer than the page shows (80 characters) is reported; a hidden
    (remove-cell) one is not, and neither is a line of exactly 80."""
    long_line = "x = " + "1 + " * 20 + "1"  # 85 characters
    fits = "y = " + "2" * 76  # 80 characters
    page = write(tmp_path, f"```{{code-cell}} ipython3\n{fits}\n{long_line}\n```\n\n"
                           f"```{{code-cell}} ipython3\n:tags: [remove-cell]\n{long_line}\n```\n")
    problems = L.check_code_line_length(page)
    assert len(problems) == 1 and "cell 1, line 2: 85 characters" in problems[0], problems

