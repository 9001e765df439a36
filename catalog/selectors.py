"""Reads across the catalog, always through the department policy."""

from django.db.models import Count

from catalog.models import Department
from catalog.permissions import policy_for


def departments_with_counts(user):
    """The departments ``user`` may see that own something, with their service and
    facility counts, in code order."""
    departments = policy_for(Department).scope(user, Department.objects.all())
    return (
        departments.annotate(
            service_count=Count("services", distinct=True),
            facility_count=Count("facilities", distinct=True),
        )
        .filter(service_count__gt=0)
        .order_by("code")
    )


def departments_offered(request):
    """Departments a listing filter offers: only those the user may see (none without a
    request, as when a filter set is built for the schema)."""
    if request is None:
        return Department.objects.none()
    return policy_for(Department).scope(request.user, Department.objects.all())
