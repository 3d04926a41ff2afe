"""A Sphinx extension for the book's chapter header, so every chapter shows it the same way.

Usage in a chapter (MyST)::

    :::{chapter-header}
    :reading: 20
    :exercises: 30
    :prerequisites: {doc}`scores_frequentist`; basic probability
    - First learning objective.
    - Second learning objective.
    :::

``reading`` and ``exercises`` are minutes (whole numbers); the content is the list of objectives.
The directive also records the header in the build environment, and ``{chapter-objectives}`` renders
every chapter's header, in table-of-contents order, for the instructor guide.

For a reader: every chapter opens with the same box (what you will learn, what to read first, how long
it takes), and the instructor guide's tables and chapter map are made from the same data, so they
cannot drift from the chapters. Why by hand: no Sphinx or Jupyter Book package offers a chapter
header with objectives, prerequisites and times (sphinx-design's cards lay out a box, but keep no data
for a guide). Other packages' private API: none (docutils and Sphinx's public directive API).
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util.docutils import SphinxDirective


def _minutes(text: str) -> int:
    value = directives.nonnegative_int(text)
    if value == 0:
        raise ValueError("minutes must be a positive whole number")
    return value


class ChapterHeader(SphinxDirective):
    has_content = True
    required_arguments = 0
    option_spec = {
        "reading": _minutes,
        "exercises": _minutes,
        "prerequisites": directives.unchanged_required,
    }

    def run(self):
        for key in ("reading", "exercises", "prerequisites"):
            if key not in self.options:
                raise self.error(f"chapter-header needs the :{key}: option")
        if not self.content:
            raise self.error("chapter-header needs a list of learning objectives as its content")

        box = nodes.container(classes=["chapter-header"])
        box += nodes.rubric(text="In this chapter")
        objectives = nodes.container(classes=["chapter-objectives"])
        objectives += nodes.paragraph(text="You will learn to:")
        self.state.nested_parse(self.content, self.content_offset, objectives)
        box += objectives

        prereq_nodes, messages = self.state.inline_text(self.options["prerequisites"], self.lineno)
        prereq = nodes.paragraph(classes=["chapter-prerequisites"])
        prereq += nodes.strong(text="Prerequisites: ")
        prereq += prereq_nodes
        box += prereq

        reading, exercises = self.options["reading"], self.options["exercises"]
        time = nodes.paragraph(classes=["chapter-time"])
        time += nodes.strong(text="Estimated time: ")
        time += nodes.Text(
            f"{reading} min reading and running the code, {exercises} min for the exercises."
        )
        box += time

        env = self.env
        store = env.domaindata.setdefault("chapter_header", {})
        store[env.docname] = {
            "reading": reading,
            "exercises": exercises,
            "objectives": "\n".join(self.content),
            "prerequisites": self.options["prerequisites"],
        }
        return [box, *messages]


def _purge(app, env, docname):
    env.domaindata.get("chapter_header", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    env.domaindata.setdefault("chapter_header", {}).update(
        {d: v for d, v in other.domaindata.get("chapter_header", {}).items() if d in docnames}
    )


#: Pages whose code reads the other pages: the instructors' guide reads every chapter's header and
#: _toc.yml. The execution cache keys a page on its own code only, so ``make book`` runs these again
#: whenever any page changed (the Makefile's READERS, which must list the same files).
READS_OTHER_PAGES = ("book/instructors.md",)


def _outdated_readers(app, env, added, changed, removed):
    """The pages whose code reads the other pages (READS_OTHER_PAGES): Sphinx must read them again
    whenever another page changed, or it keeps their old HTML although the execution cache holds the
    new result."""
    if not (added or changed or removed):
        return []
    docs = [str(Path(name).with_suffix("")) for name in READS_OTHER_PAGES]
    return [doc for doc in docs if doc in env.found_docs and doc not in changed | added]


_read_this_build: set[str] = set()


def _note_reads(app, env, docnames):
    _read_this_build.clear()
    _read_this_build.update(docnames)


def _write_every_page_when_one_was_read(app, env):
    """Sphinx writes a page again when its own figure, exercise or equation numbers change, not when a
    number it cites from another page does: an equation added to varying_slopes renumbered the one
    formulas cites, and formulas.html kept the old number (its notebook, made from the environment,
    had the new one). So whenever any page was read again, every page is written (a few seconds); a
    build that read nothing writes nothing."""
    return sorted(env.found_docs) if _read_this_build else []


def setup(app):
    app.add_directive("chapter-header", ChapterHeader)
    app.connect("env-before-read-docs", _note_reads)
    app.connect("env-updated", _write_every_page_when_one_was_read)
    app.connect("env-get-outdated", _outdated_readers)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.add_css_file("chapter_header.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


# --------------------------------------------------------------------------------------------------
# Reading the headers back from the sources, for the instructor guide
# --------------------------------------------------------------------------------------------------

_HEADER = re.compile(r"^:::\{chapter-header\}\s*\n(?P<body>.*?)^:::\s*$", re.M | re.S)
_DOC = re.compile(r"\{doc\}`(?:[^`<]*<)?([^`>]+)>?`")
_EXERCISE = re.compile(r"^[`:]{3,}\{exercise(?:-start)?\}[^\n]*\n:label:\s*(\S+)", re.M)
_SOLUTION = re.compile(r"\{solution-start\}\s*(\S+).*?\{solution-end\}", re.S)


def read_chapters(root: Path) -> list[dict]:
    """Every chapter with a header, in table-of-contents order, with its part, title, times,
    prerequisite chapters, objectives (MyST text) and exercises (label, whether the solution fits a
    model, which makes it homework rather than in-class work)."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    chapters = []
    for part in toc.get("parts", []):
        for entry in part.get("chapters", []):
            path = root / f"{entry['file']}.md"
            text = path.read_text(encoding="utf-8")
            match = _HEADER.search(text)
            if not match:
                continue
            options = dict(re.findall(r"^:(\w+):\s*(.*)$", match.group("body"), re.M))
            objectives = [ln[2:].strip() for ln in match.group("body").splitlines() if ln.startswith("- ")]
            title = re.search(r"^# (.+)$", text, re.M).group(1).strip()
            solutions = {label: body for label, body in (
                (m.group(1), m.group(0)) for m in _SOLUTION.finditer(text))}
            exercises = [
                {"label": label,
                 "fits_model": bool(re.search(r"\bpm\.sample\(|\bnutpie\.sample\(", solutions.get(label, "")))}
                for label in _EXERCISE.findall(text)
            ]
            chapters.append({
                "doc": entry["file"].split("/")[-1],
                "part": part.get("caption", ""),
                "title": title,
                "reading": int(options["reading"]),
                "exercises": int(options["exercises"]),
                "prerequisites": [d.split("/")[-1] for d in _DOC.findall(options.get("prerequisites", ""))],
                "objectives": objectives,
                "exercise_list": exercises,
            })
    return chapters


