#!/usr/bin/env python3
"""Regenerate demo/sites/ and demo/manifest.json from the hand-written material in
demo/content/. Deterministic: the same content and SEED always give byte-identical output,
so the generated files can be committed and diffed.

    python3 demo/build_corpus.py            # rewrite demo/sites and demo/manifest.json
    python3 demo/build_corpus.py --out DIR  # write the same tree under DIR (used by tests)
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from corpusgen import content, templates_a, templates_b  # noqa: E402
from corpusgen.common import PageContext, d_long_uk, url  # noqa: E402
from corpusgen.compose import Composer, republished_pair, slugify  # noqa: E402
from corpusgen.feeds import feed, robots, site_toml  # noqa: E402
from corpusgen.plan import END, HALF_WEEKS, START, build_plan  # noqa: E402

SEED = 20251221
ON_TOPIC = ("transactional_truce", "institutional_engagement", "hawkish", "neutral_news")
TEMPLATES = {
    name: tuple(getattr(mod, f"{name}_{kind}") for kind in ("article", "index", "about"))
    for mod, names in ((templates_a, ("ppr", "harbour")),
                       (templates_b, ("meridian", "lotus", "northbridge")))
    for name in names
}


def compose_all(sites: dict) -> list:
    events, banks = content.load_events(), content.load_banks()
    slots = build_plan(SEED, events, list(sites.values()))
    rng = random.Random(SEED + 1)
    composer = Composer(banks, events, random.Random(SEED + 2))
    off = content.load_off_topic()
    rng.shuffle(off)
    arts = []
    for slot in slots:
        author = rng.choice(sites[slot.site_id]["authors"])["name"]
        if slot.label == "off_topic":
            arts.append(composer.off_topic(slot, author, off.pop()))
        else:
            arts.append(composer.banked(slot, author))
    original, copy = republished_pair(content.load_republished())
    arts += [original, copy]
    arts.sort(key=lambda a: (a.published, a.site_id, a.title))
    return arts, original, copy


def assign_paths(sites: dict, arts: list) -> None:
    taken = set()
    for a in arts:
        d = a.published
        path = sites[a.site_id]["path"].format(yyyy=f"{d:%Y}", mm=f"{d:%m}", dd=f"{d:%d}",
                                               slug=slugify(a.title))
        # Paths are unique corpus-wide, so manifest `republished_of` can be a bare path.
        assert path not in taken, path
        taken.add(path)
        a.path = path


def related_for(a, pool: list, n: int = 3) -> list:
    others = [o for o in pool if o is not a]
    # A page can only have linked to what existed when it was published; fall back to
    # later pieces only for the site's first articles.
    score = lambda o: (o.published > a.published,  # noqa: E731
                       o.event_id != a.event_id or a.event_id is None,
                       o.label != a.label, abs((o.published - a.published).days))
    return sorted(others, key=score)[:n]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def render_sites(out: Path, sites: dict, arts: list, copy, original) -> None:
    sites_dir = out / "sites"
    if sites_dir.exists():
        shutil.rmtree(sites_dir)
    rng = random.Random(SEED + 3)
    for sid, site in sites.items():
        own = sorted((a for a in arts if a.site_id == sid), key=lambda a: a.published, reverse=True)
        most_read = rng.sample(own, k=min(5, len(own)))
        art_t, index_t, about_t = TEMPLATES[site["template"]]
        root = sites_dir / sid
        for a in own:
            note, page_site = None, site
            if a is copy:
                # The author bio travels with a syndicated piece.
                page_site = {**site, "authors": site["authors"] + sites[original.site_id]["authors"]}
                orig_site = sites[original.site_id]["name"]
                note = (f"This commentary was first published by {orig_site} on "
                        f"{d_long_uk(original.published)} and is republished here with permission.")
            ctx = PageContext(page_site, [m for m in most_read if m is not a],
                              related_for(a, own), note)
            write(root / a.path.lstrip("/"), art_t(a, ctx))
        home_ctx = PageContext(site, most_read, [])
        write(root / "index.html", index_t(site, own, home_ctx))
        write(root / "about.html", about_t(site, home_ctx))
        write(root / "feed.xml", feed(site, own))
        write(root / "robots.txt", robots())
        write(root / "site.toml", site_toml(site))


def design_summary(arts: list, copy, original) -> dict:
    def half(a) -> int:
        return 1 if (a.published.date() - START).days // 7 < HALF_WEEKS else 2

    counts = {h: Counter(a.label for a in arts if half(a) == h) for h in (1, 2)}
    shares = {}
    for h, c in counts.items():
        on = sum(c[l] for l in ON_TOPIC)
        shares[f"half{h}"] = {l: round(c[l] / on, 3) for l in ON_TOPIC}
    return {
        "period": {"start": START.isoformat(), "end": END.isoformat(), "weeks": 16,
                   "half_split": "weeks 1-8 (2025-09-01..2025-10-26) vs "
                                 "weeks 9-16 (2025-10-27..2025-12-21)"},
        "counts_per_half": {f"half{h}": dict(sorted(c.items())) for h, c in counts.items()},
        "on_topic_shares": shares,
        "republished_pair": {"original": {"site_id": original.site_id, "path": original.path},
                             "copy": {"site_id": copy.site_id, "path": copy.path},
                             "days_between": (copy.published - original.published).days},
        "seed": SEED,
    }


def manifest(sites: dict, arts: list, copy, original) -> dict:
    rows = []
    for a in arts:
        rows.append({
            "site_id": a.site_id, "path": a.path, "url": url(a.path), "title": a.title,
            "author": a.author, "published": a.published.date().isoformat(),
            "published_at": a.published.isoformat(), "label": a.label,
            "republished_of": original.path if a is copy else None,
            "republished_of_site": original.site_id if a is copy else None,
            "word_count": a.word_count, "event": a.event_id, "topic": a.topic,
            "week": (a.published.date() - START).days // 7 + 1,
        })
    return {
        "description": "framewatch demo corpus: invented think-tank sites and commentaries; "
                       "see demo/README.md",
        "design": design_summary(arts, copy, original),
        "sites": [{"site_id": s["id"], "name": s["name"], "country": s["country"],
                   "feed_format": s["feed_format"]} for s in sites.values()],
        "articles": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE,
                    help="directory to write sites/ and manifest.json into")
    out = ap.parse_args().out
    sites = {s["id"]: s for s in content.load_sites()}
    arts, original, copy = compose_all(sites)
    assign_paths(sites, arts)
    copy.republished_of, copy.republished_of_site = original.path, original.site_id
    render_sites(out, sites, arts, copy, original)
    data = manifest(sites, arts, copy, original)
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    d = data["design"]
    print(f"{len(arts)} articles on {len(sites)} sites")
    keys = ("counts_per_half", "on_topic_shares", "republished_pair")
    print(json.dumps({k: d[k] for k in keys}, indent=1))


if __name__ == "__main__":
    main()
