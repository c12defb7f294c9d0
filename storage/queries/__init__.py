"""The `SQLStore` methods that are plain SQL, one mixin per family of records.

Each mixin runs the statements of its family in `storage/sql/` on the two primitives of
`SQLAccess`; `storage.sql_store.SQLStore` combines them.
"""
