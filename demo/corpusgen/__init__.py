"""Deterministic generator for the framewatch demo corpus (stdlib only)."""
