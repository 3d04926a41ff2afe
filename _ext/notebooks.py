"""Downloadable notebooks, made by the build from the chapter sources.

For every teaching chapter (a page with a ``chapter-header``) the build writes to
``_build/html/_notebooks/``: ``<chapter>.ipynb`` (complete, with the solutions) and
``<chapter>-student.ipynb`` (exercise statements kept, solutions removed), both without outputs and
ready to run top to bottom; ``<chapter>.zip``, one download with everything that chapter needs (its two
notebooks, the helper module, the data, a reader's ``requirements.txt`` and a README); and two zips of
the whole book (``student-notebooks.zip``, ``complete-notebooks.zip``), in the layout the code expects
(``book/`` beside ``data/``). Each chapter page gets a box linking its downloads, and its header's
download menu offers the notebook and the zip.

The notebooks import nothing that only the build needs: ``from myst_nb import glue`` and the ``glue(...)``
calls are removed from the code (their values are already in the text), and the reader's
``requirements.txt`` pins the whole environment the notebooks need (what they import, JupyterLab, and
everything those pull in) at the versions of the build.
MyST syntax that plain Jupyter would show as raw text is lowered to ordinary Markdown: glued values
become the computed text, cross-references become links to the online pages, citations become
"Author (year)", directives (the chapter header, exercises, solutions, admonitions, labelled math)
become plain Markdown, and ``$...$`` math stays as it is.

The notebooks are the page and nothing else: cells tagged ``remove-cell`` (the build's checks and
glue) are left out, so a reader runs exactly the code the page shows (tests/lint_book.py checks that
no visible cell needs a hidden one); exercises, figures and equations carry the numbers Sphinx gave
them on the page, each figure's caption follows its cell, and the student version has an empty code
cell under each exercise. Links to other chapters point to the web pages when ``html_baseurl`` is set,
and otherwise name the chapter (a zip has no site beside it).

Why by hand: QuantEcon's sphinx-tojupyter (0.6.0, tried with this book) writes myst-nb code cells as
Markdown code blocks rather than code cells, leaves glued values and figure references unresolved, and
drops sphinx-exercise's exercises and solutions; nothing else makes student versions. The header's
download menu is sphinx-book-theme's (``use_download_button``), which knows only the page's source
file and print; this adds the notebook and the zip to the list the theme builds, before it is drawn. Other packages'
private API: none; it reads Sphinx's build environment (labels, ``toc_fignumbers``), myst-nb's
``format_plain_text`` for glued values, and the executed notebooks myst-nb writes.
"""

from __future__ import annotations

import ast
import copy
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes

NOTEBOOK_DIR = "_notebooks"
#: Where a student notebook gets an empty code cell to answer in (a line of its own, split out later).
ANSWER_CELL = "\x00answer\x00"
#: What that cell holds.
ANSWER_PROMPT = "# Your answer here"
ADMONITIONS = {
    "note": "Note", "tip": "Tip", "hint": "Hint", "important": "Important", "warning": "Warning",
    "caution": "Caution", "attention": "Attention", "danger": "Danger", "error": "Error",
    "seealso": "See also",
}
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|:{3,})\{(?P<name>[\w:.-]+)\}\s*(?P<arg>.*)$")
TARGET = re.compile(r"^\s*\([\w:.-]+\)=\s*$")
ROLE = re.compile(r"\{(?P<role>[\w:.-]+)\}`(?P<body>[^`]*)`")
EXPLICIT = re.compile(r"^(?P<text>.*?)\s*<(?P<target>[^<>]+)>$", re.S)


@dataclass
class Context:
    """What the lowering needs to know about the rest of the book."""

    docname: str = ""
    glue: dict = field(default_factory=dict)  # key -> text/plain of the glued value
    doc_titles: dict = field(default_factory=dict)  # docname -> title
    labels: dict = field(default_factory=dict)  # label -> (docname, anchor, title)
    figures: dict = field(default_factory=dict)  # label -> "Fig. 3", "Exercise 15", "Table 2" (as on the page)
    equations: dict = field(default_factory=dict)  # label -> number, as on the page
    citations: dict = field(default_factory=dict)  # key -> (authors, year)
    base_url: str = ""  # the online book (html_baseurl), e.g. https://example.org/; "" = not published yet

    def page_url(self, docname: str, anchor: str = "") -> str:
        """The web page's address, or "" when the site's address is not configured (a notebook in a
        zip has no site beside it: a relative link would be dead)."""
        if not self.base_url:
            return ""
        url = self.base_url.rstrip("/") + f"/{docname}.html"
        return url + (f"#{anchor}" if anchor else "")

    def link(self, text: str, docname: str, anchor: str = "") -> str:
        """``[text](url)`` to the web page, or the text alone (a chapter named in plain words) when
        there is no address, or when it points into this same notebook."""
        url = self.page_url(docname, anchor)
        if not url or (docname == self.docname and anchor):
            return text
        return f"[{text}]({url})"


