"""Checks on the committed demo corpus (demo/sites + demo/manifest.json).

The corpus is what the end-to-end demo and the evaluation of the classifier run on, so
these tests pin down the properties the demo relies on: crawlable feeds, pages that
exist, the planted framing shift and a single republished pair.
"""
from __future__ import annotations

import datetime as dt
import filecmp
import html
import itertools
import json
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parent.parent / "demo"
SITES = DEMO / "sites"
BASE = "{{BASE_URL}}"
LABELS = {"transactional_truce", "institutional_engagement", "hawkish", "neutral_news", "off_topic"}
ON_TOPIC = LABELS - {"off_topic"}
START, END = dt.date(2025, 9, 1), dt.date(2025, 12, 21)
NS = {"atom": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/elements/1.1/"}
# Absolute URLs allowed outside the placeholder: JSON-LD vocabulary and XML namespaces.
ALLOWED_ABSOLUTE = ("https://schema.org", "http://purl.org/dc/elements/1.1/",
                    "http://www.w3.org/2005/Atom")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((DEMO / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def articles(manifest) -> list[dict]:
    return manifest["articles"]


def site_dirs() -> list[Path]:
    return sorted(p for p in SITES.iterdir() if p.is_dir())


def local(link: str, site: Path) -> Path:
    assert link.startswith(BASE + "/"), link
    return site / link[len(BASE) + 1:]


def page(a: dict) -> str:
    return (SITES / a["site_id"] / a["path"].lstrip("/")).read_text(encoding="utf-8")


def half(a: dict) -> int:
    return 1 if (dt.date.fromisoformat(a["published"]) - START).days < 56 else 2


def test_at_least_four_sites_with_required_files():
    dirs = site_dirs()
    assert len(dirs) >= 4
    for d in dirs:
        for name in ("site.toml", "feed.xml", "robots.txt", "index.html"):
            assert (d / name).is_file(), f"{d.name}/{name} missing"
        conf = tomllib.loads((d / "site.toml").read_text(encoding="utf-8"))
        for key in ("name", "site_url_path", "feed_path", "country", "language"):
            assert key in conf, f"{d.name}/site.toml lacks {key}"
        assert (d / conf["feed_path"].lstrip("/")).is_file()
        robots = (d / "robots.txt").read_text(encoding="utf-8")
        assert "Disallow: /private/" in robots and "User-agent: *" in robots


def feed_items(site: Path) -> list[dict]:
    root = ET.parse(site / "feed.xml").getroot()
    items = []
    if root.tag == "rss":
        assert root.get("version") == "2.0"
        for it in root.iter("item"):
            items.append({
                "title": it.findtext("title"), "link": it.findtext("link"),
                "guid": it.findtext("guid"), "author": it.findtext("dc:creator", namespaces=NS)
                or it.findtext("author"), "summary": it.findtext("description"),
                "date": parsedate_to_datetime(it.findtext("pubDate")),
            })
    else:
        assert root.tag == f"{{{NS['atom']}}}feed"
        for e in root.findall("atom:entry", NS):
            items.append({
                "title": e.findtext("atom:title", namespaces=NS),
                "link": e.find("atom:link", NS).get("href"),
                "guid": e.findtext("atom:id", namespaces=NS),
                "author": e.findtext("atom:author/atom:name", namespaces=NS),
                "summary": e.findtext("atom:summary", namespaces=NS),
                "date": dt.datetime.fromisoformat(e.findtext("atom:published", namespaces=NS)),
            })
    return items


@pytest.mark.parametrize("site", site_dirs(), ids=lambda p: p.name)
def test_feed_parses_and_links_to_existing_pages(site, articles):
    items = feed_items(site)
    own = {a["path"]: a for a in articles if a["site_id"] == site.name}
    assert len(items) == len(own), "feed must list every article of the site"
    for it in items:
        for key in ("title", "link", "guid", "author", "summary", "date"):
            assert it[key], f"{site.name}: item without {key}"
        path = local(it["link"], site)
        assert path.is_file(), f"{it['link']} has no page"
        a = own["/" + str(path.relative_to(site))]
        assert it["title"] == a["title"] and it["author"] == a["author"]
        assert it["date"].date().isoformat() == a["published"]
    dates = [it["date"] for it in items]
    assert dates == sorted(dates, reverse=True), "feed items must be newest first"


def test_one_site_uses_atom_and_others_rss():
    kinds = Counter(ET.parse(d / "feed.xml").getroot().tag == "rss" for d in site_dirs())
    assert kinds[True] >= 3 and kinds[False] >= 1


def test_manifest_matches_files(articles):
    keys = {"site_id", "path", "title", "author", "published", "label", "republished_of",
            "word_count"}
    listed = set()
    for a in articles:
        assert keys <= a.keys()
        assert a["label"] in LABELS
        assert START <= dt.date.fromisoformat(a["published"]) <= END
        assert 400 <= a["word_count"] <= 1200, a["title"]
        f = SITES / a["site_id"] / a["path"].lstrip("/")
        assert f.is_file(), f
        listed.add(f)
    on_disk = {p for p in SITES.rglob("*.html") if p.name not in ("index.html", "about.html")}
    assert on_disk == listed
    assert len({a["path"] for a in articles}) == len(articles), "paths must be unique"


def test_volume_and_spread(articles):
    assert len(articles) >= 60
    weeks = {(dt.date.fromisoformat(a["published"]) - START).days // 7 for a in articles}
    assert len(weeks) >= 12
    assert len({a["site_id"] for a in articles}) >= 4


def test_planted_shift(articles):
    shares = {}
    for h in (1, 2):
        on = [a for a in articles if half(a) == h and a["label"] in ON_TOPIC]
        c = Counter(a["label"] for a in on)
        shares[h] = {k: c[k] / len(on) for k in ON_TOPIC}
    assert 0.15 <= shares[1]["transactional_truce"] <= 0.35
    assert 0.35 <= shares[1]["institutional_engagement"] <= 0.55
    assert 0.45 <= shares[2]["transactional_truce"] <= 0.65
    assert 0.10 <= shares[2]["institutional_engagement"] <= 0.30
    assert shares[2]["transactional_truce"] - shares[1]["transactional_truce"] >= 0.2
    for h in (1, 2):  # the other kinds of content are present in both halves
        labels = {a["label"] for a in articles if half(a) == h}
        assert labels == LABELS


def test_page_metadata(articles):
    without_meta_date = set()
    for a in articles:
        text = page(a)
        assert '<html lang="en"' in text
        assert f'<meta name="author" content="{html.escape(a["author"])}">' in text
        assert f'<meta property="og:title" content="{html.escape(a["title"])}">' in text
        assert 'property="og:site_name"' in text
        assert f'<link rel="canonical" href="{BASE}{a["path"]}">' in text
        for marker in ("<nav", "Most", "ookie", "related", "<footer"):
            assert marker.lower() in text.lower(), f"{a['path']}: no {marker}"
        if 'property="article:published_time"' not in text:
            without_meta_date.add(a["site_id"])
            assert f'"datePublished": "{a["published"]}' in text, "date must be in JSON-LD"
    assert len(without_meta_date) == 1, "exactly one site keeps the date out of <meta>"


def test_no_absolute_url_without_placeholder():
    for f in SITES.rglob("*"):
        if not f.is_file():
            continue
        text = f.read_text(encoding="utf-8")
        assert BASE + "//" not in text and BASE + "\"" not in text
        body = re.sub(r"<footer.*?</footer>", "", text, flags=re.S)
        for m in re.finditer(r"https?://[^\s\"'<>]+", body):
            assert m.group(0).startswith(ALLOWED_ABSOLUTE), f"{f}: {m.group(0)}"


def body_shingles(text: str, boiler: set[str]) -> set:
    paras = [html.unescape(re.sub(r"<[^>]+>", "", p))
             for p in re.findall(r"<p[^>]*>(.*?)</p>", text, flags=re.S)]
    words = re.findall(r"\w+", " ".join(p for p in paras if p not in boiler).lower())
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def test_exactly_one_republished_pair(articles):
    copies = [a for a in articles if a["republished_of"]]
    assert len(copies) == 1
    copy = copies[0]
    originals = [a for a in articles if a["path"] == copy["republished_of"]]
    assert len(originals) == 1
    orig = originals[0]
    assert orig["site_id"] != copy["site_id"] and orig["label"] == copy["label"]
    assert orig["title"] != copy["title"]
    gap = dt.date.fromisoformat(copy["published"]) - dt.date.fromisoformat(orig["published"])
    assert dt.timedelta(days=1) <= gap <= dt.timedelta(days=7)

    # Content check: the pair is a near-duplicate and no other pair is. Boilerplate is
    # what a site repeats on its home/about pages or on at least half of its articles.
    def paras(text: str) -> set[str]:
        return {html.unescape(re.sub(r"<[^>]+>", "", p))
                for p in re.findall(r"<p[^>]*>(.*?)</p>", text, flags=re.S)}

    texts = {a["path"]: page(a) for a in articles}
    per_site, n_site = Counter(), Counter(a["site_id"] for a in articles)
    for a in articles:
        for p in paras(texts[a["path"]]):
            per_site[(a["site_id"], p)] += 1
    boiler = {p for (s, p), n in per_site.items() if n >= n_site[s] / 2}
    for d in site_dirs():
        for name in ("index.html", "about.html"):
            boiler |= paras((d / name).read_text(encoding="utf-8"))
    sh = {a["path"]: body_shingles(texts[a["path"]], boiler) for a in articles}
    near = []
    for x, y in itertools.combinations(sh, 2):
        j = len(sh[x] & sh[y]) / len(sh[x] | sh[y])
        if j >= 0.6:
            near.append({x, y})
    assert near == [{orig["path"], copy["path"]}]


def test_generator_is_deterministic(tmp_path):
    subprocess.run([sys.executable, str(DEMO / "build_corpus.py"), "--out", str(tmp_path)],
                   check=True, capture_output=True)
    assert filecmp.cmp(tmp_path / "manifest.json", DEMO / "manifest.json", shallow=False)
    cmp = filecmp.dircmp(tmp_path / "sites", SITES)
    stack = [cmp]
    while stack:
        c = stack.pop()
        assert not (c.left_only or c.right_only or c.diff_files), c.report()
        stack.extend(c.subdirs.values())


def test_corpus_size_is_modest():
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 3_000_000
