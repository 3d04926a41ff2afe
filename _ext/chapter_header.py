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
The instructor guide's code reads the same headers back from the sources (``read_chapters``) for its
tables and chapter map. It reads the sources, not Sphinx's environment, because the guide is an
executed page: its cells run (in jupyter-cache, or a maintainer's kernel) before Sphinx reads any
chapter, so no build data exists yet when they run.

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
        return [box, *messages]


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


def draw_chapter_map(chapters: list[dict], ax) -> dict:
    """One column per part, chapters in reading order downwards; an arrow from each prerequisite to the
    chapter that needs it. Arrows run along lanes between the boxes, never through one: straight down
    to the next chapter of a column; otherwise out of the prerequisite's right side into a lane of its
    own in the gap right of its column, along it, then into the chapter's right side (same column) or
    left side (a later column; every other column is half a row lower, so an arrow to the column after
    next runs between two rows of the one it crosses). An arrow that would cross two or more columns
    goes down its lane to a corridor of its own below every box, along it, and up a lane of the
    chapter's own in the gap left of the chapter's column.

    Works in inches (the axes fill the figure, one data unit an inch): the boxes are measured as drawn,
    and the figure is sized to the map. Returns the geometry, for tests: ``{"boxes": {doc: (x0, y0,
    x1, y1)}, "paths": [(prerequisite, chapter, [(x, y), ...])], "limits": (x0, x1, y0, y1)}``."""
    fig = ax.figure
    parts = list(dict.fromkeys(c["part"] for c in chapters))
    by_doc = {c["doc"]: c for c in chapters}
    column = {c["doc"]: parts.index(c["part"]) for c in chapters}
    row = {}
    for part in parts:
        for r, c in enumerate(c for c in chapters if c["part"] == part):
            row[c["doc"]] = r
    ax.set_position([0, 0, 1, 1])
    ax.axis("off")
    row_height, margin, lane_step, room = 0.55, 0.15, 0.14, 0.25  # inches
    texts = {c["doc"]: ax.text(0, 0, c["title"], ha="center", va="center", fontsize=9,
                               bbox={"boxstyle": "round,pad=0.35", "facecolor": "#eaf2f8",
                                     "edgecolor": "#0072B2"})
             for c in chapters}
    fig.canvas.draw()  # the boxes take their size when drawn
    renderer = fig.canvas.get_renderer()
    half = {doc: text.get_bbox_patch().get_window_extent(renderer).width / fig.dpi / 2 + 0.02
            for doc, text in texts.items()}
    box_half_height = max(t.get_bbox_patch().get_window_extent(renderer).height for t in texts.values()) \
        / fig.dpi / 2

    edges = [(p, c["doc"]) for c in chapters for p in c["prerequisites"] if p in by_doc]
    adjacent = {(p, d) for p, d in edges if column[p] == column[d] and row[d] == row[p] + 1}
    # the prerequisites with a lane in the gap right of each column, top to bottom
    lane_users = [sorted({p for p, d in edges if (p, d) not in adjacent and column[p] == k}, key=row.get)
                  for k in range(len(parts))]
    widest = [max(half[d] for d in by_doc if column[d] == k) for k in range(len(parts))]
    long_edges = [(p, d) for p, d in edges if column[d] > column[p] + 2]
    # the chapters reached by a long arrow, each with a lane in the gap left of its column
    entry_users = [sorted({d for _p, d in long_edges if column[d] == k}, key=row.get) for k in range(len(parts))]
    centre, x = [], margin
    for k in range(len(parts)):
        x += lane_step * len(entry_users[k]) + widest[k]
        centre.append(x)
        x += widest[k] + room + lane_step * len(lane_users[k])
    width = x + margin
    depth = max(row.values())
    top = 0.45  # room for the part titles
    corridor = lane_step * (len(long_edges) + 1) if long_edges else 0.0
    height = top + (depth + 1.5) * row_height + margin + corridor
    fig.set_size_inches(width, height)
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)

    def y_of(doc):  # every other column half a row lower: its rows face the gaps of its neighbours
        return height - top - (row[doc] + 0.5 + (column[doc] % 2) / 2) * row_height

    boxes = {}
    for doc, text in texts.items():
        x, y = centre[column[doc]], y_of(doc)
        text.set_position((x, y))
        boxes[doc] = (x - half[doc], y - box_half_height, x + half[doc], y + box_half_height)
    lane_x = {}
    for k, users in enumerate(lane_users):
        right = centre[k] + widest[k]
        for i, doc in enumerate(users):
            lane_x[doc] = right + room / 2 + lane_step * i
    entry_x = {d: centre[k] - widest[k] - room / 4 - lane_step * i
               for k, users in enumerate(entry_users) for i, d in enumerate(users)}
    corridor_y = {edge: margin + lane_step * i for i, edge in enumerate(long_edges)}
    # On a right side, arrows leave above the middle and arrive below it; on a left side (where none
    # leaves) they arrive at the middle, so no two lines from different lanes run along one another.
    out, into = 0.3 * box_half_height, -0.3 * box_half_height
    paths = []
    for p, d in edges:
        (px0, py0, px1, py1), (dx0, dy0, dx1, dy1) = boxes[p], boxes[d]
        py, dy = (py0 + py1) / 2, (dy0 + dy1) / 2
        if (p, d) in adjacent:
            cx = centre[column[d]]
            path = [(cx, py0), (cx, dy1)]
        elif column[p] == column[d]:
            path = [(px1, py + out), (lane_x[p], py + out), (lane_x[p], dy + into), (dx1, dy + into)]
        elif column[d] == column[p] + 1:
            path = [(px1, py + out), (lane_x[p], py + out), (lane_x[p], dy), (dx0, dy)]
        elif (p, d) in corridor_y:  # across two or more columns: under every box
            y = corridor_y[(p, d)]
            path = [(px1, py + out), (lane_x[p], py + out), (lane_x[p], y), (entry_x[d], y),
                    (entry_x[d], dy), (dx0, dy)]
        else:  # across a column: straight, between two of its rows (they are half a row off)
            path = [(px1, py + out), (lane_x[p], py + out), (lane_x[p], dy), (dx0, dy)]
        xs, ys = zip(*path)
        ax.plot(xs[:-1] + (xs[-1],), ys, color="#555555", linewidth=0.9, solid_joinstyle="round")
        ax.annotate("", xy=path[-1], xytext=path[-2],
                    arrowprops={"arrowstyle": "-|>", "color": "#555555", "shrinkA": 0, "shrinkB": 0,
                                "linewidth": 0.9})
        paths.append((p, d, path))
    for k, part in enumerate(parts):
        ax.text(centre[k], height - top / 2, part, ha="center", va="center", fontsize=10,
                fontweight="bold")
    return {"boxes": boxes, "paths": paths, "limits": (0, width, 0, height)}