class LoweringError(ValueError):
    """The chapter uses MyST syntax the notebook export does not know how to lower."""


# ------------------------------------------------------------------------------------------------
# Roles
# ------------------------------------------------------------------------------------------------


def _split_explicit(body: str) -> tuple[str | None, str]:
    match = EXPLICIT.match(body)
    if match:
        return match.group("text").strip(), match.group("target").strip()
    return None, body.strip()


def _glue_text(ctx: Context, body: str) -> str:
    from myst_nb.core.variables import format_plain_text

    key, _, spec = body.partition(":")
    if key not in ctx.glue:
        raise LoweringError(f"{ctx.docname}: glue key {key!r} has no value")
    return format_plain_text(ctx.glue[key], spec)


def _resolve_doc(ctx: Context, target: str) -> str:
    base = ctx.docname.rsplit("/", 1)[0] + "/" if "/" in ctx.docname else ""
    name = target[1:] if target.startswith("/") else base + target
    return name[:-3] if name.endswith(".md") else name


def _cite(ctx: Context, keys: str, style: str) -> str:
    parts = []
    for key in [k.strip() for k in keys.split(",") if k.strip()]:
        if key not in ctx.citations:
            raise LoweringError(f"{ctx.docname}: unknown citation key {key!r}")
        authors, year = ctx.citations[key]
        parts.append(f"{authors} ({year})" if style == "t" else f"{authors}, {year}")
    return "; ".join(parts) if style == "t" else "(" + "; ".join(parts) + ")"


def lower_roles(text: str, ctx: Context) -> str:
    def replace(match: re.Match) -> str:
        role, body = match.group("role"), match.group("body")
        if role.startswith("glue"):
            return _glue_text(ctx, body)
        if role == "doc":
            label, target = _split_explicit(body)
            doc = _resolve_doc(ctx, target)
            title = label or ctx.doc_titles.get(doc, doc)
            if not ctx.page_url(doc):
                return title if label else f"*{title}*"  # a chapter named in plain text
            return ctx.link(title, doc)
        if role in ("ref", "numref", "eq"):
            label, target = _split_explicit(body)
            if role == "eq":
                number = ctx.equations.get(target)
                if number is None:
                    raise LoweringError(f"{ctx.docname}: unknown equation label {target!r}")
                doc, anchor = ctx.labels.get(target, (ctx.docname, f"equation-{target}", ""))[:2]
                return ctx.link(f"({number})", doc, anchor)
            if target not in ctx.labels:
                raise LoweringError(f"{ctx.docname}: unknown reference {target!r}")
            doc, anchor, title = ctx.labels[target]
            numbered = ctx.figures.get(target)  # "Figure 3", "Exercise 15": what the page shows
            if label and ("{number}" in label or "%s" in label):
                number = numbered.split()[-1] if numbered else ""
                text = label.replace("{number}", number).replace("%s", number)
            else:
                text = label or numbered or title
            if not text:
                raise LoweringError(f"{ctx.docname}: reference {target!r} has no text to show")
            return ctx.link(text, doc, anchor)
        if role == "term":
            label, target = _split_explicit(body)
            anchor = "term-" + re.sub(r"[^a-z0-9]+", "-", target.lower()).strip("-")
            return ctx.link(label or target, "book/glossary", anchor)
        if role in ("cite:t", "cite:p", "cite"):
            return _cite(ctx, body, "t" if role == "cite:t" else "p")
        if role in ("math",):
            return f"${body}$"
        if role in ("abbr", "sub", "sup", "kbd", "code", "file", "samp", "command", "program"):
            return body
        raise LoweringError(f"{ctx.docname}: role {{{role}}} has no notebook form")

    return ROLE.sub(replace, text)


# ------------------------------------------------------------------------------------------------
# Directives (block level), with a state that runs across cells for solutions
# ------------------------------------------------------------------------------------------------


@dataclass
class State:
    student: bool = False
    in_solution: bool = False
    exercise_count: int = 0
    exercise_numbers: dict = field(default_factory=dict)


