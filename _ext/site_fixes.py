"""Small fixes to the HTML that Jupyter Book 1.x produces, so that a page loads with no console error and
passes axe-core's accessibility checks.

1. Sphinx 7.4 registers an inline script added by an extension after the builder started (sphinx-thebe's
   ``const THEBE_JS_URL = ...``, sphinx-togglebutton's ``var togglebuttonSelector = ...``) twice: once as
   filename ``None`` and once as ``''``, which compare unequal. The second ``const`` declaration is a
   SyntaxError on every page ("Identifier 'THEBE_JS_URL' has already been declared"). We drop the
   duplicates from each page's script list.
2. docutils 0.21 writes the bibliography as ``<div role="list">`` holding ``<div role="doc-biblioentry">``
   items. ARIA 1.3 deprecates doc-biblioentry and axe-core counts it as no list item, so the references
   page fails axe's critical "aria-required-children" rule. We write ``role="listitem"`` instead.
3. Links in exercises and admonitions have too little contrast with sphinx-book-theme's link colour
   (axe's serious "color-contrast" rule): book/_static/site_fixes.css sets a darker one.

(The theme's other first-visit console error, "Got invalid theme mode: .", is fixed in _config.yml by
``html_context: {default_mode: auto}``.) tests/test_site_browser.py checks that no page logs an error.
"""

from __future__ import annotations


def _script_key(script):
    filename = getattr(script, "filename", script) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _dedupe_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    context["script_files"] = unique


def _bibliography_roles(app, pagename, templatename, context, doctree):
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def setup(app):
    # After the other extensions (sphinx.ext.mathjax adds its scripts at the default priority 500).
    app.connect("html-page-context", _dedupe_scripts, priority=900)
    app.connect("html-page-context", _bibliography_roles)
    # 3. Colour contrast (book/_static/site_fixes.css says why).
    app.add_css_file("site_fixes.css")
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
