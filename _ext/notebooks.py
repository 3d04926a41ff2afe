"""Downloadable notebooks, made by the build from the chapter sources.

For every teaching chapter (a page with a ``chapter-header``) the build writes two Jupyter notebooks to
``_build/html/_notebooks/``: ``<chapter>.ipynb`` (complete, with the solutions) and
``<chapter>-student.ipynb`` (exercise statements kept, solutions removed), both without outputs,
ready to run top to bottom,
plus two zips (``student-notebooks.zip``, ``complete-notebooks.zip``) that hold the notebooks with the
helper module and the data in the layout the code expects (``book/`` beside ``data/``). Each chapter
page gets a box linking its two notebooks.

MyST syntax that plain Jupyter would show as raw text is lowered to ordinary Markdown: glued values
become the computed text, cross-references become links to the online pages, citations become
"Author (year)", directives (the chapter header, exercises, solutions, admonitions, labelled math)
become plain Markdown, and ``$...$`` math stays as it is.
"""

from __future__ import annotations

import copy
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from docutils import nodes

NOTEBOOK_DIR = "_notebooks"
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
    figures: dict = field(default_factory=dict)  # label -> "Figure 3"
    equations: dict = field(default_factory=dict)  # label -> number
    citations: dict = field(default_factory=dict)  # key -> (authors, year)
    base_url: str = ""  # the online book, e.g. https://example.org/book/; "" = relative to the site

    def page_url(self, docname: str, anchor: str = "") -> str:
        if self.base_url:
            url = self.base_url.rstrip("/") + f"/{docname}.html"
        else:  # the notebooks live in _notebooks/ at the site's root
            url = f"../{docname}.html"
        return url + (f"#{anchor}" if anchor else "")


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
            return f"[{title}]({ctx.page_url(doc)})"
        if role in ("ref", "numref", "eq"):
            label, target = _split_explicit(body)
            if role == "eq":
                number = ctx.equations.get(target)
                if number is None:
                    raise LoweringError(f"{ctx.docname}: unknown equation label {target!r}")
                doc, anchor = ctx.labels.get(target, (ctx.docname, f"equation-{target}", ""))[:2]
                return f"[({number})]({ctx.page_url(doc, anchor)})"
            if target not in ctx.labels:
                raise LoweringError(f"{ctx.docname}: unknown reference {target!r}")
            doc, anchor, title = ctx.labels[target]
            if role == "numref":
                text = label or ctx.figures.get(target) or title
                if "{number}" in text or "%s" in text:
                    number = ctx.figures.get(target, "").split()[-1] if target in ctx.figures else ""
                    text = text.replace("{number}", number).replace("%s", number)
            else:
                text = label or title
            return f"[{text}]({ctx.page_url(doc, anchor)})"
        if role == "term":
            label, target = _split_explicit(body)
            return f"[{label or target}]({ctx.page_url('book/glossary', 'term-' + re.sub(r'[^a-z0-9]+', '-', target.lower()).strip('-'))})"
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
                out += ["", f"**Solution{f' to exercise {number}' if number else ''}**", ""]
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
        if "label" in options:
            state.exercise_numbers[options["label"]] = state.exercise_count
        title = f" ({lower_roles(arg, ctx)})" if arg else ""
        return ["", f"**Exercise {state.exercise_count}**{title}", "", *inner, ""]
    if name == "exercise-end":
        return []
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
# Whole notebooks
# ------------------------------------------------------------------------------------------------


def make_notebooks(executed: dict, ctx: Context) -> tuple[dict, dict]:
    """From the executed notebook (nbformat JSON as a dict), the complete and the student notebooks."""
    versions = []
    for student in (False, True):
        nb = copy.deepcopy(executed)
        state = State(student=student)
        cells = []
        for cell in nb["cells"]:
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "markdown":
                text = lower_markdown(source, ctx, state)  # drops solution lines for students
                if not text.strip():
                    continue
                cell["source"] = text
                cell.pop("attachments", None)
                cells.append(cell)
            elif cell["cell_type"] == "code":
                if student and state.in_solution:
                    continue
                cell["source"] = source
                cell["outputs"], cell["execution_count"] = [], None
                cells.append(cell)
            else:
                cells.append(cell)
        nb["cells"] = cells
        nb.setdefault("metadata", {}).pop("mystnb", None)
        nb["metadata"]["kernelspec"] = {"display_name": "Python 3", "language": "python", "name": "python3"}
        versions.append(nb)
    return versions[0], versions[1]


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
    html = (
        '<div class="notebook-downloads admonition tip" role="note">'
        '<p class="admonition-title">Run this chapter yourself</p>'
        f'<p>Download it as a notebook: <a href="{prefix}{slug}.ipynb" download>complete</a> '
        f'(with solutions) or <a href="{prefix}{slug}-student.ipynb" download>student version</a> '
        f'(without). It needs <a href="{prefix}hbm.py" download><code>hbm.py</code></a> beside it and '
        'the <code>data/</code> folder one level up, as in the zips on the instructor page.</p></div>'
    )
    box = nodes.raw("", html, format="html")
    header = next((n for n in doctree.findall(nodes.container) if "chapter-header" in n["classes"]), None)
    if header is not None:  # right after the chapter's objectives, prerequisites and time
        header.parent.insert(header.parent.index(header) + 1, box)
        return
    sections = list(doctree.findall(nodes.section))
    target = sections[0] if sections else doctree
    title_index = next((i for i, n in enumerate(target.children) if isinstance(n, nodes.title)), -1)
    target.insert(title_index + 1, box)