def _parse_block(lines: list[str], start: int):
    """Parse the directive opening at ``lines[start]``: (name, arg, options, body lines, next index)."""
    match = FENCE.match(lines[start])
    fence = match.group("fence")
    name, arg = match.group("name"), match.group("arg").strip()
    i = start + 1
    options = {}
    # options: ``:key: value`` lines, or a ``---`` YAML block, right after the opening line
    if i < len(lines) and lines[i].strip() == "---":
        j = i + 1
        while j < len(lines) and lines[j].strip() != "---":
            key, _, value = lines[j].strip().partition(":")
            options[key.strip()] = value.strip()
            j += 1
        i = j + 1
    while i < len(lines) and re.match(r"^\s*:[\w-]+:", lines[i]) and not lines[i].strip().startswith(fence):
        key, _, value = lines[i].strip()[1:].partition(":")
        options[key.strip()] = value.strip()
        i += 1
    body, depth = [], 0
    while i < len(lines):
        stripped = lines[i].strip()
        inner = FENCE.match(lines[i])
        if inner and inner.group("fence")[0] == fence[0] and len(inner.group("fence")) == len(fence):
            depth += 1
        elif stripped == fence:
            if depth == 0:
                return name, arg, options, body, i + 1
            depth -= 1
        body.append(lines[i])
        i += 1
    raise LoweringError(f"unclosed directive {{{name}}} (opened with {fence})")


def _quote(lines: list[str]) -> list[str]:
    return [("> " + ln) if ln.strip() else ">" for ln in lines]


def lower_markdown(text: str, ctx: Context, state: State) -> str:
    """Lower one Markdown cell's MyST to plain Markdown; solutions follow ``state`` across cells."""
    out = _lower_lines(text.splitlines(), ctx, state)
    return "\n".join(out).strip("\n")


def _lower_lines(lines: list[str], ctx: Context, state: State) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        match = FENCE.match(line)
        if TARGET.match(line):
            i += 1
            continue
        if not match:
            if not (state.student and state.in_solution):
                out.append(lower_roles(line, ctx))
            i += 1
            continue
        name, arg, options, body, i = _parse_block(lines, i)
        if name == "solution-start":
            state.in_solution = True
            if not state.student:
                number = state.exercise_numbers.get(arg.strip())
                out += ["", f"**Solution{f' to Exercise {number}' if number else ''}**", ""]
            continue
        if name == "solution-end":
            state.in_solution = False
            continue
        if state.student and state.in_solution:
            continue
        out += _lower_directive(name, arg, options, body, ctx, state)
    return out


def _lower_directive(name, arg, options, body, ctx: Context, state: State) -> list[str]:
    inner = _lower_lines(body, ctx, state)
    if name == "chapter-header":
        prereq = lower_roles(options.get("prerequisites", ""), ctx)
        return [
            "", "**In this chapter** you will learn to:", "", *inner, "",
            f"**Prerequisites:** {prereq}", "",
            f"**Estimated time:** {options.get('reading', '?')} min reading and running the code, "
            f"{options.get('exercises', '?')} min for the exercises.", "",
        ]
    if name in ("exercise", "exercise-start"):
        state.exercise_count += 1
        label = options.get("label", "")
        number = ctx.figures.get(label) or f"Exercise {state.exercise_count}"  # the page's number
        if label:
            state.exercise_numbers[label] = number.split()[-1]
        title = f" ({lower_roles(arg, ctx)})" if arg else ""
        answer = [ANSWER_CELL] if state.student and name == "exercise" else []
        return ["", f"**{number}**{title}", "", *inner, "", *answer]
    if name == "exercise-end":
        return [ANSWER_CELL] if state.student else []
    if name == "solution":
        if state.student:
            return []
        return ["", "**Solution**", "", *inner, ""]
    if name in ("math",):
        return ["", "$$", *body, "$$", ""]
    if name in ADMONITIONS or name == "admonition":
        title = lower_roles(arg, ctx) if name == "admonition" else ADMONITIONS[name]
        return ["", *_quote([f"**{title}**", "", *inner]), ""]
    if name in ("figure", "image"):
        return ["", f"*{' '.join(inner).strip() or 'Figure'}* (figure in the online book)", ""]
    if name in ("glossary", "bibliography", "nb-exec-table", "toctree"):
        raise LoweringError(f"{ctx.docname}: {{{name}}} has no notebook form")
    if name in ("code-block", "code", "sourcecode"):
        return ["", f"```{arg}", *body, "```", ""]
    if name == "epigraph" or name == "margin" or name == "sidebar" or name == "dropdown":
        return ["", *_quote(inner), ""]
    raise LoweringError(f"{ctx.docname}: directive {{{name}}} has no notebook form")


# ------------------------------------------------------------------------------------------------
# Code cells: nothing that only the build needs
# ------------------------------------------------------------------------------------------------

BUILD_ONLY_MODULES = ("myst_nb",)


def _is_glue_call(node) -> bool:
    return (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name) and node.value.func.id == "glue")


