"""Composing article texts from the paragraph banks.

Paragraphs are drawn from shuffled decks (without replacement until a deck runs dry),
so that two articles of the same framing share few paragraphs and the only true
near-duplicate in the corpus is the planted republished pair.
"""
from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from dataclasses import dataclass, field

from .content import Bank, Event, OffTopic, Paragraph, Republished
from .plan import BUSAN, REPUBLISHED, Slot

MIN_WORDS, MAX_WORDS = 430, 1150
BODY_RANGE = {"neutral_news": (8, 10), "hawkish": (5, 7)}
DEFAULT_BODY_RANGE = (6, 9)


@dataclass
class Article:
    site_id: str
    label: str
    title: str
    author: str
    published: dt.datetime
    paragraphs: list[str]
    event_id: str | None = None
    topic: str | None = None
    path: str = ""
    republished_of: str | None = None
    republished_of_site: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def word_count(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)

    @property
    def summary(self) -> str:
        sentences = re.split(r"(?<=[.!?])\s+", self.paragraphs[0])
        out = sentences[0]
        for s in sentences[1:]:
            if len(out) > 140 or len(out) + len(s) > 300:
                break
            out += " " + s
        return out


class Deck:
    def __init__(self, items: list, rng: random.Random):
        self.items, self.rng, self.pile = list(items), rng, []

    def draw(self, ok=lambda item: True, exclude=(), refill=True):
        # Random pick among what is left, not the pile's head: items that were ineligible
        # for a while (late paragraphs) must not all come out in the next few articles.
        for attempt in range(2):
            eligible = [i for i, item in enumerate(self.pile) if ok(item) and item not in exclude]
            if eligible:
                return self.pile.pop(self.rng.choice(eligible))
            if not refill:
                return None
            self.pile.extend(item for item in self.items if item not in self.pile)
        raise LookupError("deck has no usable item")


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def slugify(title: str, limit: int = 60) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_title = re.sub(r"['\u2019]", "", ascii_title)  # "Australia's" -> "australias"
    words = re.sub(r"[^a-z0-9]+", " ", ascii_title.lower()).split()
    slug = ""
    for w in words:
        if len(slug) + len(w) + 1 > limit:
            break
        slug = f"{slug}-{w}" if slug else w
    return slug


class Composer:
    def __init__(self, banks: dict[str, Bank], events: dict[str, Event], rng: random.Random):
        self.banks, self.events, self.rng = banks, events, rng
        self.decks = {(label, sec): Deck(paras, rng)
                      for label, bank in banks.items() for sec, paras in bank.sections.items()}
        self.titles: set[str] = set()

    def _title(self, label: str, ctx: dict) -> str:
        deck = self.decks[(label, "titles")]
        for _ in range(3 * len(deck.items)):
            title = re.sub(r"(: )the ", r"\1The ", cap(deck.draw().text.format(**ctx)))
            if title not in self.titles:
                self.titles.add(title)
                return title
        raise LookupError(f"ran out of distinct titles for {label}")

    def banked(self, slot: Slot, author: str) -> Article:
        ev = self.events[slot.event_id]
        ctx = {"event": ev.name, "Event": cap(ev.name), "title": ev.title}
        after_busan = slot.published.date() > BUSAN
        in_time = lambda p: after_busan or not p.late  # noqa: E731
        usable = lambda p: in_time(p) and not p.events  # noqa: E731
        specific = lambda p: in_time(p) and p.events and ev.id in p.events  # noqa: E731
        deck = lambda sec: self.decks[(slot.label, sec)]  # noqa: E731

        facts = list(ev.facts)
        k = min(len(facts), self.rng.randint(5, 6))
        picked = sorted(self.rng.sample(range(len(facts)), k=k))
        split = self.rng.randint(3, 4)
        facts1 = " ".join(facts[i] for i in picked[:split])
        facts2 = " ".join(facts[i] for i in picked[split:])

        lo, hi = BODY_RANGE.get(slot.label, DEFAULT_BODY_RANGE)
        body: list[Paragraph] = []
        # Up to two paragraphs written for this very event, when some are still unused.
        for _ in range(2):
            p = deck("body").draw(specific, exclude=body, refill=False)
            if p:
                body.append(p)
        for _ in range(self.rng.randint(lo, hi) - len(body)):
            body.append(deck("body").draw(usable, exclude=body))
        self.rng.shuffle(body)
        opening = deck("openings").draw(usable).text.format(**ctx)
        closing = deck("closings").draw(usable).text.format(**ctx)

        def assemble() -> list[str]:
            mid = max(1, len(body) // 2)
            paras = [opening, facts1] + [p.text for p in body[:mid]]
            if facts2:
                paras.append(facts2)
            return paras + [p.text for p in body[mid:]] + [closing]

        paras = assemble()
        while sum(len(p.split()) for p in paras) < MIN_WORDS:
            body.append(deck("body").draw(usable, exclude=body))
            paras = assemble()
        while sum(len(p.split()) for p in paras) > MAX_WORDS:
            body.pop()
            paras = assemble()
        return Article(slot.site_id, slot.label, self._title(slot.label, ctx), author,
                       slot.published, paras, event_id=ev.id)

    def off_topic(self, slot: Slot, author: str, piece: OffTopic) -> Article:
        self.titles.add(piece.title)
        return Article(slot.site_id, "off_topic", piece.title, author, slot.published,
                       list(piece.paragraphs), topic=piece.topic)


def republished_pair(rep: Republished, hour: int = 8) -> tuple[Article, Article]:
    def when(day: dt.date) -> dt.datetime:
        return dt.datetime(day.year, day.month, day.day, hour, 30, tzinfo=dt.timezone.utc)

    original = Article(REPUBLISHED["original_site"], "transactional_truce", rep.title, rep.author,
                       when(REPUBLISHED["original_date"]), list(rep.paragraphs), event_id=rep.event)
    # The copy differs the way syndicated copies usually do: a retouched headline, a
    # trimmed first paragraph and a single editorial change further down.
    paras = list(rep.paragraphs)
    first = re.split(r"(?<=[.!?])\s+", paras[0])
    paras[0] = " ".join(first[1:])
    hits = [i for i, p in enumerate(paras) if rep.edit_from in p]
    assert len(hits) == 1, "the light edit must hit exactly one paragraph"
    paras[hits[0]] = paras[hits[0]].replace(rep.edit_from, rep.edit_to)
    copy = Article(REPUBLISHED["copy_site"], "transactional_truce", rep.republished_title,
                   rep.author, when(REPUBLISHED["copy_date"]), paras, event_id=rep.event)
    return original, copy
