"""The KPI dashboard bench (bench/kpis.py): its data, its scenarios, its measures, its report."""
