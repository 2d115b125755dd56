"""The DuckDB warehouse: schema migrations, named queries, bulk loading.

All SQL lives in warehouse/sql/*.sql: numbered migration files applied in
order, and queries.sql with named queries the pipeline runs.
"""
from warehouse.db import (SchemaTooNewError, WarehouseLockedError, connect, named_rows, promote_classifier, query, schema_version,
                          set_current_classifier)

__all__ = ["connect", "named_rows", "promote_classifier", "query", "schema_version", "set_current_classifier", "SchemaTooNewError", "WarehouseLockedError"]
