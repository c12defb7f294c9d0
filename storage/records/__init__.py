"""Plain records the store reads and writes, one module per family.

They carry no behaviour beyond small conveniences; `storage` exports them all.
"""
