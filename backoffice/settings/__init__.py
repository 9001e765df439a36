"""Settings split by environment: base, dev, production and test (DESIGN.md §6.7)."""
