"""`manage.py load_demo` with production settings: the catalog, never the demo logins.

Its own module: the other demo tests share one load with demo users (see
``tests/conftest.py`` ``demo_once``), and this one needs a database without them."""

from django.contrib.auth import get_user_model

from tests.catalog.test_demo import DEMO_LOGINS
from tests.conftest import load_demo


def test_no_demo_user_outside_development(db, settings):
    settings.DEMO_USERS_ALLOWED = False

    output = load_demo()

    assert "Demo users are created with development settings only." in output
    assert "Catalog: 80 created" in output
    assert not get_user_model().objects.exists()
    for username, password, _role in DEMO_LOGINS:
        assert username not in output
        assert password not in output
