"""Opening the warehouse: lock retries, schema migrations, named queries."""
from __future__ import annotations

import hashlib
import logging
import random
import re
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TypeVar

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
MIGRATION_RE = re.compile(r"^(\d{3})_[\w-]+\.sql$")
VIEWS_FILE = SQL_DIR / "views.sql"
T = TypeVar("T")
log = logging.getLogger(__name__)


class WarehouseLockedError(RuntimeError):
    """Another process holds the DuckDB file (DuckDB allows one writer and,
    while it is open for writing, no other process at all)."""


class SchemaTooNewError(RuntimeError):
    pass


def migrations() -> list[tuple[int, Path]]:
    found = []
    for p in sorted(SQL_DIR.iterdir()):
        m = MIGRATION_RE.match(p.name)
        if m:
            found.append((int(m.group(1)), p))
    return found


def code_schema_version() -> int:
    return migrations()[-1][0]


@cache
def _named_queries() -> dict[str, str]:
    text = (SQL_DIR / "queries.sql").read_text()
    out: dict[str, str] = {}
    for block in re.split(r"^-- name: ", text, flags=re.M)[1:]:
        name, _, body = block.partition("\n")
        out[name.strip()] = body.strip()
    return out


def query(name: str) -> str:
    """The SQL of a named query from warehouse/sql/queries.sql."""
    try:
        return _named_queries()[name]
    except KeyError:
        raise KeyError(f"no query named {name!r} in warehouse/sql/queries.sql") from None


def named_rows(conn: duckdb.DuckDBPyConnection, name: str, params: list | None = None) -> list[dict]:
    """Run a named query; its rows as dicts keyed by column name."""
    cur = conn.execute(query(name), params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur.fetchall()]


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set lock" in msg)


def with_lock_retry(path: Path, open_fn: Callable[[], T], lock_timeout: float) -> T:
    """Call open_fn until the file's lock is free, for at most lock_timeout seconds."""
    # Back off with jitter: an analyst's session or a previous run usually
    # releases the file within seconds; after lock_timeout we say so clearly.
    deadline = time.monotonic() + lock_timeout
    delay = 0.1
    while True:
        try:
            return open_fn()
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseLockedError(
                        f"{path} is locked by another process (gave up after {lock_timeout:.0f} s). "
                        "Analysts should open the snapshot file instead; see README 'For analysts'."
                    ) from exc
                raise
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())) * random.uniform(0.5, 1.0))
            delay = min(delay * 2, 2.0)


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection, change: bool = True):
    """All or nothing: a failure rolls back, so the file is as it was before.

    A write transaction also counts itself in warehouse_meta 'changes'
    (schema 6), in the same commit: the snapshot is republished whenever
    that counter moved since it was copied (warehouse/snapshot.py), whoever
    wrote (a run, a backfill, a reclassify, `alerts ack`). `change=False`
    for the pipeline's own bookkeeping (runs rows, feed validators, the
    queue), which analysts do not need a fresh full copy of the warehouse for."""
    conn.execute("BEGIN TRANSACTION")
    try:
        yield conn
        if change and _has_meta(conn):
            conn.execute("UPDATE warehouse_meta SET value = value + 1 WHERE key = 'changes'")
        conn.execute("COMMIT")
    except BaseException:
        # A COMMIT that fails has already ended the transaction, and DuckDB
        # then refuses the ROLLBACK ("no transaction is active"): that error
        # must not replace the one that says what went wrong.
        with suppress(duckdb.Error):
            conn.execute("ROLLBACK")
        raise


def _has_meta(conn: duckdb.DuckDBPyConnection) -> bool:
    # Migrations before 006 run in transactions too, before the table exists.
    return bool(conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'warehouse_meta' AND schema_name = 'main' "
        "AND database_name = current_database()").fetchall()[0][0])


