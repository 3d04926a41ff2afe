"""Browser tests of the built website: Playwright drives Debian's Chromium (headless) against the site
served on 127.0.0.1.

Each page is visited once, cold (new browser context, empty cache), and the visit is recorded: every
request, failed request, HTTP error, console error and page error, the bytes transferred, the math
rendered, and an axe-core accessibility scan. The per-page tests below assert on that record, so the
whole file needs one browser, one server and one visit per page.

Requests to any host other than this machine are recorded and blocked (so a page behaves the same with
or without a network): the book must work offline and track nobody.

For development, ``SITE_TESTS_HTML=/path/to/_build/html pytest tests/test_site_browser.py`` tests an
already built site instead of running ``make book`` first.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import nbformat
import pytest
from bs4 import BeautifulSoup

import site_support

sys.path.insert(0, str(Path(__file__).resolve().parent / "bench"))
import page_weight  # noqa: E402

TOC_PAGES = site_support.toc_pages()
# Also the site's entry point (index.html redirects to the landing page) and the pages Sphinx adds.
ALL_PAGES = ["index.html", *TOC_PAGES, "search.html", "genindex.html"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
SCREENSHOT_PAGES = {"landing": "index.html", "shrinkage": "book/shrinkage.html", "funnel": "book/funnel.html"}
SERIOUS = ("critical", "serious")


# --------------------------------------------------------------------------------------------------
# Fixtures: the site, a server, one browser, one recorded visit per page
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_url(site_dir):
    with site_support.serve(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not site_support.CHROMIUM.exists():
        pytest.fail(site_support.CHROMIUM_MISSING, pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = site_support.launch_chromium(playwright)
        yield chromium
        chromium.close()


@dataclass
class Visit:
    page: str
    final_url: str = ""
    requests: list = field(default_factory=list)
    blocked: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    http_errors: list = field(default_factory=list)
    console_errors: list = field(default_factory=list)
    page_errors: list = field(default_factory=list)
    transfer_bytes: int = 0
    math: dict = field(default_factory=dict)
    axe: list = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error (uncaught exception): {m}" for m in self.page_errors]
            + [f"failed request: {m}" for m in self.failed]
            + [f"HTTP error: {m}" for m in self.http_errors]
        )


def record_visit(browser, base_url: str, page_path: str) -> Visit:
    """Visit one page cold and record everything the tests look at."""
    from axe_playwright_python.sync_playwright import Axe

    visit = Visit(page_path)
    recording = True  # off before axe runs: axe fetches stylesheets itself (see below)
    context = browser.new_context(viewport=DESKTOP)
    site_support.block_other_hosts(context, visit.blocked)
    responses = []

    def on_request(request):
        if recording:
            visit.requests.append(request.url)

    def on_request_failed(request):
        if recording:
            visit.failed.append(f"{request.url} ({request.failure})")

    def on_response(response):
        if recording:
            responses.append(response)

    def on_console(message):
        if recording and message.type == "error":
            visit.console_errors.append(f"{message.text} [{message.location.get('url', '')}]")

    def on_page_error(error):
        if recording:
            visit.page_errors.append(str(error))

    context.on("request", on_request)
    context.on("requestfailed", on_request_failed)
    context.on("response", on_response)
    try:
        page = context.new_page()
        page.on("console", on_console)
        page.on("pageerror", on_page_error)
        page.goto(base_url + page_path, wait_until="load")
        if page_path == "index.html":  # a meta-refresh redirect to the landing page
            page.wait_for_url("**/book/index.html")
            page.wait_for_load_state("load")
        site_support.wait_until_settled(page)
        visit.final_url = page.url
        visit.http_errors = [f"{r.status} {r.url}" for r in responses if r.status >= 400]
        visit.transfer_bytes = sum(page_weight.transfer_size(r) for r in responses)
        visit.math = page.evaluate(
            r"""() => {
                const sources = [...document.querySelectorAll('span.math, div.math')];
                const drawn = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
                return {
                    sources: sources.length,
                    // _ext/mathml.py writes each equation as a <math> element at build time
                    unrendered: sources.filter(el => !el.querySelector(':scope > math'))
                                       .map(el => el.textContent.trim().slice(0, 80)),
                    elements: document.querySelectorAll('math').length,
                    // MathML the browser lays out as nothing (not a MathML element, or hidden)
                    empty: [...document.querySelectorAll('math')]
                               .filter(el => !(el instanceof MathMLElement) || (!drawn(el) && el.checkVisibility()))
                               .map(el => el.textContent.trim().slice(0, 80)),
                    // what mathml.py writes when math-core cannot convert an equation, and MathML errors
                    errors: [...document.querySelectorAll('code.math-error, merror')]
                                .map(el => el.textContent.slice(0, 120)),
                };
            }"""
        )
        # axe-core 4.12 re-fetches the page's stylesheets and resolves theme.css's nested
        # `@import "../basic.css"` against the wrong base (asking for /basic.css, a 404): the page
        # itself loads _static/basic.css correctly, so the record stops before axe runs.
        recording = False
        results = Axe().run(page)
        visit.axe = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    finally:
        context.close()
    return visit


@pytest.fixture(scope="session")
def visits(browser, base_url):
    """``visits(page)``: the recorded visit of a page, made the first time a test asks for it."""
    cache: dict[str, Visit] = {}

    def get(page_path: str) -> Visit:
        if page_path not in cache:
            cache[page_path] = record_visit(browser, base_url, page_path)
        return cache[page_path]

    return get


def _bullets(items) -> str:
    return "\n".join(f"  - {item}" for item in items)


# --------------------------------------------------------------------------------------------------
# Every page: loads cleanly, stays on this machine, passes axe, stays light
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_path", ALL_PAGES)
def test_page_loads_without_errors(visits, page_path):
    visit = visits(page_path)
    problems = visit.problems()
    assert not problems, f"{page_path} logged errors or had failed requests:\n{_bullets(problems)}"


@pytest.mark.parametrize("page_path", ALL_PAGES)
def test_page_requests_only_localhost(visits, page_path):
    visit = visits(page_path)
    assert visit.requests, f"no request recorded for {page_path}: the recording is broken"
    foreign = sorted({url for url in visit.requests if not site_support.is_local_url(url)})
    assert not foreign, (
        f"{page_path} asked hosts other than localhost (the book must work offline and track nobody; "
        f"serve these from _static instead):\n{_bullets(foreign)}"
    )


@pytest.mark.parametrize("page_path", ALL_PAGES)
def test_page_has_no_serious_accessibility_violations(visits, page_path):
    visit = visits(page_path)
    lines = []
    for violation in visit.axe:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} - {violation['helpUrl']}")
        for node in violation["nodes"][:5]:
            checks = node.get("any", []) + node.get("all", []) + node.get("none", [])
            message = checks[0]["message"] if checks else ""
            lines.append(f"      at {', '.join(map(str, node['target']))}: {message}")
    assert not visit.axe, f"axe-core found critical/serious violations on {page_path}:\n" + "\n".join(lines)


@pytest.mark.parametrize("page_path", TOC_PAGES)
def test_page_weight_under_limit(visits, page_path):
    weight = visits(page_path).transfer_bytes
    assert weight > 0, f"no bytes measured for {page_path}: the measurement is broken"
    assert weight < page_weight.LIMIT_BYTES, (
        f"{page_path} transfers {weight / 1000:.0f} kB on a first visit (limit "
        f"{page_weight.LIMIT_BYTES / 1000:.0f} kB, issue 14's budget for a phone); run "
        "tests/bench/page_weight.py to see what it loads, and lighten it (figures: size, dpi, format; "
        "scripts, stylesheets and fonts every page loads)"
    )


def test_page_weights_function(browser, base_url, site_dir, visits):
    """tests/bench/page_weight.py (``make bench``) measures what the weight test measures."""
    page_path = TOC_PAGES[0]
    [(page, weight)] = page_weight.page_weights(site_dir, browser=browser, base_url=base_url, pages=[page_path])
    expected = visits(page_path).transfer_bytes
    assert page == page_path
    assert abs(weight - expected) <= 0.05 * expected, (page_path, weight, expected)


# --------------------------------------------------------------------------------------------------
# Features: math, search, exercise solutions, notebook downloads
# --------------------------------------------------------------------------------------------------


def test_math_renders_as_mathml(visits):
    """Math is MathML written at build time (_ext/mathml.py): every math element on every page holds a
    <math> element that the browser lays out, and no page loads MathJax (or any script) for it."""
    notation = visits("book/notation.html")
    assert notation.math.get("elements", 0) > 0, (
        "book/notation.html, which has inline math, has no <math> element "
        f"(math elements on the page: {notation.math.get('sources')})"
    )
    problems = []
    for page_path in TOC_PAGES:
        visit = visits(page_path)
        math = visit.math
        if math["unrendered"]:
            problems.append(f"{page_path}: math not converted to MathML: {math['unrendered'][:5]}")
        if math["empty"]:
            problems.append(f"{page_path}: MathML the browser draws as nothing: {math['empty'][:5]}")
        if math["errors"]:
            problems.append(f"{page_path}: math errors: {math['errors'][:5]}")
        mathjax = [u for u in visit.requests if "mathjax" in urlsplit(u).path.lower()]
        if mathjax:
            problems.append(f"{page_path}: loads MathJax, which the MathML pages do not need: {mathjax[:3]}")
    assert not problems, "math did not render:\n" + _bullets(problems)


def _page_logging_errors(browser):
    """A desktop page that may ask only localhost, with a list that collects its console errors."""
    context = browser.new_context(viewport=DESKTOP)
    errors = []
    site_support.block_other_hosts(context, errors)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return context, page, errors


@pytest.mark.parametrize(("query", "target"), [("funnel", "funnel.html"), ("shrinkage", "shrinkage.html")])
def test_search_finds_chapter(browser, base_url, query, target):
    context, page, errors = _page_logging_errors(browser)
    try:
        page.goto(f"{base_url}search.html?q={query}")
        page.wait_for_function(
            "() => document.querySelector('#search-results h2')?.textContent.startsWith('Search Results')",
            timeout=15_000,
        )
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
        summary = page.inner_text("#search-results .search-summary")
    finally:
        context.close()
    assert any(target in urlsplit(href).path for href in hrefs), (
        f"searching for {query!r} found no link to {target}; search said: {summary!r}; links: {hrefs}"
    )
    assert not errors, f"errors while searching for {query!r}:\n{_bullets(errors)}"


def test_search_from_a_chapter_page(browser, base_url):
    """The search dialog of a chapter page (which loads no search index: book/_templates/layout.html)
    sends the query to search.html, which finds the chapter."""
    context, page, errors = _page_logging_errors(browser)
    try:
        page.goto(f"{base_url}book/notation.html")
        page.wait_for_load_state("load")
        page.locator("button.search-button__button:visible").first.click()
        box = page.locator("#pst-search-dialog input[name=q]")
        box.wait_for(state="visible", timeout=5_000)
        box.fill("funnel")
        box.press("Enter")
        page.wait_for_url("**/search.html?q=funnel*", timeout=10_000)
        page.wait_for_function(
            "() => document.querySelector('#search-results h2')?.textContent.startsWith('Search Results')",
            timeout=15_000,
        )
        hrefs = page.eval_on_selector_all("#search-results ul.search li a", "els => els.map(a => a.href)")
    finally:
        context.close()
    assert any("funnel.html" in urlsplit(href).path for href in hrefs), hrefs
    assert not errors, f"errors while searching from a chapter page:\n{_bullets(errors)}"


def _soup(site_dir: Path, page_path: str) -> BeautifulSoup:
    return BeautifulSoup((site_dir / page_path).read_text(encoding="utf-8"), "html.parser")


def test_exercise_solution_opens_on_click(browser, base_url, site_dir):
    found = None
    for page_path in TOC_PAGES:
        solution = _soup(site_dir, page_path).select_one("div.solution.dropdown[id]")
        if solution is not None:
            found = (page_path, solution["id"])
            break
    assert found, (
        "no page in _toc.yml has an exercise solution that opens on click (sphinx-exercise "
        "`{solution}` with `:class: dropdown`)"
    )
    page_path, solution_id = found
    context = browser.new_context(viewport=DESKTOP)
    site_support.block_other_hosts(context)
    try:
        page = context.new_page()
        page.goto(base_url + page_path)
        site_support.wait_until_settled(page)
        solution = page.locator(f'[id="{solution_id}"]')
        body = solution.locator(":scope > :not(.admonition-title)").first
        title = solution.locator(":scope > .admonition-title")
        button = solution.locator("button.toggle-button")
        assert body.count() == 1, f"the solution {solution_id} on {page_path} has no body"
        assert body.is_hidden(), f"the solution {solution_id} on {page_path} is visible before a click"
        assert button.get_attribute("aria-expanded") == "false"
        title.click()
        body.wait_for(state="visible", timeout=5_000)
        assert button.get_attribute("aria-expanded") == "true", "the toggle button does not say it is open"
    finally:
        context.close()


def test_notebook_downloads(browser, base_url, site_dir):
    """Each teaching chapter (a page with a chapter header) links its notebooks (``.ipynb``) from a part
    of the page with id or class ``notebook-downloads``; every such link returns a valid notebook."""
    chapters = [p for p in TOC_PAGES if _soup(site_dir, p).select_one(".chapter-header")]
    assert chapters, "no page in _toc.yml has a chapter header"
    missing, bad = [], []
    context = browser.new_context()
    try:
        for page_path in chapters:
            soup = _soup(site_dir, page_path)
            links = [
                a["href"]
                for a in soup.select("#notebook-downloads a[href], .notebook-downloads a[href]")
                if urlsplit(a["href"]).path.endswith(".ipynb")
            ]
            if not links:
                missing.append(page_path)
                continue
            for href in links:
                url = urljoin(base_url + page_path, href)
                response = context.request.get(url)
                if response.status != 200:
                    bad.append(f"{page_path}: {href} -> HTTP {response.status}")
                    continue
                try:
                    notebook = nbformat.reads(response.text(), as_version=4)
                    nbformat.validate(notebook)
                except Exception as error:  # noqa: BLE001 - not JSON, not a notebook, or invalid
                    bad.append(f"{page_path}: {href} is not a valid notebook: {str(error)[:200]}")
                    continue
                if not any(cell.cell_type == "code" for cell in notebook.cells):
                    bad.append(f"{page_path}: {href} has no code cell")
    finally:
        context.close()
    assert not missing, (
        'chapters with no notebook download (a[href$=".ipynb"] inside #notebook-downloads or '
        f".notebook-downloads):\n{_bullets(missing)}"
    )
    assert not bad, "broken notebook downloads:\n" + _bullets(bad)


# --------------------------------------------------------------------------------------------------
# Screenshots for review
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("name", list(SCREENSHOT_PAGES))
def test_screenshot(browser, base_url, site_dir, name, viewport):
    """Screenshots of the key pages under _build/screenshots/ for a person to review: NAME-WIDTH.png (the
    first screen) and NAME-WIDTH-full.png (the whole page). The page must not scroll sideways."""
    out_dir = site_dir.parent / "screenshots"
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{name}-{viewport['width']}.png"
    out_full = out_dir / f"{name}-{viewport['width']}-full.png"
    phone = viewport["width"] < 600
    context = browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
    site_support.block_other_hosts(context)
    try:
        page = context.new_page()
        page.goto(base_url + SCREENSHOT_PAGES[name])
        if SCREENSHOT_PAGES[name] == "index.html":
            page.wait_for_url("**/book/index.html")
        site_support.wait_until_settled(page)
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(out))
        page.screenshot(path=str(out_full), full_page=True)
    finally:
        context.close()
    for path in (out, out_full):
        assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    assert overflow <= 0, f"{SCREENSHOT_PAGES[name]} scrolls sideways by {overflow}px at {viewport['width']}px"


@pytest.mark.parametrize("page_path", ["book/centered.html", "book/index.html"])
@pytest.mark.parametrize("kind, dialog", [("primary", "#pst-primary-sidebar-modal"),
                                          ("secondary", "#pst-secondary-sidebar-modal")])
def test_phone_menu_buttons_open_their_sidebars_and_close_again(browser, base_url, page_path, kind, dialog):
    """On a phone (390 px, touch), tapping the visible menu button shows the chapter list, and the
    contents button the page's contents; Escape closes them. (pydata-sphinx-theme 0.17 listened on
    a hidden button only: its issue #2451; book/_static/scripts/sidebar_toggles.js.)"""
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    site_support.block_other_hosts(context)
    page = context.new_page()
    try:
        page.goto(urljoin(base_url + "/", page_path), wait_until="load")
        buttons = page.locator(f".{kind}-toggle:visible")
        if kind == "secondary" and buttons.count() == 0:
            pytest.skip(f"{page_path} has no page-contents button")
        assert buttons.count() >= 1, f"no visible {kind} toggle on {page_path}"
        assert not page.locator(dialog).evaluate("d => d.open")
        buttons.first.tap()
        page.wait_for_function(f"document.querySelector('{dialog}').open", timeout=5000)
        assert page.locator(f"{dialog} a").count() > 0  # the list is in the dialog
        if kind == "primary":
            assert page.locator(f"{dialog} a", has_text="The centered model").count() >= 1
        page.keyboard.press("Escape")
        page.wait_for_function(f"!document.querySelector('{dialog}').open", timeout=5000)
    finally:
        context.close()


