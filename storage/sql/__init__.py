"""SQL shared by the SQL backends, one module per family of records, with `?` placeholders.

PostgreSQL rewrites the placeholders to `$n`; anything dialect-specific stays in its backend.
"""
