"""Payment methods, per-service channel configuration, asset generators and the API routes."""