# --------------------------------------------------------------------------------------------------
# A phone and a laptop (issue 29): nothing cut off, sharp figures, the header's menus and buttons
# --------------------------------------------------------------------------------------------------

LAPTOP = {"width": 1366, "height": 900}
#: A box that scrolls sideways must show that it does (book/_static/site_fixes.css): these kinds of box
#: carry the scrolling shadows. Code (``pre``) scrolls too, and is formatted to fit (tests/lint_book.py).
CUED_BOXES = ("div.math > math, .pst-scrollable-table-container, div.cell_output .output.text_html, "
              "figure#fig-chapter-map")

#: In the page: every element wider than the screen, or cut off by its own box, that no box lets the
#: reader scroll to; and every box that scrolls sideways without the visible cue.
CLIPPING_JS = r"""(cued) => {
    // Lay out every section now (the site lets the browser skip sections far from the screen).
    const style = document.createElement('style');
    style.textContent = '.bd-article section { content-visibility: visible !important; }';
    document.head.append(style);
    const name = el => {
        const id = el.id ? '#' + el.id : '';
        const cls = typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\s+/).join('.') : '';
        return (el.tagName.toLowerCase() + id + cls).slice(0, 90) + ': ' + (el.textContent || '').trim().slice(0, 50);
    };
    const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
        && el.scrollWidth > el.clientWidth + 1;
    const insideScroller = el => {
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            if (scrolls(p)) return true;
        }
        return false;
    };
    const width = document.documentElement.clientWidth;
    const clipped = [], uncued = [];
    for (const el of document.querySelectorAll('.bd-main *, .bd-header-article *')) {
        if (!el.checkVisibility({visibilityProperty: true, opacityProperty: false})) continue;
        const s = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        // (a few pixels over, as a link's underline or a glyph's overhang gives, hide nothing)
        if (['hidden', 'clip'].includes(s.overflowX) && el.scrollWidth > el.clientWidth + 4
            && s.textOverflow !== 'ellipsis') {
            clipped.push('cut off by its own box: ' + name(el));
        } else if ((r.right > width + 1 || r.left < -1) && !insideScroller(el)) {
            clipped.push(`beyond the screen (${Math.round(r.left)} to ${Math.round(r.right)} px): ` + name(el));
        }
        if (scrolls(el) && el.matches(cued) && !s.backgroundImage.includes('gradient')) {
            uncued.push(name(el));
        }
    }
    return {
        overflow: document.documentElement.scrollWidth - window.innerWidth,
        clipped: clipped.slice(0, 8), nClipped: clipped.length, uncued: uncued.slice(0, 8),
        scrolling: [...document.querySelectorAll(cued)].filter(scrolls).length,
    };
}"""


