"""`manage.py load_demo`: the city's demo catalog from fixtures/catalog.toml, and one demo
login per role in development."""

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from wagtail.models import ModelLogEntry, Revision

from catalog import roles
from catalog.models import Department, Facility, ReportedFigure, Service
from tests.conftest import load_demo

DEMO_LOGINS = [
    ("sysadmin", "sysadmin-demo-2026", roles.SYSTEM_ADMIN),
    ("kaikei", "kaikei-demo-2026", roles.FINANCE),
    ("kanko", "kanko-demo-2026", roles.DEPARTMENT_ADMIN),
]
FIVE_UNIFIED_RECEIVABLES = [
    "市税",
    "国民健康保険税",
    "介護保険料",
    "後期高齢者医療保険料",
    "保育料",
]
CERTIFICATE_FEES = [
    "住民票の写し交付手数料",
    "印鑑登録証明書交付手数料",
    "戸籍全部事項証明書（戸籍謄本）交付手数料",
    "除籍全部事項証明書交付手数料",
    "所得・課税証明書交付手数料",
]


@pytest.fixture
def output(demo_once, db):
    return demo_once


def test_summary_counts_what_was_created(output):
    assert "Catalog: 80 created, 0 updated, 0 unchanged." in output
    assert "The catalog holds 21 departments, 22 facilities and 35 services." in output
    assert (Department.objects.count(), Facility.objects.count(), Service.objects.count()) == (
        21,
        22,
        35,
    )


def test_21_tourist_facilities_10_direct_11_designated(output):
    tourist = Facility.objects.filter(services__kind=Service.Kind.ADMISSION).distinct()

    assert tourist.count() == 21
    assert tourist.filter(operation_type=Facility.OperationType.DIRECT).count() == 10
    assert tourist.filter(operation_type=Facility.OperationType.DESIGNATED).count() == 11
    assert {"出島", "グラバー園", "長崎原爆資料館", "長崎ロープウェイ"} <= set(
        tourist.values_list("name", flat=True)
    )


def test_each_tourist_facility_has_its_counter_admission_fee(output):
    admissions = Service.objects.filter(kind=Service.Kind.ADMISSION).select_related("facility")

    assert admissions.count() == 21
    for service in admissions:
        assert service.route == Service.Route.COUNTER
        assert service.code == "2" + service.facility.code
        assert service.name == f"{service.facility.name} 入場料（一般）"
        assert service.department_id == service.facility.department_id
        assert service.standard_amount > 0
    dejima = admissions.get(facility__name="出島")
    assert (dejima.code, dejima.amount_label()) == ("20101", "¥520")


def test_the_five_unified_receivables_are_paid_by_slip(output):
    receivables = Service.objects.filter(name__in=FIVE_UNIFIED_RECEIVABLES)

    assert sorted(receivables.values_list("name", flat=True)) == sorted(FIVE_UNIFIED_RECEIVABLES)
    for service in receivables:
        assert service.route == Service.Route.SLIP
        assert service.facility is None
        assert "徴収一元化5債権" in service.notes
    assert Service.objects.get(name="市税").department.name == "理財部 納税課"


@pytest.mark.parametrize(
    "name, kind, department",
    [
        ("市営住宅家賃", Service.Kind.RENT, "建築部 住宅課"),
        ("水道料金", Service.Kind.WATER, "上下水道局 料金サービス課"),
        ("下水道使用料", Service.Kind.SEWER, "上下水道局 料金サービス課"),
    ],
)
def test_rent_water_and_sewer_charges(output, name, kind, department):
    service = Service.objects.get(name=name)

    assert (service.kind, service.route) == (kind, Service.Route.SLIP)
    assert service.department.name == department


def test_certificate_fees_are_paid_at_the_central_regional_center(output):
    center = Facility.objects.get(name="中央地域センター")
    at_counter = center.services.filter(kind=Service.Kind.CERTIFICATE_FEE)

    assert sorted(at_counter.values_list("name", flat=True)) == sorted(CERTIFICATE_FEES)
    assert set(at_counter.values_list("route", flat=True)) == {Service.Route.COUNTER}
    assert at_counter.get(name="住民票の写し交付手数料").amount_label() == "¥300"
    online = Service.objects.get(code="16106")
    assert (online.route, online.facility) == (Service.Route.E_APPLICATION, None)


def test_reported_figures(output):
    figures = {
        figure.fiscal_year: (figure.payment_count, figure.amount, figure.months)
        for figure in ReportedFigure.objects.all()
    }

    assert figures == {2021: (43_007, 789_000_000, 12), 2022: (46_985, 812_000_000, 9)}
    assert set(ReportedFigure.objects.values_list("scope", flat=True)) == {"徴収一元化5債権"}
    assert set(ReportedFigure.objects.values_list("source", flat=True)) == {
        "長崎市役所キャッシュレス化推進基本方針"
    }


def test_every_facility_is_marked_as_sample_data(output):
    assert not Facility.objects.filter(is_sample=False).exists()
    with translation.override("en"):
        assert str(Facility.objects.get(code="0101")) == "0101 出島 (sample)"


def test_every_record_has_its_history(output):
    for model in (Department, Facility, Service):
        for record in model.objects.all():
            assert Revision.objects.for_instance(record).count() == 1
            assert ModelLogEntry.objects.for_instance(record).get().action == "wagtail.create"


@pytest.mark.parametrize("username, password, role", DEMO_LOGINS)
def test_each_demo_user_can_log_in_with_the_printed_password(
    client, output, username, password, role
):
    user = get_user_model().objects.get(username=username)

    assert f"{username} / {password}" in output
    assert role in output
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert client.login(username=username, password=password)
    assert client.get("/admin/").status_code == 200


def test_the_demo_department_admin_looks_after_tourism(output):
    kanko = get_user_model().objects.get(username="kanko")

    assert sorted(kanko.administered_departments.values_list("code", flat=True)) == ["171", "172"]


def test_loading_twice_changes_nothing(output):
    def state():
        return {
            "departments": list(Department.objects.values()),
            "facilities": list(Facility.objects.values()),
            "services": list(Service.objects.values()),
            "figures": list(ReportedFigure.objects.values()),
            "users": list(get_user_model().objects.values()),
            "revisions": Revision.objects.count(),
            "log_entries": ModelLogEntry.objects.count(),
        }

    before = state()

    second = load_demo()

    assert "Catalog: 0 created, 0 updated, 80 unchanged." in second
    assert "The catalog holds 21 departments, 22 facilities and 35 services." in second
    assert state() == before


def test_a_demo_user_who_changed_their_password_keeps_it(output, client):
    user = get_user_model().objects.get(username="kaikei")
    user.set_password("a-new-secret-2026")
    user.save()

    second = load_demo()

    assert client.login(username="kaikei", password="a-new-secret-2026")
    assert "kaikei / (password changed by the user)" in second
    assert "kaikei-demo-2026" not in second
