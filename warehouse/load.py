"""Bulk loading: one Arrow table per target table, all in one transaction.

Row-by-row executemany is ~600x slower (10,000 rows: 30 s vs 47 ms from
Arrow), and one transaction per LoadBatch means a failure leaves the
warehouse exactly as it was before that batch. The flows load one batch of
articles per transaction as soon as it completes (flows/ingest_steps.py),
with the `runs` row's cumulative counts and the batch's removal from the
ingest queue in the same commit. A LoadBatch field holds row dicts or, for
bulk producers (benchmarks), a ready pyarrow.Table.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.db import named_rows, promote_classifier, query, transaction


def article_id(canonical_url: str) -> str:
    return hashlib.sha256(canonical_url.encode()).hexdigest()[:16]


@dataclass
class LoadBatch:
    """Everything one transaction writes. Each list holds rows as dicts keyed by column."""

    run: dict[str, Any] | None = None  # the runs row (rewritten with cumulative counts)
    framings: list[dict] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    source_health: list[dict] = field(default_factory=list)
    articles: list[dict] = field(default_factory=list)
    # The caller found none of `articles` stored, on this connection with no
    # other writer since (commit_batch: known_urls under the run lock): a
    # plain INSERT, not INSERT OR IGNORE (see load_batch).
    articles_new: bool = False
    classifications: list[dict] = field(default_factory=list)
    framing_scores: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    # fetch_errors rows that are not failures (schema 7): entries skipped on
    # purpose (prefilter, undated sitemap URLs), back-offs, operator edits.
    skips: list[dict] = field(default_factory=list)
    health_policy: list[dict] = field(default_factory=list)  # one row: thresholds the source_health view applies
    retries: list[dict] = field(default_factory=list)  # failed entries to try again next run
    done_retries: list[dict] = field(default_factory=list)  # {"canonical_url": ...} now loaded
    # stories (schema 2): see extractors/dedup.py and warehouse.rows.story_rows
    fingerprints: list[dict] = field(default_factory=list)  # article_fingerprints rows
    lsh_bands: list[dict] = field(default_factory=list)  # {"band_key", "article_id"}
    story_updates: list[dict] = field(default_factory=list)  # {"article_id", "story_id", "dedup_reason"}: existing rows re-pointed
    # re-extraction (schema 5, flows/reprocess.py): new extractions of stored
    # articles (article columns + run_id), and (article_id, classifier,
    # classifier_version) rows to drop before the re-extracted text's classification is inserted
    article_updates: list[dict] = field(default_factory=list)
    replaced_classifications: list[dict] = field(default_factory=list)
    # the durable ingest queue (schema 6): entries to queue, and {"canonical_url"} done with
    queue: list[dict] = field(default_factory=list)
    done_queue: list[dict] = field(default_factory=list)
    entry_notes: list[dict] = field(default_factory=list)  # entries skipped, deferred or kept without their date


_TYPES_CACHE: dict[tuple[int, str], dict[str, str]] = {}


def _column_types(conn: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    # Looked up once per connection and table: a catalog query costs ~8 ms,
    # a sizeable part of loading a small batch. Tables do not change while
    # a connection is open (migrations run in connect(), before any load).
    key = (id(conn), table)
    if key not in _TYPES_CACHE:
        if len(_TYPES_CACHE) > 256:
            _TYPES_CACHE.clear()
        _TYPES_CACHE[key] = dict(conn.execute(
            "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'", [table]
        ).fetchall())
    return _TYPES_CACHE[key]


def _arrow_schema(types: dict[str, str], columns: Iterable[str]) -> pa.Schema:
    # Take the types from the table itself so Arrow never guesses (an all-NULL
    # column would otherwise become type null and fail to insert).
    fields = []
    for col in columns:
        t = types[col].upper()
        if t.startswith("TIMESTAMP WITH TIME ZONE"):
            at = pa.timestamp("us", tz="UTC")
        elif t.startswith("TIMESTAMP"):
            at = pa.timestamp("us")
        elif t in ("INTEGER", "INT"):
            at = pa.int32()
        elif t == "BIGINT":
            at = pa.int64()
        elif t == "DOUBLE":
            at = pa.float64()
        elif t == "BOOLEAN":
            at = pa.bool_()
        elif t == "BLOB":
            at = pa.binary()
        else:  # VARCHAR, JSON
            at = pa.string()
        fields.append(pa.field(col, at))
    return pa.schema(fields)


def _json_encoder() -> Callable[[Any], Any]:
    """JSON text for a value, memoised by identity: a run's rows usually
    share one params / reference_hashes dict, so each is encoded once.
    orjson: stdlib json made JSON columns most of a 10,000-row load."""
    seen: dict[int, tuple[Any, str]] = {}

    def encode(value: Any) -> Any:
        if value is None or isinstance(value, str):
            return value
        hit = seen.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str).decode()
        seen[id(value)] = (value, text)  # holding value keeps its id from being reused
        return text

    return encode


Rows = list[dict] | pa.Table


def _n(rows: Rows) -> int:
    return rows.num_rows if isinstance(rows, pa.Table) else len(rows)


def to_arrow(conn: duckdb.DuckDBPyConnection, table: str, rows: Rows) -> pa.Table:
    if isinstance(rows, pa.Table):
        return rows
    types = _column_types(conn, table)
    columns = list(rows[0].keys())
    data = {c: [r.get(c) for r in rows] for c in columns}  # column-wise: cheaper for Arrow than a list of dicts
    encode = _json_encoder()
    for c in columns:
        if types[c] == "JSON":
            # Rows of one batch share their dicts (every classification row
            # holds the same classifier params): encode each object once.
            # ids are stable here: `rows` keeps every value alive.
            seen: dict[int, str | None] = {}
            data[c] = [seen[id(v)] if id(v) in seen else seen.setdefault(id(v), encode(v)) for v in data[c]]
    return pa.Table.from_pydict(data, schema=_arrow_schema(types, columns))


# (batch attribute, target table, named insert query, staging view name)
_STEPS = [
    ("framings", "framings", "upsert_framings", "new_framings"),
    ("sources", "sources", "upsert_sources", "new_sources"),
    ("source_health", "sources", "update_source_health", "new_health"),
    ("health_policy", "health_policy", "upsert_health_policy", "new_health_policy"),
    ("articles", "articles", "insert_articles", "new_articles"),
    # history first (it reads the label of the old text), then the deletes, then the new rows
    ("article_updates", "articles", "reextract_articles", "article_updates"),
    ("replaced_classifications", "classifications", "delete_replaced_classifications", "replaced_classifications"),
    ("classifications", "classifications", "insert_classifications", "new_classifications"),
    ("framing_scores", "framing_scores", "insert_framing_scores", "new_framing_scores"),
    ("evidence", "evidence", "insert_evidence", "new_evidence"),
    ("errors", "fetch_errors", "insert_errors", "new_errors"),
    ("skips", "fetch_errors", "insert_skips", "new_skips"),
    ("retries", "retry_queue", "upsert_retries", "new_retries"),
    ("done_retries", "retry_queue", "delete_retries", "done_retries"),
    ("queue", "ingest_queue", "enqueue_entries", "new_queue"),
    ("done_queue", "ingest_queue", "delete_queued", "done_queue"),
    ("entry_notes", "entry_notes", "insert_entry_notes", "new_entry_notes"),
    # after the articles they refer to (stories are a view over articles: nothing to refresh)
    ("story_updates", "articles", "repoint_stories", "story_updates"),
    ("fingerprints", "article_fingerprints", "insert_fingerprints", "new_fingerprints"),
    ("lsh_bands", "article_lsh_bands", "insert_lsh_bands", "new_lsh_bands"),
]


# A batch of new articles (LoadBatch.articles_new): rows keyed by an article
# the batch inserts cannot be stored yet (articles are never deleted), so
# they take plain INSERTs. Fingerprints and LSH bands may also carry stored
# articles' (signatures computed for articles loaded before schema 2): those
# rows keep the checking query, under a view name of their own.
_PLAIN = {"insert_articles": "insert_new_articles", "insert_classifications": "insert_new_classifications",
          "insert_framing_scores": "insert_new_framing_scores"}
_SPLIT = {"insert_fingerprints": ("insert_new_fingerprints", "new_article_fingerprints"),
          "insert_lsh_bands": ("insert_new_lsh_bands", "new_article_lsh_bands")}


def _article_ids(rows: Rows) -> list[str]:
    if isinstance(rows, pa.Table):
        return rows.column("article_id").to_pylist() if rows.num_rows else []
    return [r["article_id"] for r in rows]


def _split(rows: Rows, ids: set[str]) -> tuple[Rows, Rows]:
    """(rows of the articles in `ids`, the others)."""
    if isinstance(rows, pa.Table):
        mine = pc.is_in(rows.column("article_id"), value_set=pa.array(sorted(ids), pa.string()))
        return rows.filter(mine), rows.filter(pc.invert(mine))
    return [r for r in rows if r["article_id"] in ids], [r for r in rows if r["article_id"] not in ids]


def _plain_steps(steps: list, articles: Rows) -> list:
    ids = set(_article_ids(articles))
    out = []
    for table, q, view, rows in steps:
        if q in _SPLIT and _n(rows):
            new, stored = _split(rows, ids)
            out += [(table, _SPLIT[q][0], _SPLIT[q][1], new), (table, q, view, stored)]
        else:
            out.append((table, _PLAIN.get(q, q), view, rows))
    return out


# What analysts read: a batch writing any of these changes what the snapshot
# must show. The rest (runs rows, feed validators and health, the queue,
# retries, errors, entry notes) is the pipeline's bookkeeping.
_ANALYST_DATA = ("articles", "article_updates", "replaced_classifications", "classifications", "framing_scores",
                 "evidence", "story_updates", "fingerprints", "lsh_bands")


def load_batch(conn: duckdb.DuckDBPyConnection, batch: LoadBatch) -> dict[str, int]:
    """Write a batch atomically; returns rows handed over per table."""
    counts = {attr: _n(getattr(batch, attr)) for attr, *_ in _STEPS}
    if isinstance(batch.sources, list):  # rows built before schema 7 lack its columns: the file's defaults
        batch.sources = [{"discovery": "feed", "kind": "specialist", "evidence": None, **r} for r in batch.sources]
    steps = [(table, query_name, view, getattr(batch, attr)) for attr, table, query_name, view in _STEPS]
    steps.append(("runs", "insert_run", "new_run", [batch.run] if batch.run else []))
    # INSERT OR IGNORE into articles pays per row group of the file (one a
    # committed batch): 0.20 s for 200 articles on a 10,000-page run's file
    # against 0.01 s for a plain INSERT, and the LSH bands' NOT IN reads
    # every stored band (bench/RESULTS.md, "Load on many row groups"). A
    # batch of new articles takes plain INSERTs; should a row be stored
    # after all, the conflict rolls the transaction back and the batch loads
    # again with every row checked: never a duplicate, never a failed batch.
    change = any(counts[a] for a in _ANALYST_DATA)
    classified = bool(_n(batch.classifications))
    # DuckDB 2.0: register() refuses to run while a caller's earlier result
    # on this connection is unfinished (e.g. after fetchone); a new execute()
    # discards it.
    conn.execute("SELECT 1").fetchall()
    if batch.articles_new:
        try:
            _load(conn, _plain_steps(steps, batch.articles), change, classified)
            return counts
        except duckdb.ConstraintException:
            pass  # rolled back: below, with every row checked
    _load(conn, steps, change, classified)
    return counts


def _load(conn: duckdb.DuckDBPyConnection, steps: list, change: bool, classified: bool) -> None:
    registered = []
    try:
        # Arrow conversion first, outside the transaction, so a bad row fails
        # before anything is written.
        for table, _q, view, rows in steps:
            if _n(rows):
                conn.register(view, to_arrow(conn, table, rows))
                registered.append(view)
        with transaction(conn, change=change):
            for _t, query_name, _view, rows in steps:
                if _n(rows):
                    conn.execute(query(query_name))
            if classified:
                conn.execute(query("register_classifier_versions"))
                _promote_versions(conn)
    finally:
        for view in registered:
            conn.unregister(view)


def _promote_versions(conn: duckdb.DuckDBPyConnection) -> None:
    """The batch's classifier versions, by the one rule (warehouse.db.promote_classifier)."""
    for pair in conn.execute("SELECT DISTINCT classifier, classifier_version FROM new_classifications ORDER BY ALL").fetchall():
        promote_classifier(conn, *pair)