def _phone_context(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=3, is_mobile=True, has_touch=True)
    site_support.block_other_hosts(context)
    return context


@pytest.fixture(scope="module")
def phone_layouts(browser, base_url):
    """For each page at 390 px (a phone, touch, three pixels to the point): what CLIPPING_JS finds."""
    found = {}
    context = _phone_context(browser)
    try:
        page = context.new_page()
        for page_path in TOC_PAGES:
            page.goto(base_url + page_path, wait_until="load")
            found[page_path] = page.evaluate(CLIPPING_JS, CUED_BOXES)
    finally:
        context.close()
    return found


def test_nothing_is_cut_off_on_a_phone(phone_layouts):
    """At 390 px no page is wider than the screen, and nothing on it is cut off without a way to scroll
    to it: a wide equation, table or output scrolls inside its own box."""
    problems = []
    for page_path, found in phone_layouts.items():
        if found["overflow"] > 0:
            problems.append(f"{page_path}: the page is {found['overflow']} px wider than the screen")
        problems += [f"{page_path}: {item}" for item in found["clipped"]]
        if found["nClipped"] > len(found["clipped"]):
            problems.append(f"{page_path}: ... {found['nClipped']} in all")
    assert not problems, "cut off at 390 px:\n" + _bullets(problems)


def test_wide_boxes_show_that_they_scroll(phone_layouts):
    """Every equation, table or output box that scrolls sideways on a phone shows a shadow at the edge
    where more is hidden (phones hide scroll bars); varying_slopes has such boxes."""
    assert phone_layouts["book/varying_slopes.html"]["scrolling"] > 0, (
        "no equation or table of varying_slopes scrolls at 390 px: the test no longer sees them")
    uncued = [f"{page_path}: {item}" for page_path, found in phone_layouts.items() for item in found["uncued"]]
    assert not uncued, "boxes that scroll without a visible cue:\n" + _bullets(uncued)


