"""Each ledger kind with values as staff type them: full-width digits, ¥ and 円, era
dates, year-months in several forms, codes Excel stored as numbers, stray spaces and
headers with units."""

import datetime as dt

import pytest

from catalog.models import Service
from channels.models import CollectionRecord, PaymentSlip
from imports.models import LedgerImport
from tests.imports.conftest import headers_of, workbook_bytes

pytestmark = pytest.mark.django_db
Status = LedgerImport.Status


@pytest.fixture
def counter_service(make_service, two_departments):
    return make_service(department=two_departments["ours"], code="01234", name="住民票")


COLLECTION_HEADERS = [
    "年月",
    "サービス コード",
    "決済手段",
    "件数（件）",
    "金額（円）",
    "期限内件数",
]


def test_collections_accept_the_forms_staff_type(upload, confirm, clerk, counter_service):
    rows = [
        ["2024-04", 1234, "クレジットカード", "1,200件", "¥360,000", 1200],
        ["2024年5月", "０１２３４", "電子マネー", "１２", "3,600円", "１２"],
        ["令和6年6月", " 01234　", "credit_card", 10, 3000.0, 9],
        [dt.datetime(2024, 7, 1), "01234", " クレジット カード ", 5, "1500", 5],
    ]
    ledger_import = upload("collections", workbook_bytes(COLLECTION_HEADERS, rows), clerk)
    assert ledger_import.invalid_count == 0, list(ledger_import.issues.values_list("message"))

    confirm(ledger_import, clerk)

    records = CollectionRecord.objects.order_by("period").values_list(
        "period", "method__code", "payment_count", "amount", "on_time_count"
    )
    assert list(records) == [
        (dt.date(2024, 4, 1), "credit_card", 1200, 360_000, 1200),
        (dt.date(2024, 5, 1), "e_money", 12, 3600, 12),
        (dt.date(2024, 6, 1), "credit_card", 10, 3000, 9),
        (dt.date(2024, 7, 1), "credit_card", 5, 1500, 5),
    ]


def test_collection_errors_name_the_value_and_the_place(upload, clerk, counter_service):
    rows = [
        ["2024-04", "99999", "クレジットカード", 1, 100, 1],
        ["2024-04", "01234", "現金", 1, 100, 1],
        ["2024-04", "01234", "コンビニ収納（バーコード）", 1, 100, 1],
        ["2024-13", "01234", "電子マネー", 1, 100, 1],
        ["2024-04", "01234", "電子マネー", 5, 100, 6],
        ["2099-04", "01234", "電子マネー", 1, 100, 1],  # a month still to come
    ]
    ledger_import = upload("collections", workbook_bytes(COLLECTION_HEADERS, rows), clerk)

    issues = list(ledger_import.issues.values_list("row", "column", "value", "message"))
    assert [(row, column, value) for row, column, value, _m in issues] == [
        (2, "サービス コード", "99999"),
        (3, "決済手段", "現金"),
        (4, "決済手段", "コンビニ収納（バーコード）"),
        (5, "年月", "2024-13"),
        (6, "期限内件数", "6"),
        (7, "年月", "2099-04"),
    ]
    assert "99999" in issues[0][3]
    assert "2099-04" in issues[5][3]
    assert "現金" in issues[1][3]


def test_reimporting_collections_changes_nothing(upload, confirm, clerk, counter_service):
    book = workbook_bytes(COLLECTION_HEADERS, [["2024-04", "01234", "電子マネー", 3, 900, 3]])
    confirm(upload("collections", book, clerk), clerk)
    stamp = CollectionRecord.objects.get().updated_at

    again = confirm(upload("collections", book, clerk), clerk)

    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 1)
    assert CollectionRecord.objects.get().updated_at == stamp


def test_services_with_headers_under_a_title_and_optional_column_missing(
    upload, confirm, clerk, two_departments
):
    ours = two_departments["ours"]
    headers = [h for h in headers_of("services") if h != "備考"]
    headers[headers.index("標準金額")] = "標準金額（円）"
    rows = [[int(ours.code), 1001, "　住民票の写し　", "証明書交付手数料", "窓口払い", "", "￥300"]]
    book = workbook_bytes(headers, rows, title="令和6年度 収納対象一覧")

    ledger_import = confirm(upload("services", book, clerk), clerk)

    assert ledger_import.status == Status.COMMITTED
    service = Service.objects.get(code="01001")
    assert (service.name, service.standard_amount, service.notes) == ("住民票の写し", 300, "")


def test_a_missing_optional_column_leaves_stored_values_alone(
    upload, confirm, clerk, two_departments, make_service
):
    ours = two_departments["ours"]
    make_service(code="01001", department=ours, name="住民票の写し", notes="窓口のみ")
    headers = [h for h in headers_of("services") if h != "備考"]
    rows = [[ours.code, "01001", "住民票の写し", "証明書交付手数料", "窓口払い", "", 300]]

    ledger_import = confirm(upload("services", workbook_bytes(headers, rows), clerk), clerk)

    assert ledger_import.changed_count == 1  # the amount, not the notes
    assert Service.objects.get(code="01001").notes == "窓口のみ"


def test_slip_rows_refused_for_a_counter_service_and_a_long_number(
    upload, clerk, counter_service, slip_service
):
    rows = [
        ["1", counter_service.code, "1", 100, "2025/4/30", 0, "", ""],
        ["123456789012345678901", slip_service.code, "1", 100, "2025/4/30", 0, "", ""],
        ["2", slip_service.code, "1", 100, "R7.2.30", 0, "", ""],
        ["3", slip_service.code, "1", 100, "2025/4/30", 10, "", ""],
    ]

    ledger_import = upload("slips", workbook_bytes(headers_of("slips"), rows), clerk)

    columns = list(ledger_import.issues.values_list("row", "column"))
    assert columns == [(2, "サービスコード"), (3, "納付番号"), (4, "納期限"), (5, "再発行回数")]
    assert not PaymentSlip.objects.exists()
