"""Summarize Sphinx's linkcheck output (``make linkcheck``): which external links work, which are broken,
and whether they could be checked at all.

    .venv/bin/python tests/linkcheck_report.py [_build/linkcheck/output.json]

Exit status: 1 if a link is broken (the server answered with an error, or the host does not exist while
other hosts answer); 0 if every link works, was redirected or timed out (reported, not counted: a slow
server is not a wrong link), and 0 with a warning when no host could be reached at all (no network:
nothing was checked, so nothing is known to be broken).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

DEFAULT = Path(__file__).resolve().parent.parent / "_build" / "linkcheck" / "output.json"
# requests/urllib3 messages that mean "could not reach the host", not "the link is wrong".
UNREACHABLE = re.compile(
    r"NameResolutionError|Failed to resolve|Name or service not known|Temporary failure in name resolution|"
    r"Network is unreachable|No route to host|Connection refused|ConnectTimeout|timed out|"
    r"Max retries exceeded",
    re.I,
)


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DEFAULT
    if not path.is_file():
        print(f"linkcheck: no report at {path}: the linkcheck build failed before checking links "
              "(see its output above)")
        return 1
    rows = load(path)
    external = [r for r in rows if r["status"] not in ("unchecked", "ignored")]
    counts = Counter(r["status"] for r in rows)
    broken = [r for r in rows if r["status"] in ("broken", "timeout")]
    unreachable = [r for r in broken if UNREACHABLE.search(r.get("info", ""))]
    answered = [r for r in external if r not in unreachable]

    print(f"linkcheck: {len(rows)} links: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    if external and not answered:
        print(f"linkcheck: no host could be reached (no network?): none of the {len(external)} external "
              "links was checked. Run `make linkcheck` again on a machine with a network.")
        for r in unreachable:
            print(f"  ? {r['uri']}  ({r['filename']}:{r['lineno']})")
        return 0
    for r in sorted(broken, key=lambda r: (r["filename"], r["lineno"])):
        kind = "timeout (not counted)" if r["status"] == "timeout" else "BROKEN"
        print(f"  {kind}: {r['uri']}  ({r['filename']}:{r['lineno']}): {r.get('info', '')[:200]}")
    for r in rows:
        if r["status"] == "redirected":
            print(f"  redirected: {r['uri']} -> {r.get('info', '')}  ({r['filename']}:{r['lineno']})")
    failing = [r for r in broken if r["status"] == "broken"]
    if failing:
        print(f"linkcheck: {len(failing)} broken link(s)")
        return 1
    print("linkcheck: every external link works")
    return 0


if __name__ == "__main__":
    sys.exit(main())
