"""Rollout waves, phases, approvals, scheduled transitions and the fiscal-year timeline."""
