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
"""
from __future__ import annotations

from datetime import datetime

from extractors.http import FetchResult


HEALTH_COLUMNS = (
    "current_feed_url", "etag", "last_modified", "body_sha256", "last_attempt_at", "last_success_at",
    "last_status", "consecutive_failures", "last_new_item_at", "items_seen", "last_error", "disabled",
    "disabled_reason",
)


def is_flagged(state: dict, failure_threshold: int) -> bool:
    """Unhealthy: failing `failure_threshold` polls in a row, or disabled."""
    return bool(state.get("disabled")) or (state.get("consecutive_failures") or 0) >= failure_threshold


def feed_moved(prev: dict, state: dict) -> tuple[str | None, str] | None:
    """(old URL, new URL) if this poll moved the feed's stored URL."""
    old, new = prev.get("current_feed_url"), state.get("current_feed_url")
    return (old, new) if new and new != old else None


def next_feed_state(prev: dict, result: FetchResult, body_sha256: str | None, new_items: int, now: datetime) -> dict:
    """The feed's health columns after this poll (every column, so it loads as one row)."""
    state = {k: prev.get(k) for k in HEALTH_COLUMNS}
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
