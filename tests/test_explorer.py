"""`framewatch ui` in a real headless Chromium (Debian's package, driven by
Selenium) against the demo warehouse the real flow built.

The app runs as its own process (`python -m cli ui`), as an analyst starts
it; the tests click and type in the browser and check what the page shows
against the snapshot, and the warehouse afterwards.
"""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from alerts.flow import run_check
from flows.settings import load_settings
from reports.browser import available, chromium
from tests.conftest import DEMO_SITES, ingest_overrides
from tests.warehouse_fixtures import flow_warehouse  # noqa: F401  (fixture)
from warehouse.snapshot import publish_snapshot

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.usefixtures("prefect_harness"),
              pytest.mark.skipif(available() is not None, reason=available() or "")]

TRUCE = "transactional_truce"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def demo_copy(flow_warehouse, tmp_path_factory):  # noqa: F811
    """A private copy of the demo warehouse and its snapshot: these tests write to it."""
    if not DEMO_SITES.is_dir():
        pytest.skip("needs the demo corpus")
    data = tmp_path_factory.mktemp("explorer") / "data"
    data.mkdir()
    db = data / "framewatch.duckdb"
    shutil.copyfile(flow_warehouse["db"], db)
    # The alert check with the demo's settings (`framewatch demo` watches with a
    # 30-story baseline), as of the demo's last week: the planted shift's alert.
    settings = load_settings(data_dir=str(data), alerts={"min_baseline_stories": 30})
    run_check(db, settings, now=datetime(2025, 12, 22, 12, tzinfo=timezone.utc))
    publish_snapshot(db, data / "framewatch-snapshot.duckdb")
    return data


@pytest.fixture(scope="module")
def ui(demo_copy):
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FRAMEWATCH_EXPLORER__MERGE_EVERY": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "cli", "ui", "-d", str(demo_copy), "--port", str(port), "--user", "tester"],
                            cwd=demo_copy.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{url}/api/meta", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"framewatch ui did not start:\n{proc.stdout.read()}")
        time.sleep(0.3)
    yield {"url": url, "data": demo_copy}
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def wait(driver, predicate, timeout: float = 60, what: str = "the page"):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: predicate(d), message=f"waiting for {what}")


def open_tab(driver, ui, tab: str, labels: str = "classifier"):
    driver.get("about:blank")  # a fresh page load, not just a hash change
    driver.get(f"{ui['url']}/#{tab}")
    wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == tab, what=f"tab {tab}")
    if labels != "classifier":
        from selenium.webdriver.support.ui import Select

        driver.execute_script("document.body.removeAttribute('data-ready')")
        Select(driver.find_element("id", "labelmode")).select_by_value(labels)
        wait(driver, lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == tab, what="labels reload")


def point(driver, framing_name: str, week: str):
    sel = f"#share-chart path[aria-label^='{framing_name}, week starting {week}:']"
    return wait(driver, lambda d: (d.find_elements("css selector", sel) or [None])[0], what=f"the point {sel}")


