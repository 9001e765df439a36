"""Catalog records: what full_clean() accepts and refuses, how records read, and the
upserts of catalog.services (created → updated → unchanged, and nothing written on error).
"""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from wagtail.models import ModelLogEntry, Revision

from catalog.models import Department, Facility, Service
from catalog.roles import DEPARTMENT_ADMIN
from catalog.services import (
    Outcome,
    department_upsert,
    facility_upsert,
    reported_figure_upsert,
    service_upsert,
)


def errors_of(instance):
    """The fields full_clean() complains about (an empty dict when it is valid)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        return error.message_dict
    return {}


@pytest.fixture
def department(make_department):
    return make_department(code="171", name="文化観光部 観光施設課")


@pytest.fixture
def facility(make_facility, department):
    return make_facility(code="0101", name="出島", department=department)


def new_department(**fields):
    return Department(**{"code": "900", "name": "新しい部署", **fields})


def new_facility(department, **fields):
    defaults = {
        "code": "0900",
        "name": "新しい施設",
        "operation_type": Facility.OperationType.DIRECT,
        "department": department,
    }
    return Facility(**{**defaults, **fields})


def new_service(department, **fields):
    defaults = {
        "code": "90000",
        "name": "新しい手数料",
        "kind": Service.Kind.CERTIFICATE_FEE,
        "route": Service.Route.COUNTER,
        "department": department,
    }
    return Service(**{**defaults, **fields})


# ---------------------------------------------------------------- codes


def full_width(length, value):
    return pytest.param(length, value, False)


@pytest.mark.parametrize(
    "length, value, valid",
    [
        (3, "001", True),
        (3, "999", True),
        (3, "12", False),
        (3, "1234", False),
        (3, "12a", False),
        (3, "", False),
        (4, "0123", True),
        (4, "0001", True),
        (4, "123", False),
        (4, "12a4", False),
        (4, "12 4", False),
        (4, "-123", False),
        (4, "01234", False),
        (5, "00001", True),
        (5, "1234", False),
        (5, "123456", False),
        (5, "1234x", False),
        full_width(3, "１２３"),
        full_width(4, "１２３４"),
        full_width(4, "١٢٣٤"),  # Arabic-Indic digits
        full_width(5, "１２３４５"),
    ],
)
def test_codes_are_exactly_n_half_width_digits(department, length, value, valid):
    record = {
        3: lambda: new_department(code=value),
        4: lambda: new_facility(department, code=value),
        5: lambda: new_service(department, code=value),
    }[length]()

    errors = errors_of(record)

    assert ("code" not in errors) is valid, errors


def test_code_error_tells_how_many_digits(department):
    with translation.override("en"):
        errors = errors_of(new_facility(department, code="123"))

    assert "Enter exactly 4 half-width digits, e.g. 0001." in errors["code"]


@pytest.mark.parametrize("model_key", ["department", "facility", "service"])
def test_codes_are_unique(department, facility, make_service, model_key):
    service = make_service(code="20101", department=department, facility=facility)
    duplicate = {
        "department": lambda: new_department(code=department.code),
        "facility": lambda: new_facility(department, code=facility.code),
        "service": lambda: new_service(department, code=service.code),
    }[model_key]()

    assert "code" in errors_of(duplicate)


def test_leading_zeros_survive_a_round_trip(department):
    record = new_facility(department, code="0007")
    record.full_clean()
    record.save()

    assert Facility.objects.get(pk=record.pk).code == "0007"


# ---------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "amount, valid",
    [(0, True), (300, True), (99_999_999, True), (None, True), (-1, False), (100_000_000, False)],
)
def test_standard_amount_is_whole_non_negative_yen(department, amount, valid):
    errors = errors_of(new_service(department, standard_amount=amount))

    assert ("standard_amount" not in errors) is valid, errors


@pytest.mark.parametrize(
    "amount, label", [(1200, "¥1,200"), (0, "¥0"), (300, "¥300"), (1_234_567, "¥1,234,567")]
)
def test_amount_label_reads_like_staff_write_it(department, amount, label):
    assert new_service(department, standard_amount=amount).amount_label() == label


def test_amount_label_is_a_dash_when_the_amount_varies(department):
    assert new_service(department, standard_amount=None).amount_label() == "—"


# ---------------------------------------------------------------- cross-field rules


def test_service_facility_must_belong_to_the_services_department(make_department, facility):
    other = make_department(code="101", name="理財部 納税課")

    with translation.override("en"):
        errors = errors_of(new_service(other, facility=facility))

    assert errors["facility"] == [
        f"The facility {facility} belongs to another department ({facility.department})."
    ]


def test_service_at_a_facility_of_its_own_department_is_valid(department, facility):
    assert errors_of(new_service(department, facility=facility)) == {}


@pytest.mark.parametrize("route", Service.Route.values)
def test_admission_fee_without_a_facility_is_rejected(department, route):
    service = new_service(department, kind=Service.Kind.ADMISSION, route=route, facility=None)

    with translation.override("en"):
        errors = errors_of(service)

    assert errors["facility"] == ["An admission fee is paid at a facility: choose it."]


def test_admission_fee_at_a_facility_is_valid(department, facility):
    service = new_service(department, kind=Service.Kind.ADMISSION, facility=facility)

    assert errors_of(service) == {}


def test_non_admission_service_needs_no_facility(department):
    service = new_service(department, kind=Service.Kind.TAX, route=Service.Route.SLIP)

    assert errors_of(service) == {}


def test_department_cannot_be_its_own_parent(department):
    department.parent = department

    assert "parent" in errors_of(department)


@pytest.mark.parametrize(
    "postal_code, valid",
    [
        ("850-8685", True),
        ("", True),
        ("8508685", False),
        ("850-868", False),
        ("85-08685", False),
        ("850ー8685", False),  # a katakana long-vowel mark, not a hyphen
        ("abc-defg", False),
        pytest.param("８５０-８６８５", False, id="full-width"),
    ],
)
def test_postal_code_format(department, postal_code, valid):
    errors = errors_of(new_facility(department, postal_code=postal_code))

    assert ("postal_code" not in errors) is valid, errors


def test_choices_are_enforced(department):
    errors = errors_of(new_service(department, kind="bribe", route="cash"))

    assert {"kind", "route"} <= errors.keys()
    assert "operation_type" in errors_of(new_facility(department, operation_type="franchise"))


# ---------------------------------------------------------------- how records read


def test_department_and_service_read_as_code_and_name(department, make_service):
    service = make_service(code="16101", name="住民票の写し交付手数料", department=department)

    assert str(department) == "171 文化観光部 観光施設課"
    assert str(service) == "16101 住民票の写し交付手数料"


def test_a_real_facility_reads_as_code_and_name(facility):
    assert str(facility) == "0101 出島"


def test_a_sample_facility_says_so_in_english(facility):
    facility.is_sample = True

    with translation.override("en"):
        assert str(facility) == "0101 出島 (sample)"


def test_a_sample_facility_says_so_in_japanese(facility):
    facility.is_sample = True

    with translation.override("ja"):
        assert str(facility) == "0101 出島 （サンプル）"


# ---------------------------------------------------------------- upserts


def history_counts(instance):
    return (
        Revision.objects.for_instance(instance).count(),
        ModelLogEntry.objects.for_instance(instance).count(),
    )


def test_department_upsert_created_updated_unchanged(department, system_admin):
    record, outcome = department_upsert(code="172", name="文化財課", parent_code="171")
    assert outcome is Outcome.CREATED
    assert (record.name, record.parent) == ("文化財課", department)
    assert history_counts(record) == (1, 1)
    assert ModelLogEntry.objects.for_instance(record).get().action == "wagtail.create"

    record, outcome = department_upsert(
        code="172", name="文化観光部 文化財課", parent_code="171", user=system_admin
    )
    assert outcome is Outcome.UPDATED
    assert Department.objects.get(code="172").name == "文化観光部 文化財課"
    assert history_counts(record) == (2, 2)
    latest = ModelLogEntry.objects.for_instance(record).order_by("-timestamp", "-pk").first()
    assert (latest.action, latest.user) == ("wagtail.edit", system_admin)

    record, outcome = department_upsert(code="172", name="文化観光部 文化財課", parent_code="171")
    assert outcome is Outcome.UNCHANGED
    assert history_counts(record) == (2, 2)


def test_unchanged_upsert_writes_nothing(department):
    record, _ = facility_upsert(
        code="0101", name="出島", operation_type="direct", department_code="171"
    )
    stored = Facility.objects.values().get(pk=record.pk)
    history = history_counts(record)
    revisions, log_entries = Revision.objects.count(), ModelLogEntry.objects.count()

    again, outcome = facility_upsert(
        code="0101", name="出島", operation_type="direct", department_code="171"
    )

    assert outcome is Outcome.UNCHANGED
    assert again.pk == record.pk
    assert Facility.objects.values().get(pk=record.pk) == stored  # updated_at included
    assert history_counts(record) == history
    assert (Revision.objects.count(), ModelLogEntry.objects.count()) == (revisions, log_entries)


def test_a_change_updates_the_timestamp_and_keeps_the_code(department):
    record, _ = facility_upsert(
        code="0101", name="出島", operation_type="direct", department_code="171"
    )
    before = Facility.objects.get(pk=record.pk).updated_at

    _, outcome = facility_upsert(
        code="0101", name="出島", operation_type="designated", department_code="171"
    )

    stored = Facility.objects.get(pk=record.pk)
    assert outcome is Outcome.UPDATED
    assert stored.operation_type == "designated"
    assert stored.updated_at > before
    assert Facility.objects.filter(code="0101").count() == 1


@pytest.mark.parametrize(
    "upsert, fields, change",
    [
        (
            service_upsert,
            {
                "code": "20101",
                "name": "出島 入場料（一般）",
                "kind": Service.Kind.ADMISSION,
                "route": Service.Route.COUNTER,
                "department_code": "171",
                "facility_code": "0101",
                "standard_amount": 520,
            },
            {"standard_amount": 600},
        ),
        (
            reported_figure_upsert,
            {
                "fiscal_year": 2021,
                "scope": "徴収一元化5債権",
                "months": 12,
                "payment_count": 43007,
                "amount": 789_000_000,
            },
            {"payment_count": 43008},
        ),
    ],
    ids=["service", "reported_figure"],
)
def test_upsert_outcomes(department, facility, upsert, fields, change):
    outcomes = [
        upsert(**fields)[1],
        upsert(**{**fields, **change})[1],
        upsert(**{**fields, **change})[1],
    ]

    assert outcomes == [Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED]
    record = upsert(**{**fields, **change})[0]
    assert all(getattr(record, name) == value for name, value in change.items())


def snapshot():
    return (
        list(Department.objects.values()),
        list(Facility.objects.values()),
        list(Service.objects.values()),
        Revision.objects.count(),
        ModelLogEntry.objects.count(),
    )


@pytest.mark.parametrize(
    "upsert, fields, bad_field",
    [
        (department_upsert, {"code": "1234", "name": "長すぎる"}, "code"),
        (
            facility_upsert,
            {
                "code": "0102",
                "name": "長崎原爆資料館",
                "operation_type": "direct",
                "department_code": "171",
                "postal_code": "8528117",
            },
            "postal_code",
        ),
        (
            service_upsert,
            {
                "code": "20102",
                "name": "入場料",
                "kind": "admission",
                "route": "counter",
                "department_code": "171",
            },
            "facility",
        ),
        (
            service_upsert,
            {
                "code": "16101",
                "name": "住民票",
                "kind": "certificate_fee",
                "route": "counter",
                "department_code": "171",
                "standard_amount": -300,
            },
            "standard_amount",
        ),
    ],
    ids=["department-code", "facility-postal-code", "admission-no-facility", "negative-amount"],
)
def test_an_invalid_new_record_raises_and_writes_nothing(
    department, facility, upsert, fields, bad_field
):
    before = snapshot()

    with pytest.raises(ValidationError) as raised:
        upsert(**fields)

    assert bad_field in raised.value.message_dict
    assert snapshot() == before


def test_an_invalid_update_raises_and_leaves_the_record_as_it_was(department, make_department):
    make_department(code="101", name="理財部 納税課")
    facility_upsert(
        code="0001",
        name="中央地域センター",
        operation_type="direct",
        department_code="171",
        postal_code="850-8685",
    )
    service_upsert(
        code="16101",
        name="住民票の写し交付手数料",
        kind="certificate_fee",
        route="counter",
        department_code="171",
        facility_code="0001",
        standard_amount=300,
    )
    before = snapshot()

    with pytest.raises(ValidationError) as raised:
        # moving the service to another department while it stays at this one's facility
        service_upsert(
            code="16101",
            name="住民票の写し交付手数料",
            kind="certificate_fee",
            route="counter",
            department_code="101",
            facility_code="0001",
            standard_amount=350,
        )

    assert "facility" in raised.value.message_dict
    assert snapshot() == before
    assert Service.objects.get(code="16101").standard_amount == 300


def test_reported_figures_read_as_staff_write_them(db):
    figure, _ = reported_figure_upsert(
        fiscal_year=2021,
        scope="徴収一元化5債権",
        months=12,
        payment_count=43007,
        amount=789_000_000,
    )

    assert figure.fiscal_year_label() == "令和3年度 (2021)"
    assert figure.payment_count_label() == "43,007"
    assert figure.amount_label() == "¥789,000,000"
    assert str(figure) == "令和3年度 徴収一元化5債権"


def test_department_administrators_are_offered_by_name(client, system_admin, make_user):
    department = Department.objects.create(code="171", name="観光施設課")
    clerk = make_user(DEPARTMENT_ADMIN, username="kanko")
    clerk.first_name, clerk.last_name = "観光施設課", "担当"
    clerk.save()
    client.force_login(system_admin)

    page = client.get(f"/admin/snippets/catalog/department/edit/{department.pk}/")

    assert "観光施設課 担当 (kanko)" in page.content.decode()
