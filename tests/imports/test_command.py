"""``manage.py import_ledger``: the same pipeline from the command line, with a non-zero
exit status for a refused file or invalid rows."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from catalog.models import Facility
from imports.models import LedgerImport
from tests.imports.conftest import headers_of, workbook_bytes

pytestmark = pytest.mark.django_db


def facilities_book(path, rows):
    path.write_bytes(workbook_bytes(headers_of("facilities"), rows))
    return path


def test_imports_and_reports_counts(tmp_path, two_departments, capsys):
    ours = two_departments["ours"]
    book = facilities_book(
        tmp_path / "施設.xlsx",
        [
            ["0901", "グラバー園", "指定管理", ours.code, "〒850-0931", "長崎市南山手町8-1"],
            [902, "平和会館", "直営", ours.code, "8500862", ""],
        ],
    )

    call_command("import_ledger", "facilities", str(book))

    out = capsys.readouterr()
    assert "2" in out.out
    glover = Facility.objects.get(code="0901")
    assert (glover.operation_type, glover.postal_code) == ("designated", "850-0931")
    # A code Excel stored as a number keeps its leading zero.
    assert Facility.objects.get(code="0902").postal_code == "850-0862"
    assert LedgerImport.objects.get().status == LedgerImport.Status.COMMITTED


def test_dry_run_writes_nothing_and_fails_on_invalid_rows(tmp_path, two_departments, capsys):
    ours = two_departments["ours"]
    book = facilities_book(
        tmp_path / "f.xlsx",
        [["0901", "グラバー園", "委託", ours.code, "", ""]],
    )

    with pytest.raises(SystemExit) as exit_:
        call_command("import_ledger", "facilities", str(book), "--dry-run")

    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "委託" in err and "運営形態" in err and "2" in err
    assert not Facility.objects.filter(code="0901").exists()


def test_a_refused_file_is_an_error(tmp_path):
    not_a_workbook = tmp_path / "ledger.xlsx"
    not_a_workbook.write_text("施設コード,施設名\n0901,グラバー園\n", encoding="utf-8")

    with pytest.raises(CommandError):
        call_command("import_ledger", "facilities", str(not_a_workbook))

    assert LedgerImport.objects.get().status == LedgerImport.Status.REJECTED


def test_invalid_rows_stop_the_import_unless_skipped(tmp_path, two_departments, capsys):
    ours = two_departments["ours"]
    book = facilities_book(
        tmp_path / "f.xlsx",
        [
            ["0901", "グラバー園", "指定管理", ours.code, "", ""],
            ["0902", "平和会館", "委託", ours.code, "", ""],
        ],
    )

    with pytest.raises(SystemExit) as exit_:
        call_command("import_ledger", "facilities", str(book))
    assert exit_.value.code == 1
    assert "委託" in capsys.readouterr().err
    assert not Facility.objects.filter(code__in=["0901", "0902"]).exists()

    call_command("import_ledger", "facilities", str(book), "--skip-invalid")
    assert list(
        Facility.objects.filter(code__in=["0901", "0902"]).values_list("code", flat=True)
    ) == ["0901"]
