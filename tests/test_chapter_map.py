"""The instructor guide's chapter map (_ext/chapter_header.py's draw_chapter_map): every arrow runs
between the boxes, never through one, stays inside the figure, and no two arrows that neither start nor
end at the same chapter run along the same line (a reader could not tell them apart)."""

from __future__ import annotations

import itertools
import sys

import matplotlib
import pytest

from conftest import ROOT

matplotlib.use("Agg")
sys.path.insert(0, str(ROOT / "_ext"))

import matplotlib.pyplot as plt  # noqa: E402

from chapter_header import draw_chapter_map, read_chapters  # noqa: E402

EPS = 0.01  # inches


@pytest.fixture(scope="module")
def chapter_map():
    chapters = read_chapters(ROOT)
    fig, ax = plt.subplots()
    try:
        yield chapters, draw_chapter_map(chapters, ax)
    finally:
        plt.close(fig)


def _segments(path):
    return list(itertools.pairwise(path))


def _crosses(segment, box) -> bool:
    """Whether an axis-parallel segment enters the inside of a box (touching its edge is not)."""
    (ax, ay), (bx, by) = segment
    x0, y0, x1, y1 = box
    return (min(ax, bx) < x1 - EPS and max(ax, bx) > x0 + EPS
            and min(ay, by) < y1 - EPS and max(ay, by) > y0 + EPS)


def _overlap(s, t) -> float:
    """Length two axis-parallel segments share when they lie on one line (0 otherwise)."""
    (ax, ay), (bx, by) = s
    (cx, cy), (dx, dy) = t
    if abs(ay - by) < EPS and abs(cy - dy) < EPS and abs(ay - cy) < 0.03:  # horizontal, one line
        return min(max(ax, bx), max(cx, dx)) - max(min(ax, bx), min(cx, dx))
    if abs(ax - bx) < EPS and abs(cx - dx) < EPS and abs(ax - cx) < 0.03:  # vertical
        return min(max(ay, by), max(cy, dy)) - max(min(ay, by), min(cy, dy))
    return 0.0


def test_every_prerequisite_has_an_arrow(chapter_map):
    chapters, geometry = chapter_map
    expected = {(p, c["doc"]) for c in chapters for p in c["prerequisites"]}
    assert {(p, d) for p, d, _ in geometry["paths"]} == expected


def test_arrows_are_lines_along_the_axes(chapter_map):
    _, geometry = chapter_map
    slanted = [(p, d) for p, d, path in geometry["paths"] for (ax, ay), (bx, by) in _segments(path)
               if abs(ax - bx) > EPS and abs(ay - by) > EPS]
    assert not slanted, slanted


def test_no_arrow_runs_through_a_box(chapter_map):
    _, geometry = chapter_map
    through = [f"{p} -> {d} crosses {doc}" for p, d, path in geometry["paths"] for segment in _segments(path)
               for doc, box in geometry["boxes"].items() if _crosses(segment, box)]
    assert not through, "\n".join(through)


def test_arrows_and_boxes_stay_inside_the_figure(chapter_map):
    _, geometry = chapter_map
    x0, x1, y0, y1 = geometry["limits"]
    points = [(f"{p} -> {d}", pt) for p, d, path in geometry["paths"] for pt in path]
    points += [(doc, (bx, by)) for doc, (a, b, c, e) in geometry["boxes"].items() for bx, by in [(a, b), (c, e)]]
    outside = [name for name, (x, y) in points if not (x0 <= x <= x1 and y0 <= y <= y1)]
    assert not outside, outside


def test_arrows_between_other_chapters_never_share_a_line(chapter_map):
    _, geometry = chapter_map
    shared = []
    for (p1, d1, path1), (p2, d2, path2) in itertools.combinations(geometry["paths"], 2):
        if p1 == p2 or d1 == d2:  # one chapter's arrows may leave, or arrive, together
            continue
        for s, t in itertools.product(_segments(path1), _segments(path2)):
            if _overlap(s, t) > 0.05:
                shared.append(f"{p1} -> {d1} and {p2} -> {d2}")
    assert not shared, "\n".join(sorted(set(shared)))