def meta_value(conn: duckdb.DuckDBPyConnection, key: str) -> int | None:
    rows = conn.execute("SELECT value FROM warehouse_meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def set_meta_value(conn: duckdb.DuckDBPyConnection, key: str, value: int) -> None:
    """Outside transaction(): recording what the snapshot holds is not itself a change."""
    conn.execute("INSERT OR REPLACE INTO warehouse_meta VALUES (?, ?)", [key, value])


def scalar(conn: duckdb.DuckDBPyConnection, sql: str, params: list | None = None):
    """The first column of the first row. DuckDB 2.0 leaves a result open after
    fetchone(), and an open result blocks register() and the next statement on
    the connection, so always drain it."""
    rows = conn.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def _open(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    return with_lock_retry(path, lambda: duckdb.connect(str(path), read_only=read_only), lock_timeout)


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    # duckdb_tables(), not information_schema: that view took ~20 ms on each
    # open of the warehouse (~1 ms here), and a run opens it several times.
    exists = scalar(conn, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' "
                          "AND schema_name = 'main' AND database_name = current_database()")
    if not exists:
        return 0
    return scalar(conn, "SELECT coalesce(max(version), 0) FROM schema_version")


def _applied_versions(conn: duckdb.DuckDBPyConnection) -> set[int]:
    return {v for (v,) in conn.execute("SELECT version FROM schema_version").fetchall()}


def too_new_message(path: Path | str, found: int) -> str:
    return (
        f"{path} has schema version {found}, newer than this framewatch understands "
        f"({code_schema_version()}): it was written by a newer framewatch. Upgrade framewatch "
        "(git pull && make install) instead of opening it with this one; nothing was changed."
    )


def migrate(conn: duckdb.DuckDBPyConnection, path: Path | str = "warehouse") -> int:
    """Bring the file up to the code's schema version, one migration per transaction.

    Every migration not yet recorded is applied, not only those above the
    file's highest version: migrations written on parallel branches
    (002 and 003) then both reach a file that one branch already upgraded.
    """
    # Read first, write only if needed: every connect() migrates, and a
    # CREATE on an up-to-date file is a write transaction on every open.
    if schema_version(conn) == 0:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    applied = _applied_versions(conn)
    current = max(applied, default=0)
    latest = code_schema_version()
    if current > latest:
        raise SchemaTooNewError(too_new_message(path, current))
    for version, mpath in migrations():
        if version in applied:
            continue
        with transaction(conn):
            conn.execute(mpath.read_text())
            conn.execute("INSERT INTO schema_version VALUES (?, now())", [version])
    return latest


def views_sha256() -> str:
    return hashlib.sha256(VIEWS_FILE.read_bytes()).hexdigest()


def apply_views(conn: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """(Re)create the analyst views, macros and their comments if views.sql changed."""
    sha = views_sha256()
    if not force:
        stored = conn.execute("SELECT sha256 FROM schema_views").fetchall()  # fetchall: see load._promote_versions
        if stored and stored[-1][0] == sha:
            return False
    with transaction(conn):
        conn.execute(VIEWS_FILE.read_text())
        conn.execute("DELETE FROM schema_views")
        conn.execute("INSERT INTO schema_views VALUES (?, now())", [sha])
    return True


def promote_classifier(conn: duckdb.DuckDBPyConnection, classifier: str, version: str) -> bool:
    """The one rule for the current classifier version, used by the loader and
    by reclassify: a registered version becomes current once it has classified
    at least as many articles as the current one (the first version at once).

    So a daily run with a new version does not take over the views with only
    today's articles (every older one would drop out of the shares); it takes
    over once reclassification has caught up. Returns whether it is current.
    """
    covered = query("classifier_version_coverage")
    found = conn.execute("SELECT classifier, classifier_version FROM classifier_versions WHERE is_current").fetchall()
    if found and tuple(found[0]) == (classifier, version):
        return True
    current_n = conn.execute(covered, list(found[0])).fetchone()[0] if found else -1
    if conn.execute(covered, [classifier, version]).fetchone()[0] < current_n:
        return False
    set_current_classifier(conn, classifier, version)
    return True


def set_current_classifier(conn: duckdb.DuckDBPyConnection, classifier: str, version: str) -> None:
    """Make one registered classifier version the one every analyst view reports."""
    n = scalar(conn, "SELECT count(*) FROM classifier_versions WHERE classifier = ? AND classifier_version = ?", [classifier, version])
    if not n:
        raise KeyError(f"classifier {classifier!r} version {version!r} is not in classifier_versions")
    conn.execute(query("set_current_classifier"), [classifier, version])


def no_merge_at_checkpoint(conn: duckdb.DuckDBPyConnection) -> None:
    """Checkpoints write only what changed; they do not merge row groups.

    Closing a writer checkpoints the WAL. DuckDB (>= 1.4) appends each
    session's inserts as new row groups and, at checkpoint, "vacuums" the
    table: merges trailing small row groups into larger ones, which rewrites
    (decompresses and recompresses) every row of them. `articles` rows carry
    ~10 KB of text, so those merges grow with the warehouse: replaying a
    10,000-page run's 50 batch commits, each close took 0.1 -> 1.0 s over ten
    batches and every tenth merged everything so far: 3.7 s and +133 MB at
    batch 20, 8.8 s and +227 MB at batch 40 (the run's memory peak, issue
    #13); up to 122,880 articles (~1.2 GB of text) could be merged at once
    later. With no vacuum tasks every close took 0.1-0.2 s and stayed within
    2-4 MB of its commit's peak (bench/RESULTS.md: "Memory", round ckpt-13,
    and "Checkpoint at a batch's close"; python -m bench.bench_checkpoint).

    The cost: one row group per commit and table (200 articles a batch), a
    file ~28% larger at 10,000 articles (176 against 137 MB), deleted rows
    of partly deleted row groups kept as tombstones, `INSERT OR IGNORE`
    slower on many row groups (a batch's load ~2x at 10,000 articles, until
    commit_batch's new articles took plain INSERTs), and a scan reads (and
    DuckDB caches) a block per row group (commit_batch's reads run under a
    memory limit for it). Row groups whose rows
    are all deleted (the ingest queue's, once a run has loaded them) are
    still dropped. Analysts read the snapshot, which is a fresh compact copy
    (warehouse/snapshot.py). A global setting of the database instance, so
    it must be set on every writer: any writer's close (finish_run, the next
    run's start, `alerts ack`) would otherwise do the whole merge."""
    conn.execute("SET max_vacuum_tasks = 0")


def unbounded_on_oom(conn: duckdb.DuckDBPyConnection, fn: Callable[[], T]) -> T:
    """A read under the connection's memory_limit; if DuckDB runs out of
    memory under it, the read again with DuckDB's default limit (80% of RAM):
    the limit bounds what DuckDB keeps cached, never whether a batch loads.
    What DuckDB cannot evict (a query's hash tables) needed ~30 MB on the
    benchmark's warehouse and grows with it. Reads only: see release_cache."""
    try:
        return fn()
    except duckdb.OutOfMemoryException as exc:
        log.warning("DuckDB out of memory under its limit (%s); again without the limit", str(exc).splitlines()[0])
        conn.execute("RESET memory_limit")
        return fn()


def is_out_of_memory(exc: Exception) -> bool:
    """DuckDB ran out of memory, also where it reports it as a failed commit
    (a TransactionException "Failed to commit: failed to pin block ...")."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return True
    text = str(exc).lower()
    return "failed to commit" in text and any(s in text for s in ("out of memory", "failed to pin", "failed to allocate"))


def release_cache(conn: duckdb.DuckDBPyConnection) -> None:
    """Evict the blocks of the file DuckDB keeps cached from earlier queries,
    then give the connection DuckDB's default memory limit.

    Writes never run under a small limit: a COMMIT that runs out of memory
    (DuckDB 2.0.0, writing index entries) rolls its rows back but leaves
    their keys in the unique indexes, in the file too: every later insert of
    those keys fails as a duplicate, and INSERT OR IGNORE drops them
    (reproduced with a 16 MB limit and 20,000 articles, bench/RESULTS.md,
    "Memory", round mem3-13)."""
    try:
        conn.execute("SET memory_limit = '8MB'")  # evicts what is not in use to get under it
    except duckdb.OutOfMemoryException:
        pass  # more than that is in use: what could be evicted has been
    conn.execute("RESET memory_limit")


def connect(path: Path | str, read_only: bool = False, lock_timeout: float = 60.0,
            threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Writers migrate the schema and refresh views; readers only check it.
    `threads`: DuckDB's worker threads for this connection (default: one per core).
    `memory_limit` (e.g. '48MB'): DuckDB's, for this database instance, set
    after the migrations; pair it with unbounded_on_oom."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = _open(path, read_only, lock_timeout)
    try:
        if threads is not None:
            conn.execute("SET threads = ?", [int(threads)])
        if not read_only:
            no_merge_at_checkpoint(conn)
        if read_only:
            v = schema_version(conn)
            if v > code_schema_version():
                raise SchemaTooNewError(too_new_message(path, v))
        else:
            migrate(conn, path)
            apply_views(conn)
        if memory_limit is not None:
            try:
                conn.execute("SET memory_limit = ?", [memory_limit])
            except duckdb.OutOfMemoryException:  # it holds more than that already and cannot evict it
                log.warning("DuckDB memory_limit %s not set: in use above it", memory_limit)
    except Exception:
        conn.close()
        raise
    return conn
