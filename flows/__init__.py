"""Orchestration: Prefect flows and the `framewatch` CLI. No SQL, no parsing here."""
