"""Test support shared across the test folders (on pytest's pythonpath via pyproject)."""
