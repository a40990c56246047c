"""Helpers for the GridX tests (tests/test_gridx_*.py)."""
