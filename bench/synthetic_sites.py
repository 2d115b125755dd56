"""A synthetic think-tank web for the end-to-end benchmark.

Serves F feeds x N articles from several loopback addresses (127.0.0.2,
127.0.0.3, ...) so per-host politeness runs in parallel as it would across
real sites. Pages are generated deterministically from their path, with
the size and structure of real commentary pages (navigation, sidebar,
cookie banner, JSON-LD, footer, ~900-word body), and never held in memory.
Answers conditional GETs so a second run sees 304s.

    python -m bench.synthetic_sites --hosts 8 --feeds 200 --articles 50 --port 48000
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import threading
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WORDS = sorted(set(re.findall(r"[A-Za-z][a-z]{2,}", " ".join(p.read_text() for p in SEEDS.glob("*.txt")))))
EPOCH = datetime(2025, 9, 1, 8, tzinfo=timezone.utc)
LAST_MODIFIED = "Mon, 22 Dec 2025 08:00:00 GMT"


# Real pages name real people: trafilatura drops digits from a meta author
# and, left with one token, searches the whole tree for a byline instead.
FIRST = ["Anna", "Wei", "Rahul", "Sofia", "Kenji", "Amara", "David", "Lena", "Omar", "Grace", "Tomas", "Mei"]
LAST = ["Hartmann", "Chen", "Iyer", "Rossi", "Sato", "Okafor", "Levy", "Novak", "Haddad", "Whitfield", "Silva", "Lin"]


def _author(feed: int, n: int) -> str:
    return f"{FIRST[(feed + n) % len(FIRST)]} {LAST[(feed * 7 + n) % len(LAST)]}"


def _sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(12, 28))
    return " ".join(words).capitalize() + "."


def article_html(host: str, feed: int, n: int) -> str:
    rng = random.Random(f"{feed}/{n}")
    title = " ".join(rng.choices(WORDS, k=7)).title()
    paras = "\n".join(f"<p>{' '.join(_sentence(rng) for _ in range(rng.randint(3, 6)))}</p>" for _ in range(14))
    nav = "".join(f'<li><a href="/topic/{w}">{w.title()}</a></li>' for w in rng.choices(WORDS, k=150))
    side = "".join(f'<li><a href="/a/{feed}/{(n + k) % 50}.html">{" ".join(rng.choices(WORDS, k=6)).title()}</a></li>' for k in range(1, 11))
    date = (EPOCH + timedelta(days=n * 2, hours=feed % 24)).isoformat()
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | Institute {feed}</title>
<meta name="author" content="{_author(feed, n % 7)}"><meta property="og:title" content="{title}"><meta property="article:published_time" content="{date}">
<meta property="og:site_name" content="Institute {feed}"><link rel="canonical" href="http://{host}/a/{feed}/{n}.html">
<script type="application/ld+json">{{"@type":"NewsArticle","headline":"{title}","datePublished":"{date}"}}</script>
<style>{'.c{margin:0;padding:0}' * 1500}</style></head><body>
<div class="cookie-banner">We use cookies to improve your experience. <button>Accept all</button> <button>Settings</button></div>
<header><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{title}</h1><p class="byline">By {_author(feed, n % 7)} | {date[:10]}</p>
{paras}
</article>
<section class="related"><h3>Related</h3><ul>{side}</ul></section></main>
<aside><h3>Most read</h3><ul>{side}</ul><div class="newsletter">Sign up for our weekly newsletter <input type="email"></div></aside>
<footer><p>Institute {feed}, 1 Policy Street. All rights reserved.</p><ul>{nav}</ul></footer></body></html>"""


def feed_xml(host: str, feed: int, articles: int) -> str:
    items = []
    for n in range(articles - 1, -1, -1):
        rng = random.Random(f"{feed}/{n}")
        title = " ".join(rng.choices(WORDS, k=7)).title()
        date = format_datetime(EPOCH + timedelta(days=n * 2, hours=feed % 24), usegmt=True)
        items.append(f"<item><title>{title}</title><link>http://{host}/a/{feed}/{n}.html</link><guid>{feed}-{n}</guid><pubDate>{date}</pubDate></item>")
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Institute {feed}</title><link>http://{host}/</link>{"".join(items)}</channel></rss>'


class Server(ThreadingHTTPServer):
    # socketserver's default accept backlog is 5: with 32 fetch threads a burst
    # of new connections overflowed it, and each dropped SYN cost the client a
    # 1 s retransmission timeout (an all-304 poll of 200 feeds: 1.4 s instead
    # of 0.4 s). Real web servers listen with backlogs in the hundreds.
    request_queue_size = 128
    daemon_threads = True


class Handler(BaseHTTPRequestHandler):
    articles = 50
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        host = self.headers.get("Host", "")
        if m := re.fullmatch(r"/feeds/(\d+)\.xml", self.path):
            body, ctype = feed_xml(host, int(m.group(1)), self.articles), "application/rss+xml"
        elif m := re.fullmatch(r"/a/(\d+)/(\d+)\.html", self.path):
            body, ctype = article_html(host, int(m.group(1)), int(m.group(2))), "text/html; charset=utf-8"
        elif self.path == "/robots.txt":
            body, ctype = "User-agent: *\nAllow: /\n", "text/plain"
        else:
            self.send_error(404)
            return
        data = body.encode()
        etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(data)


def feed_urls(hosts: int, feeds: int, port: int) -> list[str]:
    """Feed i lives on host 127.0.0.(2 + i % hosts)."""
    return [f"http://127.0.0.{2 + i % hosts}:{port}/feeds/{i}.xml" for i in range(feeds)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", type=int, default=8)
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--articles", type=int, default=50)
    ap.add_argument("--port", type=int, default=48000)
    args = ap.parse_args()
    Handler.articles = args.articles
    for h in range(args.hosts):
        srv = Server((f"127.0.0.{2 + h}", args.port), Handler)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()  # serve until the benchmark closes our stdin


if __name__ == "__main__":
    main()
