"""Analytics over the whole customer base: pure Python on Arrow/DuckDB/Ibis, no Django.

This package must never import Django (an import-linter contract enforces it), so that the
same code runs inside a Spark job or a notebook.
"""
