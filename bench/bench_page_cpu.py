"""CPU per page of the work the extraction workers do, on the end-to-end
benchmark's synthetic pages, against bare trafilatura.extract (the unit of
the end-to-end extraction-bound limit), all measured in this one process.

    .venv/bin/python -m bench.bench_page_cpu [--pages 64] [--rounds 3]

CPU time (time.process_time), median of interleaved rounds, so other jobs on
a shared machine inflate the figures less than wall time would.
"""
from __future__ import annotations

import argparse
import os
import statistics
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    import trafilatura
    from datasketch import MinHash

    from bench.results import machine, write_section
    from bench.synthetic_sites import article_html
    from extractors.article import extract_article, warm_up
    from extractors.dedup import NUM_PERM, SCHEME, SEED, minhash_of, shingles
    from flows.page_work import classifier_for
    from flows.settings import load_settings
    from framing import ArticleText

    warm_up()
    pages = [(article_html(f"127.0.0.{2 + f % 8}:48000", f, n).encode(), f"http://127.0.0.{2 + f % 8}:48000/a/{f}/{n}.html")
             for f in range(args.pages // 8) for n in range(8)]
    arts = [extract_article(b, u) for b, u in pages]
    docs = [ArticleText(a.title or "", a.text) for a in arts]
    clf = classifier_for(load_settings())
    clf.classify_many(docs[:2])

    def datasketch_minhash(text: str) -> None:  # what extractors/dedup.py did before
        m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
        m.update_batch(list(shingles(text)))

    parts = {
        "bare `trafilatura.extract` (the limit's unit)": lambda: [trafilatura.extract(b) for b, _ in pages],
        "our extraction (`extract_article`: text + title, author, date, site, language, canonical)": lambda: [extract_article(b, u) for b, u in pages],
        "classification, one page per call (`classify_many([page])`, before)": lambda: [clf.classify_many([d]) for d in docs],
        "classification, 8 pages per call (the workers now: 8 pages a message)": lambda: [clf.classify_many(docs[i:i + 8]) for i in range(0, len(docs), 8)],
        "MinHash signature, datasketch `MinHash.update_batch` (before)": lambda: [datasketch_minhash(a.text) for a in arts],
        "MinHash signature, numpy (extractors/dedup.py now, same values)": lambda: [minhash_of(shingles(a.text)) for a in arts],
    }
    times: dict[str, list[float]] = {k: [] for k in parts}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for k, fn in parts.items():
            t = time.process_time()
            fn()
            times[k].append((time.process_time() - t) / len(pages) * 1000)
    ms = {k: statistics.median(v) for k, v in times.items()}
    unit = ms[next(iter(ms))]
    rows = "\n".join(f"| {k} | {v:.1f} | {v / unit:.2f} |" for k, v in ms.items())
    keys = list(ms)
    before = ms[keys[1]] + ms[keys[2]] + ms[keys[4]]
    now = ms[keys[1]] + ms[keys[3]] + ms[keys[5]]
    body = f"""Machine: {machine()}; load average {load:.1f} at the start. {len(pages)} synthetic pages (bench/synthetic_sites.py), CPU time per page, median of {args.rounds} interleaved rounds in one process. Command: `python -m bench.bench_page_cpu`.

| per page (CPU) | ms | x bare extract |
|---|---|---|
{rows}
| **total in the workers, before** (extraction + one-page classification + datasketch) | **{before:.1f}** | **{before / unit:.2f}** |
| **total in the workers, now** (extraction + 8-page classification + numpy MinHash) | **{now:.1f}** | **{now / unit:.2f}** |
"""
    print(body)
    write_section("Per-page CPU in the extraction workers", body)


if __name__ == "__main__":
    main()
