"""The admin shell: Japanese by default, English per user, and the dashboard panel."""

import pytest
from wagtail.users.models import UserProfile

from catalog.roles import DEPARTMENT_ADMIN


@pytest.fixture
def dashboard(client):
    def get(user, **headers):
        client.force_login(user)
        return client.get("/admin/", **headers).content.decode()

    return get


def test_the_admin_is_japanese_even_for_an_english_browser(dashboard, department_admin):
    html = dashboard(department_admin, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="ja"' in html
    assert "担当部署" in html
    assert "キャッシュレス収納 管理" in html


def test_a_user_can_switch_to_english_in_their_account(client, dashboard, department_admin):
    client.force_login(department_admin)
    account = client.get("/admin/account/").content.decode()
    assert 'value="en"' in account and "English" in account

    profile = UserProfile.get_for_user(department_admin)
    profile.preferred_language = "en"
    profile.save()

    html = dashboard(department_admin)
    assert '<html lang="en"' in html
    assert "Your departments" in html


def test_the_dashboard_lists_only_the_users_departments(
    dashboard, department_admin, two_departments
):
    html = dashboard(department_admin)
    assert two_departments["ours"].name in html
    assert two_departments["theirs"].name not in html


def test_finance_sees_every_department_on_the_dashboard(dashboard, finance, two_departments):
    html = dashboard(finance)
    assert "部署と収納対象" in html
    assert two_departments["ours"].name in html
    assert two_departments["theirs"].name in html


def test_a_department_admin_without_departments_is_told_so(dashboard, make_user):
    html = dashboard(make_user(DEPARTMENT_ADMIN))
    assert "まだ担当部署が割り当てられていません" in html
