"""Delivery: Apprise targets, a Prefect event, a Prefect markdown artifact.

Exactly-once towards people: every target gets its own Apprise call, and
the fingerprints of targets that accepted an alert are stored with it
(alerts.delivered_to). A retry on the next run therefore skips the targets
that already have it, so a Slack channel never sees an alert twice because
the e-mail server was down. The alert is 'sent' once every configured
target has it.

Alert URLs carry secrets (Slack tokens, SMTP passwords): they are never
printed or stored. Errors name a target by its position and scheme, and
Apprise's own log lines are scrubbed of every piece of the URL.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import SecretStr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    index: int      # 1-based position in settings.alert_urls
    url: SecretStr

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.url.get_secret_value().encode()).hexdigest()[:12]

    @property
    def label(self) -> str:
        """Safe to print: 'target 2 (slack)'."""
        scheme = self.url.get_secret_value().split("://", 1)[0][:20]
        return f"target {self.index} ({scheme})"

    def scrub(self, text: str) -> str:
        secret = self.url.get_secret_value()
        text = text.replace(secret, "***")
        for part in sorted(re.split(r"[/:@?&=#,]+", secret.split("://", 1)[-1]), key=len, reverse=True):
            if len(part) >= 4:
                text = text.replace(part, "***")
        return text


def targets(urls: Sequence[SecretStr | str]) -> list[Target]:
    return [Target(i + 1, u if isinstance(u, SecretStr) else SecretStr(u)) for i, u in enumerate(urls)]


def _pct(x) -> str:
    return "?" if x is None else f"{100 * x:.0f}%"


def message(alert: dict) -> tuple[str, str]:
    """(title, body) in plain Markdown that reads well in e-mail, Slack and Teams."""
    title = f"[framewatch] {alert['summary']}"[:250]
    lines = [alert["summary"], ""]
    details = _json(alert.get("details")) or {}
    if alert["kind"] == "framing_shift":
        lines += [
            f"- Framing: {alert['framing_id']} ({alert['direction']})",
            f"- Baseline share: {_pct(alert['baseline_share'])} ({details.get('baseline_stories')} on-topic stories)",
            f"- Current share: {_pct(alert['current_share'])} (since {alert['window_start']:%Y-%m-%d}, "
            f"{details.get('window_stories')} stories)",
            f"- Detected: {alert['window_end']:%Y-%m-%d} ({details.get('granularity')} CUSUM, "
            f"statistic {details.get('statistic', 0):.1f} >= threshold {details.get('threshold', 0):.1f})",
        ]
        for m in details.get("moved", [])[1:]:
            lines.append(f"- Moved with it: {m['framing_id']} {m['direction']} "
                         f"{_pct(m['baseline_share'])} -> {_pct(m['current_share'])}")
        stories = _json(alert.get("stories")) or []
        if stories:
            lines += ["", "Stories that drove it:"]
            for s in stories:
                lines.append(f"- {s.get('title') or s['story_id']} [{s.get('label')}] {s.get('url') or ''}")
                if s.get("evidence"):
                    lines.append(f"  > {s['evidence'][:300]}")
    lines += ["", f"Alert {alert['alert_id']}: acknowledge with `framewatch alerts ack {alert['alert_id']}`"]
    return title, "\n".join(lines)


def _json(v):
    return json.loads(v) if isinstance(v, str) else v


def send(alert: dict, tgs: list[Target]) -> tuple[list[str], list[str]]:
    """Send to every target that does not have it yet.

    Returns (fingerprints now holding it, masked errors). Never raises: a
    broken target is recorded and retried on the next run.
    """
    done = list(_json(alert.get("delivered_to")) or [])
    errors = []
    title, body = message(alert)
    # Apprise's own log lines may quote the target URL (host, tokens at debug
    # level): keep them out of the application's handlers and read them only
    # through LogCapture, scrubbed.
    alog = logging.getLogger("apprise")
    propagate, alog.propagate = alog.propagate, False
    try:
        _send_each(alert, tgs, title, body, done, errors)
    finally:
        alog.propagate = propagate
    return done, errors


def _send_each(alert: dict, tgs: list[Target], title: str, body: str, done: list[str], errors: list[str]) -> None:
    import apprise

    for t in tgs:
        if t.fingerprint in done:
            continue
        # In-memory persistent store: no Apprise cache files in the user's home.
        ap = apprise.Apprise(asset=apprise.AppriseAsset(storage_mode="memory"))
        try:
            with apprise.LogCapture(level=logging.WARNING) as captured:
                ok = ap.add(t.url.get_secret_value()) and ap.notify(body=body, title=title)
            detail = captured.getvalue().strip().splitlines()
        except Exception as exc:  # a plugin bug must not stop the other targets
            ok, detail = False, [f"{type(exc).__name__}: {exc}"]
        if ok:
            done.append(t.fingerprint)
        else:
            why = t.scrub(detail[-1].split(" - ", 2)[-1]) if detail else "not accepted (invalid URL?)"
            errors.append(f"{t.label}: {why}"[:300])
            log.warning("alert %s: delivery to %s failed", alert["alert_id"], t.label)


EVENT_NAMES = {
    "framing_shift": "framewatch.framing.shifted",
    "source_silent": "framewatch.source.silent",
    "source_failing": "framewatch.source.failing",
}


def emit(alert: dict) -> bool:
    """A Prefect event per new alert, so a team running a Prefect server can
    attach Automations (e.g. trigger on `framewatch.framing.shifted` with
    resource `framewatch.framing.transactional_truce`). Emitted once, when
    the alert row is created, never on delivery retries."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.events import emit_event

    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        # Outside a run (CLI, tests) Prefect would start a temporary server
        # just to drop the event: 10-20 s for nothing.
        return False
    if alert["kind"] == "framing_shift":
        resource = {"prefect.resource.id": f"framewatch.framing.{alert['framing_id']}",
                    "prefect.resource.name": alert["framing_id"]}
    else:
        resource = {"prefect.resource.id": f"framewatch.source.{alert['source_id']}",
                    "prefect.resource.name": alert["source_id"]}
    details = _json(alert.get("details")) or {}
    payload = {
        "alert_id": alert["alert_id"], "summary": alert["summary"], "direction": alert.get("direction"),
        "baseline_share": alert.get("baseline_share"), "current_share": alert.get("current_share"),
        "magnitude": alert.get("magnitude"),
        "window_start": str(alert.get("window_start")), "window_end": str(alert.get("window_end")),
        "moved": [m["framing_id"] for m in details.get("moved", [])],
    }
    related = [{"prefect.resource.id": f"framewatch.alert.{alert['alert_id']}", "prefect.resource.role": "alert"}]
    try:
        return emit_event(event=EVENT_NAMES[alert["kind"]], resource=resource, related=related, payload=payload) is not None
    except Exception:  # an event is a convenience; the alert row is the record
        log.warning("could not emit a Prefect event for alert %s", alert["alert_id"], exc_info=True)
        return False


