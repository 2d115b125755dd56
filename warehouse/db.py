"""Opening the warehouse: lock retries, schema migrations, named queries."""
from __future__ import annotations

import random
import re
import time
from functools import cache
from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).parent / "sql"
MIGRATION_RE = re.compile(r"^(\d{3})_[\w-]+\.sql$")


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


def _is_lock_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "lock" in msg and ("conflicting" in msg or "could not set lock" in msg)


def _open(path: Path, read_only: bool, lock_timeout: float) -> duckdb.DuckDBPyConnection:
    # Back off with jitter: an analyst's session or a previous run usually
    # releases the file within seconds; after lock_timeout we say so clearly.
    deadline = time.monotonic() + lock_timeout
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
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


def schema_version(conn: duckdb.DuckDBPyConnection) -> int:
    exists = conn.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchall()[0][0]  # fetchall: DuckDB 2 refuses further work while a result is unfinished
    if not exists:
        return 0
    return conn.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]


def migrate(conn: duckdb.DuckDBPyConnection) -> int:
    """Bring the file up to the code's schema version, one migration per transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)")
    current = schema_version(conn)
    latest = code_schema_version()
    if current > latest:
        raise SchemaTooNewError(
            f"this warehouse has schema version {current}, newer than this framewatch "
            f"understands ({latest}); upgrade framewatch instead of opening it with an old one"
        )
    for version, path in migrations():
        if version <= current:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_version VALUES (?, now())", [version])
            conn.execute("COMMIT")
        except Exception:
            conn.execute("ROLLBACK")
            raise
    return latest


def connect(path: Path | str, read_only: bool = False, lock_timeout: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Writers migrate the schema; readers only check it."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = _open(path, read_only, lock_timeout)
    try:
        if read_only:
            v = schema_version(conn)
            if v > code_schema_version():
                raise SchemaTooNewError(f"{path} has schema version {v}, newer than this framewatch")
        else:
            migrate(conn)
    except Exception:
        conn.close()
        raise
    return conn
