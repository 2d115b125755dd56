"""Analyst entry points behind `framewatch sql` and `framewatch export`.

Everything here reads the analyst snapshot (warehouse/snapshot.py), opened
read-only, so none of it can block or be blocked by a pipeline run.
"""
from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.db import connect

# Bookkeeping tables analysts do not need in an export.
_NOT_EXPORTED = {"schema_version", "schema_views"}
# The dedup feature's MinHash machinery: exported only with --all.
_INTERNAL = {"article_fingerprints", "article_lsh_bands"}
# Columns that date a row, most meaningful first; the first non-NULL one
# picks the row's month partition (e.g. articles: published, else fetched).
_DATE_COLUMNS = (
    "story_date", "day", "week", "article_date", "published_at", "dated_at", "window_end",
    "classified_at", "occurred_at", "started_at", "detected_at", "last_failed_at", "fetched_at", "corrected_at",
)
FORMATS = ("parquet", "csv")


class SnapshotMissingError(FileNotFoundError):
    pass


@dataclass
class Result:
    columns: list[str]
    types: list[str]
    rows: list[tuple]


def open_snapshot(path: Path | str) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not path.exists():
        raise SnapshotMissingError(
            f"no analyst snapshot at {path}: it is published after each run; "
            "run `framewatch run` (or `framewatch demo`) first, or pass --database"
        )
    # read_only: many analysts at once, and the file is never written in place anyway.
    return connect(path, read_only=True, lock_timeout=5)


def run_sql(path: Path | str, sql: str) -> Result:
    """Run SQL (several statements allowed; the last one's rows are returned)."""
    conn = open_snapshot(path)
    try:
        cur = conn.execute(sql)
        if cur.description is None:
            return Result([], [], [])
        cols = [d[0] for d in cur.description]
        types = [str(d[1]) for d in cur.description]
        return Result(cols, types, cur.fetchall())
    finally:
        conn.close()


def duckdb_cli() -> str | None:
    """The duckdb executable (duckdb-cli from PyPI, 1.5.x), beside our Python or on PATH."""
    beside = Path(sys.executable).with_name("duckdb")
    return str(beside) if beside.exists() else shutil.which("duckdb")


def interactive(path: Path | str, show: Callable[[Result], None], err: Callable[[str], None]) -> None:
    """An SQL shell on the snapshot: the DuckDB CLI if installed, else a small REPL."""
    open_snapshot(path).close()  # fail here, clearly, if the snapshot is missing or too new
    cli = duckdb_cli()
    if cli:
        os.execv(cli, [cli, "-readonly", str(path)])
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:  # pragma: no cover - Windows
        pass
    conn = open_snapshot(path)
    print(f"framewatch SQL on {path} (read-only). End statements with ';'. .tables lists tables and views, .quit exits.")
    buf: list[str] = []
    try:
        while True:
            try:
                line = input("framewatch> " if not buf else "      ...> ")
            except EOFError:
                break
            if not buf and line.strip() in (".quit", ".exit", "\\q"):
                break
            if not buf and line.strip() == ".tables":
                line = ("SELECT table_name AS name, 'table' AS kind, comment FROM duckdb_tables() WHERE NOT internal "
                        "UNION ALL SELECT view_name, 'view', comment FROM duckdb_views() WHERE NOT internal ORDER BY 2, 1;")
            buf.append(line)
            if not line.rstrip().endswith(";"):
                continue
            sql, buf = "\n".join(buf), []
            try:
                cur = conn.execute(sql)
                if cur.description is not None:
                    show(Result([d[0] for d in cur.description], [str(d[1]) for d in cur.description], cur.fetchall()))
            except duckdb.Error as exc:
                err(str(exc))
    finally:
        conn.close()


def _objects(conn: duckdb.DuckDBPyConnection, include_internal: bool = False) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' ORDER BY table_type, table_name"
    ).fetchall()
    skip = _NOT_EXPORTED | (set() if include_internal else _INTERNAL)
    return [(name, kind) for name, kind in rows if name not in skip]


