"""The city's catalog (departments, facilities, services), fiscal-year helpers and the
department-scoping permission policy that every app uses."""