FIGURES_JS = r"""() => {
    // Lay out every section now (the site lets the browser skip sections far from the screen).
    const style = document.createElement('style');
    style.textContent = '.bd-article section { content-visibility: visible !important; }';
    document.head.append(style);
    return [...document.querySelectorAll('.bd-article img')]
        // (a figure inside a closed exercise solution is not shown, and has no size yet)
        .filter(img => img.getAttribute('src').includes('_images/') && img.checkVisibility())
        .map(img => ({src: new URL(img.src).pathname, shown: img.getBoundingClientRect().width}));
}"""


@pytest.fixture(scope="module")
def figure_sizes(browser, base_url, site_dir):
    """For every figure of every page, on a phone (390 px, three pixels to the point) and on a laptop
    (1366 px): the page, the image file, its pixel width and dpi, and the CSS pixels it is shown at."""
    from PIL import Image

    rows = []
    for device, context in [("phone", _phone_context(browser)),
                            ("laptop", browser.new_context(viewport=LAPTOP, device_scale_factor=2))]:
        site_support.block_other_hosts(context)
        try:
            page = context.new_page()
            for page_path in TOC_PAGES:
                page.goto(base_url + page_path, wait_until="load")
                for figure in page.evaluate(FIGURES_JS):
                    file = site_dir / urlsplit(figure["src"]).path.lstrip("/")
                    if file.suffix == ".svg":
                        pixels, dpi = None, None
                    else:
                        with Image.open(file) as image:
                            pixels, dpi = image.size[0], image.info.get("dpi", (96, 96))[0]
                    rows.append((device, page_path, file.name, pixels, dpi, figure["shown"]))
        finally:
            context.close()
    return rows