def reader_code(source: str, docname: str = "") -> str:
    """A code cell as a reader runs it: without ``from myst_nb import glue`` and without ``glue(...)``
    statements (the values they record are already written into the notebook's text). A ``glue`` that
    displays its value (``display=True``, the default) becomes ``display(value)``. Returns "" when
    nothing but build plumbing was left."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython syntax (magics): leave the cell alone
        return source
    lines = source.splitlines()
    replace: dict[int, tuple[int, list[str]]] = {}  # first line -> (last line, new lines)
    for stmt in ast.walk(tree):  # every statement, at any depth (bodies, else branches, handlers)
        if isinstance(stmt, ast.ImportFrom) and (stmt.module or "").split(".")[0] in BUILD_ONLY_MODULES:
            kept = [a for a in stmt.names if a.name != "glue"]
            if kept:
                raise LoweringError(f"{docname}: imports {', '.join(a.name for a in kept)} from "
                                    f"{stmt.module}, a build-only package; readers don't have it")
            replace[stmt.lineno - 1] = (stmt.end_lineno - 1, [])
        elif _is_glue_call(stmt):
            call = stmt.value
            shown = next((k.value for k in call.keywords if k.arg == "display"), None)
            if len(call.args) < 2:
                raise LoweringError(f"{docname}: glue(...) without a name and a value: {ast.unparse(call)}")
            hidden = isinstance(shown, ast.Constant) and shown.value is False
            first = lines[stmt.lineno - 1]
            indent = first[: len(first) - len(first.lstrip())]
            replace[stmt.lineno - 1] = (stmt.end_lineno - 1,
                                        [] if hidden else [f"{indent}display({ast.unparse(call.args[1])})"])
    if not replace:
        return source
    out, i = [], 0
    while i < len(lines):
        if i in replace:
            end, new = replace[i]
            out += new
            i = end + 1
        else:
            out.append(lines[i])
            i += 1
    text = "\n".join(out).strip("\n")
    # Collapse the blank lines a removed import leaves, and drop a cell that only held plumbing.
    text = re.sub(r"\n{3,}", "\n\n", text)
    meaningful = [ln for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]
    return text if meaningful else ""


# ------------------------------------------------------------------------------------------------
# Whole notebooks
# ------------------------------------------------------------------------------------------------


def _cell_text(cell: dict) -> str:
    """A cell's source as one string (nbformat allows a list of lines)."""
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def _markdown_cell(text: str) -> dict:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _answer_cell() -> dict:
    return {"cell_type": "code", "metadata": {}, "source": ANSWER_PROMPT, "outputs": [],
            "execution_count": None}


def _figure_caption(cell: dict, ctx: Context) -> str:
    """The caption the page prints under a figure cell ("**Fig. 3** ..."), or ""."""
    figure = cell.get("metadata", {}).get("mystnb", {}).get("figure", {})
    caption = " ".join(str(figure.get("caption", "")).split())
    if not caption:
        return ""
    number = ctx.figures.get(str(figure.get("name", "")), "Figure")
    return f"**{number}** {lower_roles(caption, ctx)}"


