"""The audit log: who logged in (or failed to), downloaded an export or ran an import, when and from where.

Rows are only ever added (never changed or deleted); administrators read them in the Django admin.
"""
