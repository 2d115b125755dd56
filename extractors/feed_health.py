"""Feed health: how one poll changes what we know about a feed.

Columns (warehouse table `sources`), so an operator can reason about a
failing source without reading code:
- consecutive_failures: polls in a row that ended in an error; reset by any
  success (including 304). At `failure_threshold` the feed is flagged.
- last_status / last_error: the HTTP status and reason code of the last poll.
- last_new_item_at: when a poll last found an entry we had not seen.
- etag / last_modified / body_sha256: validators for the next conditional
  GET; the body hash catches servers that ignore validators but send the
  same bytes (about 30% of feed fetches at Media Cloud).
- current_feed_url: follows 301/308 (the publisher said "moved for good"),
  but only once the new location answered successfully; the flow also
  records each move in fetch_errors (reason `moved_permanently`) so it is
  visible and sources.toml can be updated. 302/307 never change it.
- disabled: set by 410 Gone (the publisher said "never coming back"); a
  disabled feed is not polled. Re-enable by hand:
  UPDATE sources SET disabled = false, disabled_reason = NULL WHERE source_id = '...';
- A feed failing `failure_threshold` polls in a row (404, timeouts, ...) is
  *flagged* (`is_flagged`), not disabled: sites break for a week and come
  back, and the alerts job tells a human.
- diagnosis / diagnosis_detail: what the last poll looked like, in one word
  from DIAGNOSES (below), with a one-line hint for the operator. Sources
  diagnosed as needing action are polled less and less often (`poll_due`).
- newest_item_at: publication time of the newest entry the last parsed poll
  listed (for `stale`, also after a 304).
- feed_url (configured) vs current_feed_url: an operator's edit of the
  sources file wins over both the stored URL and any redirect
  (`effective_url`); the flow records the edit (reason `feed_url_edited`).

Whether a source is *healthy* over time (failing, silent, ...) is defined
once, in the warehouse view `source_health` (warehouse/sql/views.sql), which
reads the thresholds the last run stored in `health_policy` (`policy_row`).
The CLI and the alerts read that view; nothing else re-derives it.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

from extractors.http import FetchResult

# One word per poll, and what the operator should do about it. `sources`,
# the README and docs/fetching.md all show these texts.
DIAGNOSES = {
    "ok": "working: new entries are picked up",
    "teaser_only": "working; the feed carries summaries only, so every page is fetched (nothing to do)",
    "not_a_feed": "the URL answers HTML (or a challenge page), not a feed: find the real one with `framewatch sources add SITE`",
    "empty": "a valid feed with no entries: check the URL in a browser; if it stays empty, use a sitemap or wp-json",
    "stale": "the newest entry is old: the feed may be abandoned; look for a newer one with `framewatch sources add SITE`",
    "blocked": "the site refuses us (401/403 or a bot challenge): ask the publisher, or switch to a sitemap or wp-json",
    "robots_disallowed": "robots.txt forbids this URL to crawlers: respect it; ask the publisher or drop the source",
    "gone": "404/410: the URL no longer exists; find the new one with `framewatch sources add SITE`",
    "unreachable": "timeouts, 5xx or network errors: usually temporary; retried on the next run",
}
# Polling such a source again tomorrow would fail the same way: back off.
NEEDS_ACTION = ("not_a_feed", "blocked", "robots_disallowed", "gone")
# A source stuck in NEEDS_ACTION is polled by the next daily run once, then
# after 2, 4, and from then on every 7 days: it keeps being checked (so a fix
# by the publisher is seen within a week) without hammering a site that has
# said no. In-run retries never apply to these (403, HTML: not transient).
MAX_BACKOFF_DAYS = 7
# A feed whose entries average fewer words than this carries teasers.
TEASER_WORDS = 120
CHALLENGE_MARKERS = re.compile(
    rb"cf-chl|challenge-platform|just a moment\.\.\.|attention required|captcha|perimeterx|px-captcha|ddos-guard"
    rb"|checking your browser|access denied", re.I)
HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*(?:<!doctype\s+html|<html|<head|<body)", re.I | re.S)


HEALTH_COLUMNS = (
    "current_feed_url", "etag", "last_modified", "body_sha256", "last_attempt_at", "last_success_at",
    "last_status", "consecutive_failures", "last_new_item_at", "items_seen", "last_error", "disabled",
    "disabled_reason", "diagnosis", "diagnosis_detail", "newest_item_at",
)


def hint(diagnosis: str | None) -> str:
    """The one-line advice for a diagnosis."""
    return DIAGNOSES.get(diagnosis or "", "not polled yet: run `framewatch run` or `framewatch sources check`")


def looks_like_html(body: bytes | None) -> bool:
    return bool(body) and bool(HTML_START.match(body[:4096]))


def is_challenge(body: bytes | None) -> bool:
    """A bot-challenge / WAF page (Cloudflare, PerimeterX, ...), not content."""
    return bool(body) and bool(CHALLENGE_MARKERS.search(body[:65536]))


def diagnose_fetch(result: FetchResult) -> tuple[str, str] | None:
    """The diagnosis when the fetch itself failed (None: it returned a body or a 304)."""
    if result.ok:
        if looks_like_html(result.body):
            if is_challenge(result.body):
                return "blocked", f"HTTP {result.status}: a bot-challenge page instead of content"
            return "not_a_feed", f"HTTP {result.status}: an HTML page ({result.content_type or 'no content type'})"
        return None
    err = result.error or ""
    if err == "robots_disallowed":
        return "robots_disallowed", result.error_detail or "disallowed by robots.txt"
    if result.status in (401, 403) or (result.status == 503 and is_challenge(result.body)):
        return "blocked", result.error_detail or f"HTTP {result.status}"
    if result.status in (404, 410):
        return "gone", result.error_detail or f"HTTP {result.status}"
    if err in ("feed_unparseable", "not_json"):
        return "not_a_feed", result.error_detail or err
    return "unreachable", f"{err}: {result.error_detail or ''}".strip(": ")[:300]


def diagnose_entries(dates: list[datetime | None], words: list[int], now: datetime, stale_days: int,
                     teasers_matter: bool = True) -> tuple[str, str]:
    """The diagnosis of a parsed poll from its entries' dates and text lengths."""
    if not dates:
        return "empty", "no entries"
    dated = [d for d in dates if d is not None]
    newest = max(dated) if dated else None
    if newest is not None and newest < now - timedelta(days=stale_days):
        return "stale", f"newest of {len(dates)} entries is from {newest:%Y-%m-%d} (over {stale_days} days ago)"
    mean_words = sum(words) / len(words) if words else 0
    when = f", newest {newest:%Y-%m-%d}" if newest else ", undated"
    if teasers_matter and mean_words < TEASER_WORDS:
        return "teaser_only", f"{len(dates)} entries{when}, {mean_words:.0f} words each on average"
    return "ok", f"{len(dates)} entries{when}"


