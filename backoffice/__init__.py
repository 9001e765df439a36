"""Project package: settings, URLs, the admin shell and the integrator API root."""