def test_figures_are_sharp(figure_sizes):
    """Every figure is SVG or has at least twice the pixels it is shown at, on a phone and on a laptop
    (book/hbm.py's set_style draws "retina" PNGs), so it is sharp at two or three pixels to the point."""
    assert len({row[2] for row in figure_sizes}) > 20, "too few figures found: the test no longer sees them"
    unseen = [f"{device} {page_path}: {name}" for device, page_path, name, *_, shown in figure_sizes if shown == 0]
    assert not unseen, "figures laid out at no width:\n" + _bullets(unseen)
    blurry = [f"{device} {page_path}: {name} has {pixels} px, shown at {shown:.0f} CSS px"
              for device, page_path, name, pixels, _dpi, shown in figure_sizes
              if pixels is not None and pixels < 2 * shown - 1]
    assert not blurry, "figures with fewer than two pixels to the CSS pixel:\n" + _bullets(blurry)


def test_download_menu_offers_the_chapters_notebook_and_zip(browser, base_url):
    """The header's download menu of a chapter links its notebook and its zip (_ext/notebooks.py), and
    both download: a valid notebook, and a zip that holds it."""
    import io
    import zipfile

    context = browser.new_context(viewport=LAPTOP)
    site_support.block_other_hosts(context)
    try:
        page = context.new_page()
        page.goto(base_url + "book/shrinkage.html", wait_until="load")
        page.locator(".dropdown-download-buttons button.dropdown-toggle").click()
        menu = page.locator(".dropdown-download-buttons .dropdown-menu")
        menu.wait_for(state="visible", timeout=5_000)
        links = menu.locator("a:visible").evaluate_all("els => els.map(a => a.href)")
        wanted = {}
        for end in ("_notebooks/shrinkage.ipynb", "_notebooks/shrinkage.zip"):
            found = [href for href in links if urlsplit(href).path.endswith("/" + end)]
            assert found, f"the download menu has no link to {end}: {links}"
            wanted[end.rsplit(".", 1)[1]] = found[0]
        notebook, zipped = context.request.get(wanted["ipynb"]), context.request.get(wanted["zip"])
        assert notebook.status == 200 and zipped.status == 200
        nbformat.validate(nbformat.reads(notebook.text(), as_version=4))
        with zipfile.ZipFile(io.BytesIO(zipped.body())) as archive:
            assert any(name.endswith("book/shrinkage.ipynb") for name in archive.namelist()), archive.namelist()
    finally:
        context.close()


