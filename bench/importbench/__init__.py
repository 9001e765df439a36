"""The pieces of bench/import.py: the slip ledger, the data, the three imports, the child
processes they run in, and the report."""
