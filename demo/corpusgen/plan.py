"""The publication schedule: which label, site, date and event each article gets.

The planted shift lives here. Counts are fixed per half rather than sampled so the
design holds exactly, whatever the seed.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from .content import Event

START = dt.date(2025, 9, 1)  # a Monday
WEEKS = 16
HALF_WEEKS = 8
END = START + dt.timedelta(days=7 * WEEKS - 1)  # 2025-12-21, a Sunday
BUSAN = dt.date(2025, 10, 30)

# Generated articles per half. The republished pair (original + copy, both framing A,
# both in the second half) is added on top of the second half, see REPUBLISHED below.
DESIGN = {
    1: {"transactional_truce": 9, "institutional_engagement": 16, "hawkish": 5,
        "neutral_news": 6, "off_topic": 6},
    2: {"transactional_truce": 19, "institutional_engagement": 7, "hawkish": 5,
        "neutral_news": 4, "off_topic": 6},
}
REPUBLISHED = {
    "original_site": "meridian_forum",
    "original_date": dt.date(2025, 11, 6),
    "copy_site": "lotus_road",
    "copy_date": dt.date(2025, 11, 10),
}

# Which events each framing plausibly writes about: the truce and hawkish readings are
# about bargains and leverage, so they skip the climate and student-visa stories.
LABEL_EVENTS = {
    "transactional_truce": {
        "tariff_pause", "entity_list", "madrid_talks", "phone_call", "rare_earth_controls",
        "kl_talks", "busan", "defence_meeting", "busan_implementation", "fentanyl",
        "november_call", "chip_decision", "year_end"},
    "institutional_engagement": None,  # any event
    "hawkish": {
        "tariff_pause", "sco_parade", "entity_list", "madrid_talks", "phone_call",
        "rare_earth_controls", "kl_talks", "busan", "busan_implementation", "fentanyl",
        "chip_decision", "year_end"},
    "neutral_news": {
        "tariff_pause", "entity_list", "madrid_talks", "phone_call", "rare_earth_controls",
        "kl_talks", "busan", "busan_implementation", "november_call", "chip_decision",
        "year_end"},
}
EVENT_BOOST = {"busan": 3.0, "busan_implementation": 1.5, "rare_earth_controls": 1.5,
               "tariff_pause": 0.4, "madrid_talks": 2.0, "student_visas": 1.5,
               "defence_call": 1.5, "defence_meeting": 1.5, "cop30": 1.5}

# Think tanks mostly publish on weekdays; weekend pieces exist but are rarer.
DAY_WEIGHTS = [5, 5, 5, 5, 4, 1, 1]


@dataclass
class Slot:
    label: str
    published: dt.datetime
    site_id: str = ""
    event_id: str | None = None

    @property
    def week(self) -> int:
        return (self.published.date() - START).days // 7 + 1

    @property
    def half(self) -> int:
        return 1 if self.week <= HALF_WEEKS else 2


def _at(rng: random.Random, day: dt.date) -> dt.datetime:
    hour = rng.choice([6, 7, 8, 9, 10, 11, 13, 14, 15, 16])
    return dt.datetime(day.year, day.month, day.day, hour, rng.choice([0, 15, 30, 45]),
                       tzinfo=dt.timezone.utc)


def schedule(rng: random.Random) -> list[Slot]:
    slots: list[Slot] = []
    for half, counts in DESIGN.items():
        labels = [label for label, n in sorted(counts.items()) for _ in range(n)]
        rng.shuffle(labels)
        weeks = list(range((half - 1) * HALF_WEEKS, half * HALF_WEEKS))
        for i, label in enumerate(labels):
            week = weeks[i % len(weeks)]
            offset = rng.choices(range(7), weights=DAY_WEIGHTS)[0]
            day = START + dt.timedelta(days=7 * week + offset)
            slots.append(Slot(label, _at(rng, day)))
    slots.sort(key=lambda s: (s.published, s.label))
    return slots


def pick_event(rng: random.Random, slot: Slot, events: dict[str, Event], used: dict) -> str:
    day = slot.published.date()
    allowed = LABEL_EVENTS[slot.label]
    cands, weights = [], []
    for ev in events.values():
        age = (day - ev.date).days
        if age < 1 or age > ev.window or (allowed is not None and ev.id not in allowed):
            continue
        cands.append(ev.id)
        # Commentary clusters right after an event and tails off.
        weights.append(EVENT_BOOST.get(ev.id, 1.0) * (1.0 + 2.0 * (1 - age / ev.window))
                       / (1 + used.get((slot.label, ev.id), 0)) ** 2)
    if not cands:
        # Between news pegs, commentators go back to the latest story in their lane.
        past = [ev for ev in events.values() if ev.date < day
                and (allowed is None or ev.id in allowed)]
        return max(past, key=lambda ev: ev.date).id
    return rng.choices(cands, weights=weights)[0]


def assign_sites(rng: random.Random, slots: list[Slot], sites: list[dict]) -> None:
    counts = {s["id"]: 0 for s in sites}
    for slot in slots:
        ids = [s["id"] for s in sites]
        # Editorial leaning times a balancing factor, so no site ends up nearly empty.
        w = [s["weights"][slot.label] / (1 + counts[s["id"]]) ** 1.5 for s in sites]
        site_id = rng.choices(ids, weights=w)[0]
        slot.site_id = site_id
        counts[site_id] += 1


def build_plan(seed: int, events: dict[str, Event], sites: list[dict]) -> list[Slot]:
    rng = random.Random(seed)
    slots = schedule(rng)
    assign_sites(rng, slots, sites)
    used: dict = {}  # (label, event) -> count, so one framing does not pile onto one story
    for slot in slots:
        if slot.label != "off_topic":
            slot.event_id = pick_event(rng, slot, events, used)
            used[(slot.label, slot.event_id)] = used.get((slot.label, slot.event_id), 0) + 1
    return slots
