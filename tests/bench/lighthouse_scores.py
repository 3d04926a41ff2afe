"""Lighthouse's scores for every chapter page: the mobile preset (Lighthouse's default: a mid-range
phone, slow 4G), against the built site served on localhost with gzip as a static host would.

    .venv/bin/python tests/bench/lighthouse_scores.py [SITE_DIR]     # default: _build/html

Lighthouse 12 comes from the npm registry (tests/bench/lighthouse/package.json, installed on first use
with `npm ci`) and drives Debian's Chromium. ``make bench`` calls ``main()``. Targets (issue 14):
performance >= 90, accessibility, best practices and SEO 100, total byte weight <= 400 KB.

Each page is scored RUNS times and the table shows the median run (by performance score): on a shared
2-core host, Total Blocking Time of the same short page ranged from 292 to 2,813 ms in three runs back
to back (2026-12-03), and one run's score says more about the host than about the page.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
import site_support  # noqa: E402

LIGHTHOUSE_DIR = HERE / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 90, "accessibility": 100, "best-practices": 100, "seo": 100}
BYTE_BUDGET = 400_000
RUNS = 3


def lighthouse_bin() -> Path:
    """Lighthouse's command, installed from tests/bench/lighthouse/package-lock.json on first use;
    RuntimeError naming what is missing when npm is not installed or the install fails."""
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        try:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LIGHTHOUSE_DIR,
                           check=True)
        except FileNotFoundError:
            raise RuntimeError("npm not found: Lighthouse comes from the npm registry; install Node.js and "
                               "npm (Debian: apt-get install npm)") from None
        except subprocess.CalledProcessError as error:
            raise RuntimeError(f"'npm ci' in {LIGHTHOUSE_DIR} failed (exit {error.returncode}): "
                               "Lighthouse is not installed") from None
    return binary


def score_page(url: str, binary: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as tmp:
        report = Path(tmp) / "report.json"
        flags = " ".join([*site_support.CHROMIUM_ARGS, f"--user-data-dir={tmp}/profile"])
        proc = subprocess.run(
            [str(binary), url, "--quiet", "--output=json", f"--output-path={report}",
             f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"],
            env={**os.environ, "CHROME_PATH": str(site_support.CHROMIUM)}, capture_output=True, text=True,
            timeout=300)
        if proc.returncode != 0 or not report.exists():
            return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no report"]}
        data = json.loads(report.read_text())
    scores = {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}
    scores["bytes"] = int(data["audits"]["total-byte-weight"]["numericValue"])
    scores["fcp"] = data["audits"]["first-contentful-paint"]["numericValue"] / 1000
    scores["lcp"] = data["audits"]["largest-contentful-paint"]["numericValue"] / 1000
    # The CPU-bound parts of the performance score: they show whether a low score is the page's or the
    # host's (Lighthouse's mobile preset multiplies the CPU time it measured).
    scores["tbt"] = data["audits"]["total-blocking-time"]["numericValue"]
    scores["si"] = data["audits"]["speed-index"]["numericValue"] / 1000
    scores["cls"] = data["audits"]["cumulative-layout-shift"]["numericValue"]
    return scores


def median_run(runs: list[dict]) -> dict:
    """The run with the median performance score (ties by Total Blocking Time), so that the row's
    metrics are one run's and explain its score; the first failure if any run failed."""
    failed = [run for run in runs if "error" in run]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda run: (run["performance"], -run["tbt"]))
    return ordered[(len(ordered) - 1) // 2]


def main(argv=None) -> int:
    """Print the table; 1, with the reason on stderr and no table, when the site, Chromium or
    Lighthouse is missing (otherwise every row would carry the same failure)."""
    site = Path((argv or sys.argv[1:] or [str(HERE.parent.parent / "_build" / "html")])[0])
    try:
        site_support.require_site(site)
        site_support.require_chromium()
        binary = lighthouse_bin()
    except (RuntimeError, FileNotFoundError) as error:
        print(f"lighthouse_scores: {error}", file=sys.stderr)
        return 1
    chapters = [p for p in site_support.toc_pages() if (site / p).is_file()]
    print(f"Each row: the median of {RUNS} runs, by performance score.\n")
    print("| page | performance | accessibility | best practices | SEO | KB | FCP s | LCP s | SI s | TBT ms | CLS | |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    with site_support.serve(site) as base:
        for page in chapters:
            s = median_run([score_page(base + page, binary) for _ in range(RUNS)])
            if "error" in s:
                print(f"| {page} | | | | | | | | | | | lighthouse failed: {s['error'][0][:80]} |")
                continue
            misses = [c for c in CATEGORIES if s[c] < TARGETS[c]] + (["bytes"] if s["bytes"] > BYTE_BUDGET else [])
            print(f"| {page} | {s['performance']} | {s['accessibility']} | {s['best-practices']} | {s['seo']} | "
                  f"{s['bytes'] / 1000:.0f} | {s['fcp']:.1f} | {s['lcp']:.1f} | {s['si']:.1f} | {s['tbt']:.0f} | "
                  f"{s['cls']:.3f} | "
                  f"{'ok' if not misses else 'MISS ' + ', '.join(misses)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