def snapshot_rows(ui, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(ui["data"] / "framewatch-snapshot.duckdb"), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def truce_weeks(ui) -> list[tuple[date, int, int]]:
    return snapshot_rows(ui, "SELECT week, stories, on_topic_stories FROM framing_weekly WHERE label = ? ORDER BY week", [TRUCE])


def test_overview_shows_the_planted_shift_with_n_and_the_alert_window(browser, ui):
    open_tab(browser, ui, "overview")
    labels = [e.get_attribute("aria-label") for e in browser.find_elements("css selector", "#share-chart path[aria-label]")]
    halves = {True: [0, 0], False: [0, 0]}
    for week, k, n in truce_weeks(ui):
        label = f"Transactional truce, week starting {week}: {k} of n={n} on-topic stories"
        assert label in labels  # every weekly point is drawn and carries its k and n
        half = halves[week >= date(2025, 10, 27)]
        half[0] += k
        half[1] += n
    # The demo's planted shift (demo/README.md): the truce framing's share of
    # on-topic stories rises in the second half (from 2025-10-27), as drawn.
    assert halves[True][0] / halves[True][1] > halves[False][0] / halves[False][1] + 0.15
    truce = truce_weeks(ui)
    # n is printed above the points, and the alert window is shaded and named.
    texts = [t.get_attribute("textContent") for t in browser.find_elements("css selector", "#share-chart text")]
    assert "alert: Transactional truce up" in texts
    # The window is the detector's (alerts table), not a date written here: it moves with the classifier's labels.
    [(start, end)] = snapshot_rows(ui, "SELECT window_start, window_end FROM alerts WHERE kind = 'framing_shift'")
    window = f"start: {start:%b} {start.day}, {start:%Y}; end: {end:%b} {end.day}, {end:%Y}; alert: Framing shift"
    assert any(label.startswith(window) for label in labels), (window, [x for x in labels if "alert" in x])
    ns = {str(n) for _w, _k, n in truce_weeks(ui)}
    assert ns <= set(texts)
    # The numbers behind the chart, as a table, say which labels they use.
    rows = browser.find_elements("css selector", "#share-table tbody tr")
    assert len(rows) == 2 * len(truce)
    assert "no corrections applied" in browser.find_element("id", "labelmode-note").text


def test_clicking_a_point_lists_the_stories_behind_it(browser, ui):
    from selenium.webdriver.common.action_chains import ActionChains

    open_tab(browser, ui, "overview")
    week = date(2025, 11, 17)
    expected = {a for (a,) in snapshot_rows(
        ui, "SELECT article_id FROM story_framings WHERE label = ? AND story_date BETWEEN ? AND ?",
        [TRUCE, week, week + timedelta(days=6)])}
    assert expected
    ActionChains(browser).move_to_element(point(browser, "Transactional truce", week.isoformat())).click().perform()
    heading = wait(browser, lambda d: (d.find_elements("id", "drill-heading") or [None])[0], what="the drill-down")
    assert f"{len(expected)} of" in heading.text and "Transactional truce" in heading.text
    cards = browser.find_elements("css selector", "#drill .story")
    assert {c.get_attribute("data-article-id") for c in cards} == expected
    card = cards[0]
    link = card.find_element("css selector", ".title a")
    assert link.get_attribute("href").startswith("http://127.0.0.1:")  # titles link to the article
    assert "scores:" in card.text and "cop" in card.text


def test_search_finds_a_known_demo_article_with_the_hits_framing_mix(browser, ui):
    title, article_id = snapshot_rows(
        ui, "SELECT title, article_id FROM story_framings WHERE on_topic AND title IS NOT NULL ORDER BY story_date LIMIT 1")[0]
    words = " ".join(title.split()[:4])
    open_tab(browser, ui, "search")
    box = browser.find_element("id", "q")
    box.send_keys(words)
    box.submit()
    wait(browser, lambda d: f"match “{words}”" in d.find_element("id", "search-results").text, what="search results")
    ids = [c.get_attribute("data-article-id") for c in browser.find_elements("css selector", "#search-results .story")]
    assert article_id in ids
    mix = browser.find_elements("css selector", "#mix-table tr")
    assert mix and sum(int(r.find_elements("tag name", "td")[1].text) for r in mix) >= 1
    box = browser.find_element("id", "q")
    box.clear()
    box.send_keys("zzzqqq-not-in-any-article")
    box.submit()
    wait(browser, lambda d: "0 stories match" in d.find_element("id", "search-results").text, what="an empty search")


def test_acknowledging_an_alert_updates_it(browser, ui):
    alert_id, status = snapshot_rows(ui, "SELECT alert_id, status FROM alerts WHERE kind = 'framing_shift' LIMIT 1")[0]
    assert status != "acknowledged"
    open_tab(browser, ui, "alerts")
    card = browser.find_element("css selector", f".alert[data-alert-id='{alert_id}']")
    assert "Stories that drove it" in card.text
    card.find_element("css selector", "button.ack").click()
    wait(browser, lambda d: d.find_element("css selector", f".alert[data-alert-id='{alert_id}'] .status").text == "acknowledged",
         what="the alert to show acknowledged")
    with duckdb.connect(str(ui["data"] / "framewatch.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT status FROM alerts WHERE alert_id = ?", [alert_id]).fetchall() == [("acknowledged",)]


def test_a_label_correction_survives_the_next_run_and_is_exported(browser, ui, demo_sites, tmp_path):
    from selenium.webdriver.support.ui import Select

    from flows.daily_ingest import daily_ingest

    open_tab(browser, ui, "overview")
    week = date(2025, 11, 17)
    browser.find_element("css selector", "#numbers > summary").click()  # the table of numbers, folded by default
    for row in browser.find_elements("css selector", "#share-table tbody tr"):
        cells = row.find_elements("tag name", "td")
        if cells[0].text == week.isoformat() and cells[1].text == "Transactional truce":
            row.find_element("tag name", "button").click()
            break
    else:
        pytest.fail("no row for the truce share of that week in the table of numbers")
    card = wait(browser, lambda d: (d.find_elements("css selector", "#drill .story") or [None])[0], what="stories")
    article_id = card.get_attribute("data-article-id")
    card.find_element("css selector", "details > summary.muted").click()
    Select(card.find_element("name", "label")).select_by_value("neither")
    card.find_element("name", "note").send_keys("a news report, no framing")
    card.find_element("css selector", "form button").click()
    wait(browser, lambda d: card.find_element("css selector", "[data-saved]").get_attribute("data-saved") == "neither",
         what="the correction to be saved")

    # Shown at once, and the trend can use it (and says so).
    open_tab(browser, ui, "overview", labels="corrected")
    assert "1 analyst correction(s) applied" in browser.find_element("id", "labelmode-note").text
    # The app merges it into the warehouse as soon as no run holds the file.
    wait(browser, lambda d: httpx.get(f"{ui['url']}/api/corrections").json()["pending"] == 0, what="the merge")

    # The demo sites listen on other ports than when the warehouse was built
    # (tests take free ports), and a run polls the remembered feed URL before
    # it records a changed one: forget the old address, as a move would.
    with duckdb.connect(str(ui["data"] / "framewatch.duckdb")) as conn:
        conn.execute("UPDATE sources SET current_feed_url = NULL")
    summary = daily_ingest(overrides=ingest_overrides(tmp_path, demo_sites, data_dir=str(ui["data"])))
    assert summary["status"] in ("completed", "completed_with_errors"), [(e["source_id"], e.get("reason"), e.get("url")) for e in summary.get("errors", [])][:2]
    with duckdb.connect(str(ui["data"] / "framewatch.duckdb"), read_only=True) as conn:
        assert conn.execute("SELECT label, corrected_by FROM label_corrections WHERE article_id = ?",
                            [article_id]).fetchall() == [("neither", "tester")]
    # The app picks up the snapshot the run published, and the correction is still applied.
    open_tab(browser, ui, "corrections")
    rows = browser.find_elements("css selector", "#corrections-table tbody tr")
    assert len(rows) == 1 and article_id in rows[0].text
    assert "Every correction is in the warehouse" in browser.find_element("id", "pending").text

    from cli.app import app

    out = tmp_path / "labels.csv"
    res = CliRunner().invoke(app, ["labels", "export", "-d", str(ui["data"]), "--out", str(out)])
    assert res.exit_code == 0, res.output
    with open(out, newline="") as f:
        exported = list(csv.DictReader(f))
    assert list(exported[0]) == ["url", "article_id", "label", "note", "corrected_by", "corrected_at"]
    assert [(r["article_id"], r["label"], r["note"], r["corrected_by"]) for r in exported] == [
        (article_id, "neither", "a news report, no framing", "tester")]
    assert exported[0]["url"].startswith("http://127.0.0.1:")