def known_urls(conn: duckdb.DuckDBPyConnection, urls: Iterable[str]) -> set[str]:
    urls = list(set(urls))
    if not urls:
        return set()
    conn.register("candidate_urls", pa.table({"url": pa.array(urls, pa.string())}))
    try:
        return {u for (u,) in conn.execute(query("known_urls")).fetchall()}
    finally:
        conn.unregister("candidate_urls")


def dedup_candidates(conn: duckdb.DuckDBPyConnection, new: list[dict], band_keys: list[int]) -> list[dict]:
    """Stored articles of every story a new article may belong to (see the
    `dedup_candidates` query). `new`: {"content_sha256", "site", "title_key"} per new article."""
    if not new:
        return []
    conn.register("dedup_new", pa.Table.from_pylist(
        [{"content_sha256": r["content_sha256"], "site": r["site"], "title_key": r["title_key"]} for r in new],
        schema=pa.schema([("content_sha256", pa.string()), ("site", pa.string()), ("title_key", pa.string())]),
    ))
    conn.register("dedup_bands", pa.table({"band_key": pa.array(sorted(set(band_keys)), pa.int64())}))
    try:
        return named_rows(conn, "dedup_candidates")
    finally:
        conn.unregister("dedup_new")
        conn.unregister("dedup_bands")


def due_retries(conn: duckdb.DuckDBPyConnection) -> list[dict]:
    return named_rows(conn, "due_retries")


def source_states(conn: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    return {r["source_id"]: r for r in named_rows(conn, "source_states")}
