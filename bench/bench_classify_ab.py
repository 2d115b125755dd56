"""Classification CPU per page: this checkout's framing/ against another
revision's, in one process, on the same pages, rounds interleaved; and
whether every output (label, scores, confidence, relevance, evidence) is the same.

    .venv/bin/python -m bench.bench_classify_ab --base 9f40bb7 [--pages 64] [--rounds 7]

The base revision's framing/ is exported with `git archive` into a temporary
directory and imported as `framing_base` (framing/ uses only relative imports),
so both run under the same load: on a shared machine that is what makes the
ratio meaningful when the absolute figures move with other people's jobs.
Pages: the end-to-end benchmark's synthetic pages, extracted as the workers
do, classified 8 to a call (the workers' batch) and 1 to a call.
"""
from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _import_base(rev: str, into: Path):
    tar = subprocess.run(["git", "archive", rev, "framing"], cwd=ROOT, check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(into, filter="data")
    (into / "framing").rename(into / "framing_base")
    sys.path.insert(0, str(into))
    import framing_base

    return framing_base


def _outputs(results) -> list:
    return [(c.label, c.scores, c.confidence, c.relevance,
             [(e.framing_id, e.article_sentence, e.reference_sentence, e.similarity) for e in c.evidence]) for c in results]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", help="git revision to compare against (without it, `python -m bench` skips this one)")
    ap.add_argument("--pages", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    if not args.base:
        print("bench_classify_ab: no --base revision given, nothing to compare; skipped")
        return
    import framing
    from bench.results import machine, write_section
    from bench.synthetic_sites import article_html
    from extractors.article import extract_article

    arts = [extract_article(article_html(f"127.0.0.{2 + f % 8}:48000", f, n).encode(), f"http://127.0.0.{2 + f % 8}:48000/a/{f}/{n}.html")
            for f in range(args.pages // 8) for n in range(8)]
    with tempfile.TemporaryDirectory() as tmp:
        base = _import_base(args.base, Path(tmp))
        seeds = ROOT / "seeds"
        clfs = {"base": base.make_classifier("lexical", seeds), "this": framing.make_classifier("lexical", seeds)}
        docs = {"base": [base.ArticleText(a.title or "", a.text) for a in arts], "this": [framing.ArticleText(a.title or "", a.text) for a in arts]}

        def run(side: str, per_call: int) -> tuple[float, list]:
            clf, ds = clfs[side], docs[side]
            t = time.process_time()
            out = [c for i in range(0, len(ds), per_call) for c in clf.classify_many(ds[i:i + per_call])]
            return (time.process_time() - t) / len(ds) * 1000, out

        for side in clfs:  # warm-up: references, models, caches of stems
            run(side, 8)
        load = os.getloadavg()[0]
        ms: dict[tuple[str, int], list[float]] = {(s, b): [] for s in clfs for b in (8, 1)}
        same = True
        for _ in range(args.rounds):
            for per_call in (8, 1):
                got = {}
                for side in clfs:
                    t, got[side] = run(side, per_call)
                    ms[(side, per_call)].append(t)
                same = same and _outputs(got["base"]) == _outputs(got["this"])
        versions = {s: c.version for s, c in clfs.items()}
    med = {k: statistics.median(v) for k, v in ms.items()}
    rows = "\n".join(
        f"| {b} page{'s' if b > 1 else ''} a call | {med[('base', b)]:.1f} | {med[('this', b)]:.1f} | {med[('base', b)] / med[('this', b)]:.2f}x |"
        for b in (8, 1)
    )
    body = f"""Machine: {machine()}; load average {load:.1f} at the start. {len(arts)} synthetic pages (bench/synthetic_sites.py), extracted as the workers do; lexical backend; CPU time per page, median of {args.rounds} interleaved rounds, both revisions in one process. Command: `python -m bench.bench_classify_ab --base {args.base}`.

| classification | base `{args.base}` (ms) | this revision (ms) | base / this |
|---|---|---|---|
{rows}

Outputs identical (label, scores, confidence, relevance, evidence) on every page and round: **{'yes' if same else 'NO'}**. Versions: base `{versions['base']}`, this `{versions['this']}`.
"""
    print(body)
    write_section("Classification CPU against a base revision", body)


if __name__ == "__main__":
    main()
