"""Excel ledger imports (upload, preview, confirm, undo) and exports."""
