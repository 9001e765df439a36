"""The pieces of bench/api.py: scratch database, data, gunicorn, CPU accounting, wrk, report."""