def test_laptop_sidebar_button_hides_and_shows_the_chapter_list(browser, base_url):
    """At 1366 px the menu button in the article's header hides the chapter list, and shows it again."""
    context = browser.new_context(viewport=LAPTOP)
    site_support.block_other_hosts(context)
    shown = "() => document.querySelector('#pst-primary-sidebar').checkVisibility({visibilityProperty: true})"
    try:
        page = context.new_page()
        page.goto(base_url + "book/centered.html", wait_until="load")
        assert page.evaluate(shown), "the chapter list is not shown at first on a laptop"
        button = page.locator(".primary-toggle:visible")
        assert button.count() == 1, f"{button.count()} visible menu buttons on a laptop"
        button.click()
        page.wait_for_function(f"!({shown})()", timeout=5_000)
        button.click()
        page.wait_for_function(f"({shown})()", timeout=5_000)
    finally:
        context.close()


def test_laptop_has_one_top_bar_and_one_search_button(browser, base_url):
    """At 1366 px the page has one top bar, the article's, and one search field (the chapter list's):
    no second, nearly empty bar above the article's with a second search box."""
    context = browser.new_context(viewport=LAPTOP)
    site_support.block_other_hosts(context)
    try:
        page = context.new_page()
        page.goto(base_url + "book/centered.html", wait_until="load")
        bars = page.evaluate("""() => [...document.querySelectorAll('header, .bd-header, .bd-header-article')]
            .filter(el => el.checkVisibility() && el.getBoundingClientRect().height > 0)
            .map(el => el.id || el.className)""")
        searches = page.locator(".search-button__button:visible").count()
    finally:
        context.close()
    assert len(bars) == 1, f"top bars shown on a laptop: {bars}"
    # sphinx-book-theme's own design: on a wide screen the chapter list's search field, no header icon
    assert searches == 1, f"{searches} search buttons or fields shown on a laptop"


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_search_icon_does_not_cover_the_query(browser, base_url, viewport):
    """In the search dialog, the magnifying glass sits left of where the typed query starts."""
    context = browser.new_context(viewport=viewport)
    site_support.block_other_hosts(context)
    try:
        page = context.new_page()
        page.goto(base_url + "book/centered.html", wait_until="load")
        page.locator(".search-button__button:visible").first.click()
        box = page.locator("#pst-search-dialog input[name=q]")
        box.wait_for(state="visible", timeout=5_000)
        box.fill("divergences")
        where = page.evaluate("""() => {
            const input = document.querySelector('#pst-search-dialog input[name=q]');
            const icon = document.querySelector('#pst-search-dialog .fa-magnifying-glass');
            const r = input.getBoundingClientRect(), s = getComputedStyle(input);
            const i = icon.getBoundingClientRect();
            return {textStart: r.left + parseFloat(s.paddingLeft) + parseFloat(s.borderLeftWidth),
                    iconLeft: i.left, iconRight: i.right, iconTop: i.top, iconBottom: i.bottom,
                    top: r.top, bottom: r.bottom};
        }""")
    finally:
        context.close()
    same_line = where["iconBottom"] > where["top"] and where["iconTop"] < where["bottom"]
    assert not same_line or where["iconRight"] <= where["textStart"] + 0.5, (
        f"the search icon ({where['iconLeft']:.0f}-{where['iconRight']:.0f} px) covers the query, which "
        f"starts at {where['textStart']:.0f} px")