def make_notebooks(executed: dict, ctx: Context) -> tuple[dict, dict]:
    """From the executed notebook (nbformat JSON as a dict), the complete and the student notebooks:
    the page's cells and nothing else (no ``remove-cell`` cell), numbered as the page numbers them,
    each figure's caption under its cell; the student version without solutions and with an empty
    code cell under each exercise."""
    versions = []
    for student in (False, True):
        nb = copy.deepcopy(executed)
        state = State(student=student)
        cells = []
        for cell in nb["cells"]:
            if "remove-cell" in cell.get("metadata", {}).get("tags", []):
                continue  # checks and glue: not on the page, not in the notebook
            source = _cell_text(cell)
            if cell["cell_type"] == "markdown":
                text = lower_markdown(source, ctx, state)  # drops solution lines for students
                for i, part in enumerate(text.split(ANSWER_CELL)):
                    if i:
                        cells.append(_answer_cell())
                    if part.strip():
                        cells.append({**cell, "source": part.strip("\n")} if i == 0 else _markdown_cell(part.strip("\n")))
                        cells[-1].pop("attachments", None)
            elif cell["cell_type"] == "code":
                if student and state.in_solution:
                    continue
                source = reader_code(source, ctx.docname)
                if not source.strip():
                    continue  # the cell only recorded values for the text (glue)
                cell["source"] = source
                cell["outputs"], cell["execution_count"] = [], None
                cells.append(cell)
                caption = _figure_caption(cell, ctx)
                if caption:
                    cells.append(_markdown_cell(caption))
            else:
                cells.append(cell)
        nb["cells"] = stable_ids(cells)
        nb.setdefault("metadata", {}).pop("mystnb", None)
        nb["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        versions.append(nb)
    return versions[0], versions[1]


def stable_ids(cells: list[dict]) -> list[dict]:
    """Give each cell an id made from its type and text (and, for repeated cells, how many came
    before), in place of the random ones the executed notebook carries: the same chapter gives the same
    notebook file in every build, and an edit changes only the ids of the cells it touches."""
    import hashlib

    seen: dict[str, int] = {}
    for cell in cells:
        source = _cell_text(cell)
        digest = hashlib.sha256(f"{cell['cell_type']}\0{source}".encode()).hexdigest()[:12]
        seen[digest] = seen.get(digest, 0) + 1
        cell["id"] = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return cells


def glue_values(glue_file: Path) -> dict:
    """Glued values as text/plain. myst-nb keeps them in ``<doc>.glue.json`` beside the executed
    notebook (and removes them from the cell outputs); a chapter that glues nothing has no file."""
    if not glue_file.exists():
        return {}
    values = {}
    for name, output in json.loads(glue_file.read_text(encoding="utf-8")).items():
        text = output.get("data", {}).get("text/plain")
        if text is not None:
            values[name] = "".join(text) if isinstance(text, list) else text
    return values


def bib_citations(bibfiles: list[Path]) -> dict:
    from pybtex.database import parse_file

    found = {}
    for path in bibfiles:
        for key, entry in parse_file(str(path)).entries.items():
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            last = ["".join(p.last_names).replace("{", "").replace("}", "") for p in people]
            if len(last) == 1:
                authors = last[0]
            elif len(last) == 2:
                authors = f"{last[0]} and {last[1]}"
            else:
                authors = f"{last[0]} et al." if last else key
            found[key] = (authors, entry.fields.get("year", "n.d."))
    return found


# ------------------------------------------------------------------------------------------------
# Sphinx wiring
# ------------------------------------------------------------------------------------------------


def _is_chapter(app, docname: str) -> bool:
    """A teaching chapter: a MyST page with a chapter header."""
    path = Path(app.env.doc2path(docname))
    return path.suffix == ".md" and "{chapter-header}" in path.read_text(encoding="utf-8")


def _chapters(app) -> list[str]:
    return [docname for docname in sorted(app.env.found_docs) if _is_chapter(app, docname)]


def _slug(docname: str) -> str:
    return docname.rsplit("/", 1)[-1]


def add_download_links(app, doctree, docname):
    if app.builder.format != "html" or not _is_chapter(app, docname):
        return
    prefix = "../" * docname.count("/") + NOTEBOOK_DIR + "/"
    slug = _slug(docname)
    html = _download_box(prefix, slug, course=_course(app))
    box = nodes.raw("", html, format="html")
    _insert_after_header(doctree, box)


def _course(app) -> bool:
    """The course edition (``_ext/course.py``): student notebooks only."""
    return getattr(app.config, "book_edition", "") == "course"


def _download_box(prefix: str, slug: str, course: bool) -> str:
    """The box under a chapter's header; the course edition offers the student version only."""
    if course:
        contents, notebook = "the notebook without the solutions", f"{slug}-student.ipynb"
        alone = f'The notebook alone: <a href="{prefix}{slug}-student.ipynb" download>student version</a>.'
    else:
        contents, notebook = "the notebook, a student version without the solutions", f"{slug}.ipynb"
        alone = (f'The notebooks alone: <a href="{prefix}{slug}.ipynb" download>complete</a>, '
                 f'<a href="{prefix}{slug}-student.ipynb" download>student version</a>.')
    return (
        '<div class="notebook-downloads admonition tip" role="note">'
        '<p class="admonition-title">Run this chapter yourself</p>'
        f'<p><a href="{prefix}{slug}.zip" download>Download this chapter</a> (zip): {contents}, the helper '
        'module <code>hbm.py</code>, the data and a <code>requirements.txt</code> that pins the whole '
        'environment the book ran in. Unzip it and, in its folder, with Python 3.12, 3.13 or 3.14: '
        '<code>python3 -m venv .venv</code>, <code>.venv/bin/pip install -r requirements.txt</code>, '
        f'<code>.venv/bin/jupyter lab book/{notebook}</code>, then run all cells. {alone}</p></div>'
    )


def _insert_after_header(doctree, box) -> None:
    header = next((n for n in doctree.findall(nodes.container) if "chapter-header" in n["classes"]), None)
    if header is not None:  # right after the chapter's objectives, prerequisites and time
        header.parent.insert(header.parent.index(header) + 1, box)
        return
    sections = list(doctree.findall(nodes.section))
    target = sections[0] if sections else doctree
    title_index = next((i for i, n in enumerate(target.children) if isinstance(n, nodes.title)), -1)
    target.insert(title_index + 1, box)


def add_menu_downloads(app, pagename, templatename, context, doctree):
    """The header's download menu (sphinx-book-theme's ``use_download_button``) of a chapter offers
    its notebook and its zip first, above the theme's ``.md`` source and print. The theme builds the
    menu as a list of buttons in the page's ``header_buttons`` (at priority 501); this adds two links
    to that list, drawn by the theme's own button template."""
    if app.builder.format != "html" or pagename not in app.env.all_docs or not _is_chapter(app, pagename):
        return
    menu = next((b for b in context.get("header_buttons", []) if b.get("label") == "download-buttons"), None)
    if menu is None:
        return
    folder = context["pathto"](NOTEBOOK_DIR, 1)
    slug = _slug(pagename)
    notebook = f"{slug}-student.ipynb" if _course(app) else f"{slug}.ipynb"  # the course edition's
    menu["buttons"][:0] = [
        {"type": "link", "url": f"{folder}/{notebook}", "text": ".ipynb", "icon": "fas fa-code",
         "tooltip": "Download the notebook", "label": "download-notebook-button"},
        {"type": "link", "url": f"{folder}/{slug}.zip", "text": ".zip", "icon": "fas fa-file-zipper",
         "tooltip": "Download the chapter: notebooks, helper module, data, requirements",
         "label": "download-zip-button"},
    ]


#: The kinds of numbered things whose numbers a notebook repeats (Sphinx's numfig kinds and
#: sphinx-exercise's); each is written as the page writes it, by the build's ``numfig_format``.
NUMBERED_KINDS = ("figure", "table", "code-block", "exercise")


def _context(app, docname: str, citations: dict) -> Context:
    """What the lowering needs, read from Sphinx's environment after it numbered the book: every label,
    and the numbers the page shows (``env.toc_fignumbers``, the same numbers Sphinx prints: figures,
    tables, exercises and equations are numbered through the book, not per chapter)."""
    env = app.env
    std = env.domaindata["std"]
    labels = {name: (doc, anchor, title) for name, (doc, anchor, title) in std["labels"].items()}
    for name, (doc, anchor) in std["anonlabels"].items():
        labels.setdefault(name, (doc, anchor, env.titles[doc].astext() if doc in env.titles else doc))
    fignumbers = getattr(env, "toc_fignumbers", {})

    def number_of(doc, kind, anchor):
        found = fignumbers.get(doc, {}).get(kind, {}).get(anchor)
        return ".".join(str(n) for n in found) if found else None

    numbered = {}
    formats = app.config.numfig_format
    for name, (doc, anchor, _title) in labels.items():
        for kind in NUMBERED_KINDS:
            number = number_of(doc, kind, anchor)
            if number:
                numbered[name] = formats.get(kind, kind.title() + " %s").replace("%s", number)
                break
    equations = {}
    for name, (doc, local_number) in env.domaindata.get("math", {}).get("objects", {}).items():
        anchor = nodes.make_id(f"equation-{name}")  # as Sphinx's math domain makes it
        labels.setdefault(name, (doc, anchor, ""))
        equations[name] = number_of(doc, "displaymath", anchor) or local_number
    return Context(
        docname=docname,
        doc_titles={d: t.astext() for d, t in env.titles.items()},
        labels=labels,
        figures=numbered,
        equations=equations,
        citations=citations,
        base_url=app.config.html_baseurl or "",
    )


#: What a reader needs besides the packages the notebooks import: a Jupyter kernel to run them and
#: JupyterLab to open them, the sampler the chapters name in ``pm.sample(..., nuts_sampler="nutpie")``
#: (PyMC finds it by name), and Jinja2, which pandas' ``DataFrame.style`` (formatted tables) needs but
#: does not install.
READER_EXTRAS = ("ipykernel", "jupyterlab", "nutpie", "jinja2")
#: The Pythons a reader may have: a requirement that any of them needs (an environment marker such as
#: ``python_version < "3.13"``) is in the closure.
READER_PYTHONS = ("3.12", "3.13", "3.14")


def imported_modules(sources) -> set[str]:
    """The top-level modules that some code imports (``import a.b`` and ``from a import b`` give ``a``)."""
    found = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(names) -> dict[str, str]:
    """Every distribution that installing ``names`` brings, as installed in this environment:
    canonical name -> (name as its metadata spells it, version). Follows each distribution's
    ``Requires-Dist`` (without extras it was not asked for), under every Python of READER_PYTHONS."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    found: dict[str, tuple[str, str]] = {}
    done: set[tuple[str, str]] = set()  # (distribution, extra) pairs already followed; "" = no extra
    todo = [(name, frozenset(), None) for name in names]
    while todo:
        name, extras, needed_by = todo.pop()
        key = _canonical(name)
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            raise LoweringError(f"{name} (needed by {needed_by or 'the notebooks'}) is not installed in the "
                                "build's environment, so its version is unknown: add it to requirements.txt") from None
        found[key] = (dist.metadata["Name"], dist.version)
        for extra in {""} | set(extras):
            if (key, extra) in done:
                continue
            done.add((key, extra))
            for line in dist.requires or []:
                requirement = Requirement(line)
                marker = requirement.marker
                if marker is None:
                    wanted = extra == ""
                else:
                    wanted = any(marker.evaluate({"python_version": version, "python_full_version": version + ".0",
                                                  "extra": extra}) for version in READER_PYTHONS)
                    # a plain requirement with a Python marker belongs to the "" pass; an extra's, to its own
                    wanted = wanted and (extra != "" or "extra" not in str(marker))
                if wanted:
                    todo.append((requirement.name, frozenset(requirement.extras), dist.metadata["Name"]))
    return found


def reader_requirements(sources, local=("hbm",)) -> str:
    """A requirements file for readers: the distributions that ``sources`` import (and
    :data:`READER_EXTRAS`) and everything they pull in, each pinned to the version installed in the
    build's environment, so that a reader's environment is the build's."""
    import sys
    from importlib.metadata import packages_distributions

    modules = imported_modules(sources) - set(sys.stdlib_module_names) - set(local)
    by_module = packages_distributions()
    names = set(READER_EXTRAS)
    for module in modules:
        if module in BUILD_ONLY_MODULES:
            raise LoweringError(f"the notebooks still import {module}, a build-only package")
        dists = by_module.get(module)
        if not dists:
            raise LoweringError(f"the notebooks import {module!r}, which no installed distribution provides")
        names.add(sorted(dists)[0])
    closure = requirement_closure(sorted(names))
    direct = {_canonical(n) for n in names}
    pins = lambda keys: [f"{closure[k][0]}=={closure[k][1]}" for k in sorted(keys)]
    return (
        "# The environment the book's notebooks were run in: what they import, JupyterLab, and everything\n"
        "# those pull in, at the versions the book was built with. Python 3.12 to 3.14.\n"
        "# Set up: python3 -m venv .venv && .venv/bin/pip install -r requirements.txt\n"
        "\n# What the notebooks import, and the Jupyter front end\n" + "\n".join(pins(direct & closure.keys()))
        + "\n\n# What those pull in\n" + "\n".join(pins(closure.keys() - direct)) + "\n"
    )


def reader_readme(what: str) -> str:
    return (
        f"{what} from 'Bayesian Hierarchical Models with PyMC and ArviZ'.\n\n"
        "You need Python 3.12, 3.13 or 3.14 (python3 --version; to get one: 'uv python install 3.13',\n"
        "or your system's python3.13 package, with python3.13-venv on Debian and Ubuntu). In this folder,\n"
        "set up once:\n\n"
        "    python3.13 -m venv .venv\n"
        "    .venv/bin/pip install -r requirements.txt\n\n"
        "(on Windows: .venv\\Scripts\\pip). requirements.txt pins every package of the environment the\n"
        "book was run in, JupyterLab included, so your results match the book's. Then start Jupyter with\n"
        "'.venv/bin/jupyter lab', open a notebook in book/ and run it top to bottom (Run > Run All Cells).\n"
        "book/hbm.py is the book's helper module and must stay beside the notebooks; data/ holds the data,\n"
        "one level up, as here.\n\n"
        "One environment serves every chapter: every chapter's zip has the same requirements.txt. Make\n"
        "the environment once, say in ~/hbm-env, and run any chapter's notebooks with it\n"
        "('~/hbm-env/bin/jupyter lab' in the chapter's folder), or take the zip of all the notebooks\n"
        "from the book's instructor page.\n\n"
        "Code: MIT License. Text and figures: CC BY 4.0.\n"
    )


def _code_sources(nb: dict) -> list[str]:
    return [c["source"] for c in nb["cells"] if c["cell_type"] == "code"]


def _write_zip(path: Path, top: str, notebooks, helper: Path, data_files, requirements: str, readme: str):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for source, name in notebooks:
            zf.write(source, f"{top}/book/{name}")
        zf.write(helper, f"{top}/book/hbm.py")
        for data in data_files:
            zf.write(data, f"{top}/data/{data.name}")
        zf.writestr(f"{top}/requirements.txt", requirements)
        zf.writestr(f"{top}/README.txt", readme)


FINGERPRINT = ".inputs"  # in the notebooks' folder: what the last write was made from


def inputs_fingerprint(paths) -> str:
    """A fingerprint of files (path, size and modification time of each; a missing file counts too):
    equal fingerprints mean the notebooks and zips made from them would come out the same."""
    import hashlib

    rows = []
    for path in sorted({Path(p) for p in paths}, key=str):
        try:
            stat = path.stat()
            rows.append(f"{path}\t{stat.st_size}\t{stat.st_mtime_ns}")
        except FileNotFoundError:
            rows.append(f"{path}\tmissing")
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def write_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    outdir = Path(app.outdir) / NOTEBOOK_DIR
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    # A no-change rebuild writes nothing: the notebooks, zips and reader requirements depend only on
    # these files (and finding the requirements' versions alone takes seconds).
    docnames = _chapters(app)
    bibfiles = [root / b for b in app.config.bibtex_bibfiles]
    helper = root / "book" / "hbm.py"
    inputs = [executed_dir / f"{d}.ipynb" for d in docnames] + \
        [executed_dir / f"{d}.glue.json" for d in docnames] + \
        [Path(app.env.doc2path(d)) for d in docnames] + bibfiles + [helper] + \
        sorted(Path(__file__).parent.glob("*.py")) + \
        [root / "_toc.yml", root / "_config.yml"] + \
        (sorted((root / "data").iterdir()) if (root / "data").is_dir() else [])
    kinds = ("student",) if _course(app) else ("student", "complete")
    outputs = [outdir / f"{kind}-notebooks.zip" for kind in kinds] + \
        [outdir / f"{_slug(d)}.zip" for d in docnames]
    fingerprint = inputs_fingerprint(inputs)
    stamp = outdir / FINGERPRINT
    if docnames and stamp.is_file() and stamp.read_text() == fingerprint and all(p.is_file() for p in outputs):
        return
    citations = bib_citations(bibfiles)
    written = {"complete": [], "student": []}
    sources = []
    for docname in docnames:
        executed_path = executed_dir / f"{docname}.ipynb"
        if not executed_path.exists():
            raise LoweringError(f"{docname}: no executed notebook at {executed_path}")
        executed = json.loads(executed_path.read_text(encoding="utf-8"))
        ctx = _context(app, docname, citations)
        ctx.glue = glue_values(executed_path.with_suffix(".glue.json"))
        complete, student = make_notebooks(executed, ctx)
        sources += _code_sources(complete)
        slug = _slug(docname)
        outdir.mkdir(parents=True, exist_ok=True)
        for kind, nb, name in (("complete", complete, f"{slug}.ipynb"), ("student", student, f"{slug}-student.ipynb")):
            if kind not in kinds:
                continue
            (outdir / name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written[kind].append((docname, name))
    if not written["student"]:
        return  # a book without teaching chapters (the strictness tests' tiny book)
    (outdir / "hbm.py").write_bytes(helper.read_bytes())
    requirements = reader_requirements(sources + [helper.read_text(encoding="utf-8")])
    (outdir / "requirements.txt").write_text(requirements, encoding="utf-8")
    # The data files and their README (provenance, terms); not the scripts that made them.
    data_files = sorted(p for p in (root / "data").iterdir() if p.is_file() and p.suffix != ".py")
    for kind in kinds:
        _write_zip(outdir / f"{kind}-notebooks.zip", f"hierarchical-models-{kind}",
                   [(outdir / name, name) for _doc, name in written[kind]], helper, data_files,
                   requirements, reader_readme(f"The {kind} notebooks"))
    # One download per chapter: both of its notebooks, the helper, the data, the requirements.
    for docname, student_name in written["student"]:
        slug = _slug(docname)
        if _course(app):
            _write_zip(outdir / f"{slug}.zip", slug, [(outdir / student_name, student_name)], helper,
                       data_files, requirements,
                       reader_readme(f"The chapter '{app.env.titles[docname].astext()}' ({student_name}, "
                                     "the course edition: without the solutions)"))
            continue
        complete_name = f"{slug}.ipynb"
        _write_zip(outdir / f"{slug}.zip", slug,
                   [(outdir / complete_name, complete_name), (outdir / student_name, student_name)],
                   helper, data_files, requirements,
                   reader_readme(f"The chapter '{app.env.titles[docname].astext()}' ({complete_name}; "
                                 f"{student_name} is the version without solutions)"))
    stamp.write_text(fingerprint)


def setup(app):
    app.connect("doctree-resolved", add_download_links)
    app.connect("html-page-context", add_menu_downloads, priority=600)  # after the theme's menu (501)
    app.connect("build-finished", write_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
