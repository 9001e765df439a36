"""The KPI dashboard: see :mod:`kpis.apps`."""