#: "About 9 CSS pixels" for tick labels on a phone (issue 29): a little under, for rounding.
LEGIBLE_PX = 8.5


def test_figure_labels_are_legible_on_a_phone(figure_sizes):
    """On a phone, each figure's tick labels (the book's size: book/hbm.py's set_style) are shown at
    about 9 CSS pixels or more: the figure's width in inches (its pixels over its dpi) against the
    width it is shown at gives the CSS pixels a point takes. An estimate: it assumes the book's tick
    size, which every figure uses unless its code sets another."""
    import matplotlib as mpl
    from matplotlib.font_manager import FontProperties

    import hbm

    with mpl.rc_context():
        hbm.set_style()
        tick_pt = FontProperties(size=mpl.rcParams["xtick.labelsize"]).get_size_in_points()
    small = {}
    for device, page_path, name, pixels, dpi, shown in figure_sizes:
        if device != "phone" or pixels is None or shown == 0:
            continue
        px = tick_pt / 72 * dpi * shown / pixels
        if px < LEGIBLE_PX:
            small.setdefault(page_path, []).append(
                f"{page_path}: {name}: tick labels at {px:.1f} CSS px ({pixels / dpi:.1f} in wide, "
                f"shown at {shown:.0f} px)")
    assert not small, (f"figures whose tick labels are under {LEGIBLE_PX} CSS px on a phone (a figure at "
                       "most about 6.4 inches wide keeps them legible):\n"
                       + _bullets(f for found in small.values() for f in found))


def test_landing_page_says_where_to_start(site_dir):
    """Before its first section, the landing page says "Start here" with a link to the first chapter
    (the first of Part I), not only to "Running the code"."""
    import lint_book

    soup = _soup(site_dir, "book/index.html")
    intro = soup.select_one("article section section").find_all_previous("p")
    start = [p for p in intro if "Start here" in p.get_text()]
    assert start, "the landing page's introduction has no 'Start here'"
    first_chapter = lint_book.part_chapters()[0].rsplit("/", 1)[-1] + ".html"
    hrefs = [a["href"].split("#")[0] for a in start[0].select("a[href]")]
    assert any(href.endswith(first_chapter) for href in hrefs), (first_chapter, hrefs)
