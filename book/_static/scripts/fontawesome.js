/* Replaces pydata-sphinx-theme's scripts/fontawesome.js (1.5 MB, 0.54 MB gzip-compressed: all of Font
 * Awesome as SVG-in-JS), which every page loaded to redraw a dozen icons the theme's stylesheet already
 * draws with its Font Awesome web font (_static/vendor/fontawesome/webfonts/fa-solid-900.woff2).
 * Sphinx copies html_static_path (book/_static) over the theme's static files, so this file wins.
 * If the book ever uses the theme's custom icons (icon_links of type "fontawesome" with fa-custom
 * icons), delete this file. tests/bench/page_weight.py measures the saving. */
