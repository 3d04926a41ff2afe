"""make bench's Lighthouse step: each missing piece (the built site, Chromium, npm, a failed install)
gets one clear message instead of a table whose every row repeats the same failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "bench"))
import lighthouse_scores  # noqa: E402
import site_support  # noqa: E402


@pytest.fixture
def site(tmp_path):
    folder = tmp_path / "html"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><title>t</title>")
    return folder


def test_lighthouse_without_a_built_site(tmp_path, capsys):
    assert lighthouse_scores.main([str(tmp_path / "nothing")]) == 1
    out = capsys.readouterr()
    assert f"no built site at {tmp_path / 'nothing'}" in out.err and "make book" in out.err
    assert "| page |" not in out.out


def test_lighthouse_without_chromium(site, tmp_path, monkeypatch, capsys):
    missing = tmp_path / "no-chromium"
    monkeypatch.setattr(site_support, "CHROMIUM", missing)
    monkeypatch.setattr(site_support, "CHROMIUM_MISSING", f"{missing} not found: apt-get install chromium")
    assert lighthouse_scores.main([str(site)]) == 1
    out = capsys.readouterr()
    assert f"{missing} not found" in out.err
    assert "| page |" not in out.out


def test_lighthouse_without_npm(tmp_path, monkeypatch):
    monkeypatch.setattr(lighthouse_scores, "LIGHTHOUSE_DIR", tmp_path)  # no node_modules: must install
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(RuntimeError, match="npm not found"):
        lighthouse_scores.lighthouse_bin()


def test_lighthouse_when_npm_ci_fails(tmp_path, monkeypatch):
    monkeypatch.setattr(lighthouse_scores, "LIGHTHOUSE_DIR", tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    npm = bin_dir / "npm"
    npm.write_text("#!/bin/sh\nexit 3\n")
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    with pytest.raises(RuntimeError, match=r"'npm ci' in .* failed \(exit 3\)"):
        lighthouse_scores.lighthouse_bin()


def test_lighthouse_reports_the_median_run_or_the_first_failure():
    runs = [{"performance": 95, "tbt": 100.0}, {"performance": 70, "tbt": 1300.0},
            {"performance": 88, "tbt": 400.0}]
    assert lighthouse_scores.median_run(runs) is runs[2]
    assert lighthouse_scores.median_run(runs[:1]) is runs[0]
    tied = [{"performance": 90, "tbt": 300.0}, {"performance": 90, "tbt": 100.0}, {"performance": 90, "tbt": 200.0}]
    assert lighthouse_scores.median_run(tied) is tied[2]
    failed = {"error": ["no report"]}
    assert lighthouse_scores.median_run([runs[0], failed, runs[1]]) is failed


def test_make_seeds_names_the_claim_that_failed():
    """make seeds reports the failing line with its comment (the claim), not a bare AssertionError."""
    import run_seeds

    message = ("An error occurred while executing the following cell:\n------------------\n"
               "assert mix < 1.05\n------------------\n\n\x1b[0;31mAssertionError\x1b[0m  Traceback\n"
               "Cell \x1b[0;32mIn[12], line 3\x1b[0m\n      1 x = 1\n"
               "\x1b[0;32m----> 3\x1b[0m \x1b[38;5;28;01massert\x1b[39;00m mix < 1.05  # the prose: \"within\"\n\n"
               "\x1b[0;31mAssertionError\x1b[0m: \n")
    summary = run_seeds.failure_summary(message)
    assert summary.startswith('3 assert mix < 1.05  # the prose: "within"'), summary
    assert summary.endswith("AssertionError:"), summary
    assert run_seeds.failure_summary("NameError: name 'x' is not defined") == "NameError: name 'x' is not defined"