def diagnose_unchanged(prev: dict, now: datetime, stale_days: int) -> tuple[str, str]:
    """A 304 or the same bytes again: the last diagnosis stands, unless time made the feed stale."""
    newest = prev.get("newest_item_at")
    if newest is not None and newest < now - timedelta(days=stale_days):
        return "stale", f"unchanged; newest entry from {newest:%Y-%m-%d} (over {stale_days} days ago)"
    return prev.get("diagnosis") or "ok", prev.get("diagnosis_detail") or "unchanged since the last poll"


def poll_due(state: dict, now: datetime) -> tuple[bool, str | None]:
    """(poll this source now?, why not). Backs off from sources that need action."""
    if state.get("disabled"):
        return False, f"disabled: {state.get('disabled_reason') or ''}"
    fails = state.get("consecutive_failures") or 0
    last = state.get("last_attempt_at")
    if state.get("diagnosis") not in NEEDS_ACTION or fails < 2 or last is None:
        return True, None
    wait = timedelta(days=min(2 ** (fails - 1), MAX_BACKOFF_DAYS))
    if now - last >= wait - timedelta(hours=1):  # an hour's slack: daily runs drift
        return True, None
    return False, (f"{state['diagnosis']} for {fails} polls in a row: next poll after "
                   f"{(last + wait):%Y-%m-%d %H:%M} UTC (back-off {wait.days} days)")


def effective_url(configured: str, state: dict) -> tuple[str, str | None]:
    """(URL to poll, the old URL if the operator edited the sources file since the last run).

    The stored current_feed_url follows permanent redirects; an edit of the
    configured URL overrides it (and drops the old URL's validators)."""
    stored_config = state.get("feed_url")
    if stored_config and stored_config != configured:
        return configured, state.get("current_feed_url") or stored_config
    return state.get("current_feed_url") or configured, None


def policy_row(failure_threshold: int, silence_factor: float, min_silence_days: float, stale_days: int,
               now: datetime) -> dict:
    """The thresholds the `source_health` view applies, stored with every run."""
    return {"policy_id": 1, "failure_threshold": failure_threshold, "silence_factor": silence_factor,
            "min_silence_days": min_silence_days, "stale_days": stale_days, "updated_at": now}


def is_flagged(state: dict, failure_threshold: int) -> bool:
    """Unhealthy: failing `failure_threshold` polls in a row, or disabled: the
    source_health view's 'failing' and 'disabled', for the run's own count
    before anything is loaded (test_discovery_flow checks they agree)."""
    return bool(state.get("disabled")) or (state.get("consecutive_failures") or 0) >= failure_threshold


def feed_moved(prev: dict, state: dict) -> tuple[str | None, str] | None:
    """(old URL, new URL) if this poll moved the feed's stored URL."""
    old, new = prev.get("current_feed_url"), state.get("current_feed_url")
    return (old, new) if new and new != old else None


def next_feed_state(prev: dict, result: FetchResult, body_sha256: str | None, new_items: int, now: datetime,
                    diagnosis: tuple[str, str] | None = None, newest_item_at: datetime | None = None) -> dict:
    """The feed's health columns after this poll (every column, so it loads as one row)."""
    state = {k: prev.get(k) for k in HEALTH_COLUMNS}
    if diagnosis is not None:
        state["diagnosis"], state["diagnosis_detail"] = diagnosis[0], (diagnosis[1] or "")[:500]
    if newest_item_at is not None:
        state["newest_item_at"] = newest_item_at
    state["consecutive_failures"] = state["consecutive_failures"] or 0
    state["items_seen"] = state["items_seen"] or 0
    state["disabled"] = bool(state["disabled"])
    state["last_attempt_at"] = now
    state["last_status"] = result.status
    if result.ok:
        state["last_success_at"] = now
        state["consecutive_failures"] = 0
        state["last_error"] = None
        if not result.not_modified:
            state["etag"] = result.etag
            state["last_modified"] = result.last_modified
            state["body_sha256"] = body_sha256
        if result.permanent_redirect:
            state["current_feed_url"] = result.permanent_redirect
        if new_items:
            state["last_new_item_at"] = now
            state["items_seen"] = (state.get("items_seen") or 0) + new_items
    else:
        state["consecutive_failures"] = (state.get("consecutive_failures") or 0) + 1
        state["last_error"] = f"{result.error}: {result.error_detail}"[:500]
        if result.status == 410:
            state["disabled"] = True
            state["disabled_reason"] = f"HTTP 410 Gone at {result.final_url}"[:500]
    return state