def _context(app, docname: str, citations: dict) -> Context:
    env = app.env
    std = env.domaindata["std"]
    labels = {name: (doc, anchor, title) for name, (doc, anchor, title) in std["labels"].items()}
    for name, (doc, anchor) in std["anonlabels"].items():
        labels.setdefault(name, (doc, anchor, env.titles[doc].astext() if doc in env.titles else doc))
    figures = {}
    for doc, kinds in getattr(env, "toc_fignumbers", {}).items():
        for figid, number in kinds.get("figure", {}).items():
            figures[figid] = (doc, "Figure " + ".".join(str(n) for n in number))
    fig_by_label = {}
    for name, (doc, anchor, _title) in labels.items():
        if anchor in figures and figures[anchor][0] == doc:
            fig_by_label[name] = figures[anchor][1]
    equations = {name: number for name, (doc, number) in env.domaindata.get("math", {}).get("objects", {}).items()}
    for name, (doc, _number) in env.domaindata.get("math", {}).get("objects", {}).items():
        labels.setdefault(name, (doc, f"equation-{name}", ""))
    return Context(
        docname=docname,
        doc_titles={d: t.astext() for d, t in env.titles.items()},
        labels=labels,
        figures=fig_by_label,
        equations=equations,
        citations=citations,
        base_url=app.config.html_baseurl or "",
    )


def write_notebooks(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    root = Path(app.srcdir)
    outdir = Path(app.outdir) / NOTEBOOK_DIR
    executed_dir = Path(app.outdir).parent / "jupyter_execute"
    citations = bib_citations([root / b for b in app.config.bibtex_bibfiles])
    written = {"complete": [], "student": []}
    for docname in _chapters(app):
        executed_path = executed_dir / f"{docname}.ipynb"
        if not executed_path.exists():
            raise LoweringError(f"{docname}: no executed notebook at {executed_path}")
        executed = json.loads(executed_path.read_text(encoding="utf-8"))
        ctx = _context(app, docname, citations)
        ctx.glue = glue_values(executed_path.with_suffix(".glue.json"))
        complete, student = make_notebooks(executed, ctx)
        slug = _slug(docname)
        outdir.mkdir(parents=True, exist_ok=True)
        for kind, nb, name in (("complete", complete, f"{slug}.ipynb"), ("student", student, f"{slug}-student.ipynb")):
            (outdir / name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            written[kind].append((docname, name))
    if not written["complete"]:
        return  # a book without teaching chapters (the strictness tests' tiny book)
    helper = root / "book" / "hbm.py"
    (outdir / "hbm.py").write_bytes(helper.read_bytes())
    data_files = sorted(p for p in (root / "data").iterdir() if p.is_file())
    for kind in ("student", "complete"):
        with zipfile.ZipFile(outdir / f"{kind}-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            top = f"hierarchical-models-{kind}"
            for docname, name in written[kind]:
                zf.write(outdir / name, f"{top}/book/{name}")
            zf.write(helper, f"{top}/book/hbm.py")
            for path in data_files:
                zf.write(path, f"{top}/data/{path.name}")
            zf.write(root / "requirements.txt", f"{top}/requirements.txt")
            zf.writestr(
                f"{top}/README.txt",
                "Notebooks from 'Bayesian Hierarchical Models with PyMC and ArviZ'.\n\n"
                "Set up once:  python3.11 -m venv .venv && .venv/bin/pip install -r requirements.txt\n"
                "Then open the notebooks in book/ with Jupyter (.venv/bin/pip install jupyterlab;\n"
                ".venv/bin/jupyter lab) and run them top to bottom. book/hbm.py is the book's helper\n"
                "module; data/ holds the data. Code: MIT License. Text and figures: CC BY 4.0.\n",
            )


def setup(app):
    app.connect("doctree-resolved", add_download_links)
    app.connect("build-finished", write_notebooks)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