def _types(conn: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'main' AND table_name = ? "
        "ORDER BY ordinal_position",
        [name],
    ).fetchall())


def _month_expr(types: dict[str, str]) -> str | None:
    parts = []
    for col in _DATE_COLUMNS:
        t = types.get(col, "")
        if t == "DATE":
            parts.append(f'"{col}"')
        elif t == "TIMESTAMP WITH TIME ZONE":
            parts.append(f"CAST(timezone('UTC', \"{col}\") AS DATE)")
        elif t.startswith("TIMESTAMP"):
            parts.append(f'CAST("{col}" AS DATE)')
    if not parts:
        return None
    return f"coalesce(strftime(coalesce({', '.join(parts)}), '%Y-%m'), 'unknown')"


def _select(conn: duckdb.DuckDBPyConnection, name: str, types: dict[str, str]) -> str:
    """The object's columns, with a MAP of framing scores spread into one
    DOUBLE column per framing (score_<framing_id>): Parquet and CSV readers
    (pandas, R, Excel) do not all understand a MAP, and a CSV would hold it
    as a string."""
    maps = [c for c, t in types.items() if t.startswith("MAP(")]
    if not maps:
        return f'SELECT * FROM "{name}"'
    framings = [f for (f,) in conn.execute("SELECT framing_id FROM framings ORDER BY framing_id").fetchall()]
    spread = [f'"{m}"[{_lit(f)}] AS "{m[:-1] if m.endswith("s") else m}_{f}"' for m in maps for f in framings]
    exclude = ", ".join(f'"{m}"' for m in maps)
    return f'SELECT * EXCLUDE ({exclude}), {", ".join(spread)} FROM "{name}"' if spread else f'SELECT * EXCLUDE ({exclude}) FROM "{name}"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _q(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def export(path: Path | str, out_dir: Path | str, fmt: str = "parquet", include_internal: bool = False) -> list[tuple[str, Path, int]]:
    """Write every analyst view and table; returns (name, path, rows) per object.

    One layout, whatever the data:
      Parquet: a time-based object (one with a date column, see _DATE_COLUMNS)
        is a folder partitioned by month, <name>/month=YYYY-MM/*.parquet
        (month=unknown for undated rows); any other object is one file,
        <name>.parquet. An empty time-based object still gets one file,
        <name>/month=none/data_0.parquet, with its columns and no rows, so
        read_parquet('<name>/*/*.parquet') works on every folder.
      CSV: one file per object, <name>.csv, with a header even when empty.
    The dedup feature's internal tables (MinHash fingerprints and LSH bands)
    are left out unless include_internal.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    conn = open_snapshot(path)
    written = []
    try:
        for name, _kind in _objects(conn, include_internal):
            types = _types(conn, name)
            select = _select(conn, name, types)
            n = conn.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
            month = _month_expr(types) if fmt == "parquet" else None
            if month:
                target = out_dir / name
                if n:
                    conn.execute(
                        f"COPY (SELECT *, {month} AS month FROM ({select})) TO {_q(target)} "
                        "(FORMAT parquet, PARTITION_BY (month), OVERWRITE true)"
                    )
                else:
                    empty = target / "month=none"
                    empty.mkdir(parents=True, exist_ok=True)
                    conn.execute(f"COPY (SELECT *, NULL::VARCHAR AS month FROM ({select})) TO {_q(empty / 'data_0.parquet')} "
                                 "(FORMAT parquet)")
            elif fmt == "parquet":
                target = out_dir / f"{name}.parquet"
                conn.execute(f"COPY ({select}) TO {_q(target)} (FORMAT parquet)")
            else:
                target = out_dir / f"{name}.csv"
                conn.execute(f"COPY ({select}) TO {_q(target)} (FORMAT csv, HEADER true)")
            written.append((name, target, n))
    finally:
        conn.close()
    return written