def artifact_markdown(summary: dict, alerts: list[dict]) -> str:
    lines = ["# framewatch alerts", ""]
    if summary.get("blocked_reason"):
        lines += [f"**No framing-shift alert possible yet:** {summary['blocked_reason']}", ""]
    lines += [f"New: {summary['new']}, delivered: {summary['delivered']}, failed deliveries: {summary['failed']}, "
              f"waiting for delivery: {summary['pending']}", ""]
    if alerts:
        lines += ["| id | kind | what | window | status |", "|---|---|---|---|---|"]
        for a in alerts:
            ws = f"{a['window_start']:%Y-%m-%d}" if a.get("window_start") else ""
            we = f"{a['window_end']:%Y-%m-%d}" if a.get("window_end") else ""
            what = a["summary"].replace("|", "/")
            lines.append(f"| {a['alert_id']} | {a['kind']} | {what} | {ws}..{we} | {a['status']} |")
    return "\n".join(lines)


def publish_artifact(markdown: str) -> None:
    from prefect.artifacts import create_markdown_artifact
    from prefect.context import FlowRunContext, TaskRunContext

    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return  # CLI or test call outside a run: there is no run to attach it to
    try:
        create_markdown_artifact(markdown=markdown, key="framewatch-alerts", description="Alerts from this run")
    except Exception:  # outside a flow run, or no API: the CLI shows the same
        log.debug("no Prefect artifact", exc_info=True)
