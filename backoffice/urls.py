"""URLs: the Wagtail admin at /admin/, the integrator API at /api/v1/ and documents (gate
evidence, staff only) at /documents/."""

from django.conf import settings
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.generic import RedirectView
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from backoffice.api import api
from catalog.scoped_views import site_history_results_view, site_history_view


def admin_view(view):
    """Wrap a view as Wagtail wraps its own admin views: log-in required, never cached."""
    return never_cache(require_admin_access(view))


urlpatterns = [
    # Served before Wagtail's own routes for the same paths: see catalog.scoped_views.
    path("admin/reports/site-history/", admin_view(site_history_view)),
    path("admin/reports/site-history/results/", admin_view(site_history_results_view)),
    path("admin/", include(wagtailadmin_urls)),
    # Gate evidence (contracts, test reports); its collection admits staff only.
    path("documents/", include(wagtaildocs_urls)),
    # Where Wagtail sends a stranger who opens a staff-only document: the staff log-in.
    path(
        "login/",
        RedirectView.as_view(pattern_name="wagtailadmin_login", query_string=True),
        name="wagtailcore_login",
    ),
    path("api/v1/", api.urls),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