def draw_chapter_map(chapters: list[dict], ax) -> None:
    """One column per part, chapters in reading order downwards; an arrow from each prerequisite
    to the chapter that needs it (curved when it skips chapters or crosses parts)."""
    parts = list(dict.fromkeys(c["part"] for c in chapters))
    place = {}
    for col, part in enumerate(parts):
        members = [c for c in chapters if c["part"] == part]
        for row, chapter in enumerate(members):
            place[chapter["doc"]] = (col * 2.0, -row)
    def half_width(doc):  # a box's half width in data units, from its title's length (9 pt text)
        return 0.021 * len(next(c["title"] for c in chapters if c["doc"] == doc)) + 0.06

    for chapter in chapters:
        x, y = place[chapter["doc"]]
        ax.text(x, y, chapter["title"], ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.35", "facecolor": "#eaf2f8", "edgecolor": "#0072B2"})
        for prereq in chapter["prerequisites"]:
            if prereq not in place:
                continue
            px, py = place[prereq]
            if px != x:  # across parts: right edge of the prerequisite to left edge of the chapter
                start, end, rad = (px + half_width(prereq), py), (x - half_width(chapter["doc"]), y), 0.0
            elif py - y == 1:  # the next chapter down
                start, end, rad = (px, py - 0.22), (x, y + 0.22), 0.0
            else:  # skipping chapters: round the right-hand side of the column
                start, end, rad = (px + half_width(prereq), py), (x + half_width(chapter["doc"]), y), -0.5
            ax.annotate("", xy=end, xytext=start,
                        arrowprops={"arrowstyle": "-|>", "color": "#555555", "shrinkA": 2, "shrinkB": 2,
                                    "connectionstyle": f"arc3,rad={rad}"})
    for col, part in enumerate(parts):
        ax.text(col * 2.0, 0.8, part, ha="center", va="bottom", fontsize=10, fontweight="bold")
    depth = max(-y for _, y in place.values())
    ax.set_xlim(-1.0, 2.0 * (len(parts) - 1) + 1.0)
    ax.set_ylim(-depth - 0.6, 1.3)
    ax.axis("off")
