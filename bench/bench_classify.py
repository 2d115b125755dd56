"""Throughput of the framing classifier: articles of ~1,000 words per second.

Run on demand (not a test):  python bench/bench_classify.py [lexical embedding] [--n 200]

Articles are built by concatenating dev-set texts (on-topic and off-topic) to
~1,000 words, so sentence lengths and vocabulary are realistic. Model loading is
excluded (it happens once per classifier); the best of three runs is reported,
because other processes on a shared 2-core machine add noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from framing import ArticleText, make_classifier  # noqa: E402
from framing.devset import load_devset  # noqa: E402


def make_articles(n: int, words: int = 1000) -> list[ArticleText]:
    texts = [it.doc for it in load_devset()]
    out, i = [], 0
    while len(out) < n:
        parts, count = [], 0
        while count < words:
            doc = texts[i % len(texts)]
            parts.append(doc.text)
            count += len(doc.text.split())
            i += 1
        body = " ".join(" ".join(parts).split()[:words])
        out.append(ArticleText(texts[i % len(texts)].title, body))
        i += 7  # vary the mix between articles
    return out


def split_timings() -> list[str]:
    """Seconds to split 2 MB pages that once made the splitter quadratic (one
    token; "a." repeated; "A. " initials, the old worst case: 80,000 characters
    took 85 s). tests/test_framing_sentences.py guards the single-token case."""
    from framing.sentences import split_sentences

    rows = []
    for name, page in (("one 2 MB token", "x" * 2_000_000), ('"a." x 1M', "a." * 1_000_000),
                       ('"A. " x 700k (initials)', "A. " * 700_000), ("2 MB of prose", ("The truce holds. " * 120_000)[:2_000_000])):
        started = time.perf_counter()
        n = len(split_sentences(page))
        rows.append(f"| {name} | {len(page):,} | {n:,} | {time.perf_counter() - started:.2f} |")
    return rows


GOALS = {"lexical": 200, "embedding": 10}  # articles of 1,000 words per second on 2 cores


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("backends", nargs="*", default=["lexical", "embedding"])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    splits = split_timings()
    print("\n".join(splits))
    articles = make_articles(args.n)
    mean_words = sum(len(a.text.split()) for a in articles) / len(articles)
    print(f"{len(articles)} articles, {mean_words:.0f} words each; {os.cpu_count()} CPUs")
    rows = []
    for backend in args.backends:
        try:
            clf = make_classifier(backend)
        except ImportError as exc:
            print(f"{backend}: skipped ({exc})")
            continue
        started = time.perf_counter()
        clf.classify_many(articles[:2])  # lazy load + warm-up
        load = time.perf_counter() - started
        best = float("inf")
        for _ in range(args.repeat):
            started = time.perf_counter()
            clf.classify_many(articles)
            best = min(best, time.perf_counter() - started)
        rate = len(articles) / best
        print(f"{backend:10s} {rate:8.1f} articles/s  (load+warm-up {load:.1f}s, {clf.name} {clf.version})")
        goal = GOALS.get(backend)
        rows.append(f"| {backend} | {clf.version} | {rate:.1f} | {goal} | {rate / goal:.2f}x | {load:.1f} s |")
    from bench.results import machine, write_section

    write_section("Classification", f"""Machine: {machine()}. `python -m bench.bench_classify`: {len(articles)} synthetic articles of {mean_words:.0f} words, best of {args.repeat} batches, after a warm-up; one process (the embedding backend's torch uses every core).

| backend | version | articles/s | goal (issue) | ratio to goal | model load + warm-up |
|---|---|---|---|---|---|
""" + "\n".join(rows) + """

Sentence splitting of hostile pages (`split_timings`), seconds:

| page | characters | sentences | seconds |
|---|---|---|---|
""" + "\n".join(splits))


if __name__ == "__main__":
    main()
