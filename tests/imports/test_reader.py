"""The ledger reader: what it refuses, and what a clerk's real-world workbooks give back.

Every fixture file is made here in ``tmp_path``: workbooks with openpyxl, the rest by hand.
Messages are checked in English, the source language, so that translating them later does
not break these tests.
"""

import inspect
import random
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.utils import translation

from imports.reader import (
    ColumnSpec,
    Limits,
    RefusedFile,
    normalise_header,
    open_ledger,
)

COLUMNS = [
    ColumnSpec("code", "サービスコード"),
    ColumnSpec("amount", "金額", aliases=("標準金額",)),
    ColumnSpec("count", "件数"),
    ColumnSpec("note", "備考", required=False),
]
HEADER = ["サービスコード", "金額", "件数", "備考"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def make_xlsx(path, sheets, hidden=()):
    """``sheets``: {name: [row, ...]}; a row is a list, or a dict {"B4": value} of cells."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            if isinstance(row, dict):
                for ref, value in row.items():
                    sheet[ref] = value
            else:
                sheet.append(row)
        if name in hidden:
            sheet.sheet_state = "hidden"
    workbook.save(path)
    return path


def ledger_file(tmp_path, rows=(), name="ledger.xlsx"):
    return make_xlsx(tmp_path / name, {"収納対象": [HEADER, *rows]})


def rewrite_zip(path, change=None, add=None):
    """Copy the zip member by member, ``change(name, data)`` → new data, then ``add``."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            target.writestr(info, change(info.filename, data) if change else data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return path


def patch_central_directory(path, member, **values):
    """Overwrite fields of ``member``'s central directory entry: flags, crc, size."""
    offsets = {"flags": (8, "<H"), "crc": (16, "<I"), "size": (24, "<I")}
    data = bytearray(path.read_bytes())
    position = struct.unpack_from("<I", data, data.rindex(b"PK\x05\x06") + 16)[0]
    while data[position : position + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, position + 28)
        name = data[position + 46 : position + 46 + name_len].decode()
        if name == member:
            for field, value in values.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, data, position + offset, value)
        position += 46 + name_len + extra_len + comment_len
    path.write_bytes(bytes(data))


def refusal(path, columns=COLUMNS, **limits):
    with pytest.raises(RefusedFile) as caught:
        open_ledger(path, columns, limits=Limits(**limits))
    return caught.value.message


# --- Refusals before the workbook is parsed ------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    assert "empty" in refusal(path)


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "big.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024 * 1024 + 1)
    message = refusal(path, max_bytes=1024 * 1024).replace("\xa0", " ")
    assert "2.0 MB" in message and "up to 1.0 MB" in message


def test_password_protected_workbook(tmp_path):
    path = tmp_path / "locked.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\0" * 70_000  # the directory sits past the first chunk read
        + "EncryptedPackage".encode("utf-16-le")
        + b"\0" * 100
    )
    assert "remove the password" in refusal(path)


def test_old_xls_workbook(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "Workbook".encode("utf-16-le") * 100)
    message = refusal(path)
    assert ".xls" in message and "*.xlsx" in message


@pytest.mark.parametrize(
    "content",
    [
        "サービスコード,金額,件数\n001,100,1\n".encode("cp932"),
        b"just some text",
        random.Random(7).randbytes(4096),
    ],
    ids=["csv", "text", "random"],
)
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    assert "not an Excel workbook" in refusal(path)


def test_docx_like_zip_is_not_a_workbook(tmp_path):
    path = tmp_path / "letter.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert "not an Excel workbook" in refusal(path)


def test_truncated_workbook(tmp_path):
    path = ledger_file(tmp_path, [["001", 100, 1]])
    path.write_bytes(path.read_bytes()[:-200])
    assert "damaged" in refusal(path)


def test_zip_bomb_by_ratio(tmp_path):
    path = rewrite_zip(ledger_file(tmp_path), add={"xl/media/image1.bin": bytes(10 * 1024 * 1024)})
    assert "refused for safety" in refusal(path)


def test_zip_bomb_by_total_size(tmp_path):
    path = ledger_file(tmp_path)
    assert "refused for safety" in refusal(path, max_uncompressed_bytes=1000)


def test_too_many_members(tmp_path):
    path = rewrite_zip(ledger_file(tmp_path), add={f"xl/x/{n}.bin": b"" for n in range(10_001)})
    assert "refused for safety" in refusal(path)


def test_encrypted_zip_member(tmp_path):
    path = ledger_file(tmp_path)
    patch_central_directory(path, "xl/worksheets/sheet1.xml", flags=0x1)
    assert "encrypted" in refusal(path)


def test_member_larger_than_declared_is_caught_by_its_checksum(tmp_path):
    path = ledger_file(tmp_path, [["001", 100, 1]] * 200)
    patch_central_directory(path, "xl/worksheets/sheet1.xml", size=100)
    assert "damaged" in refusal(path)


def test_member_larger_than_declared_with_matching_checksum(tmp_path):
    path = ledger_file(tmp_path, [["001", 100, 1]] * 200)
    with zipfile.ZipFile(path) as archive:
        data = archive.read("xl/worksheets/sheet1.xml")
    # A crafted CRC that fits the first 101 bytes fools zipfile; the size count still stops it.
    patch_central_directory(path, "xl/worksheets/sheet1.xml", size=100, crc=zlib.crc32(data[:101]))
    assert "refused for safety" in refusal(path)


@pytest.mark.parametrize(
    "member, payload",
    [
        ("xl/worksheets/sheet1.xml", None),
        ("customXml/item1.xml", '<!doctype x [<!entity a "b">]><x/>'.encode("utf-16")),
        ("xl/_rels/extra.rels", b" " * (64 * 1024 - 4) + b"<!ENTITY a 'b'>"),  # across chunks
    ],
    ids=["sheet", "utf16", "chunk-boundary"],
)
def test_xml_with_a_dtd(tmp_path, member, payload):
    def inject(name, data):
        if name == member and payload is None:
            return b'<!DOCTYPE x [<!ENTITY a "b">]>' + data
        return data

    path = rewrite_zip(ledger_file(tmp_path), inject, add={member: payload} if payload else None)
    assert "DTD" in refusal(path)


def test_workbook_that_cannot_be_read(tmp_path):
    def damage(name, data):  # well-formed, but points at a shared string that does not exist
        if name != "xl/worksheets/sheet1.xml":
            return data
        return data.replace(
            b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="s"><v>99</v></c></row>'
        )

    path = rewrite_zip(ledger_file(tmp_path), damage)
    assert "could not be read: it is damaged" in refusal(path)


def test_damage_far_below_the_header_is_refused_up_front(tmp_path):
    # The whole sheet is read by open_ledger, not only the header rows.
    def damage(name, data):
        if name != "xl/worksheets/sheet1.xml":
            return data
        return data.replace(
            b"</sheetData>", b'<row r="500"><c r="B500"><v>x</v></c></row></sheetData>'
        )

    path = rewrite_zip(ledger_file(tmp_path, [["001", 100, 1]] * 30), damage)
    assert "could not be read: it is damaged" in refusal(path)


def test_xml_that_is_not_well_formed(tmp_path):
    def damage(name, data):
        return b"<workbook><sheets>" if name == "xl/workbook.xml" else data

    assert "damaged" in refusal(rewrite_zip(ledger_file(tmp_path), damage))


SHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>%s</sheetData></worksheet>"
)


HEADER_XML = "".join(
    f'<c r="{col}1" t="inlineStr"><is><t>{text}</t></is></c>'
    for col, text in zip("ABC", HEADER[:3], strict=True)
)


def with_sheet_data(tmp_path, rows_xml):
    """The test ledger with its first sheet's cells replaced by ``rows_xml``."""

    def replace(name, data):
        return (SHEET % rows_xml).encode() if name == "xl/worksheets/sheet1.xml" else data

    return rewrite_zip(ledger_file(tmp_path), replace)


HEADER_XML_IMPLICIT = "".join(  # the header without cell references
    f'<c t="inlineStr"><is><t>{text}</t></is></c>' for text in HEADER[:3]
)


# The span is checked as the chosen sheet is read through (the only sheet the error workbook
# copies), so each sheet has the header in row 1.
@pytest.mark.parametrize(
    "rows_xml, cells",
    [
        # Two values in a 1 KB file: an error workbook would pad 17 billion cells.
        (
            f'<row r="1">{HEADER_XML}</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
            "17,179,869,184",
        ),
        # The same without any cell reference: cells and rows follow the previous ones.
        (
            f'<row r="1">{HEADER_XML_IMPLICIT}</row><row r="1048576">'
            + "<c/>" * 99
            + "<c><v>1</v></c></row>",
            "104,857,600",
        ),
        # Prefixed elements, lower-case references and a row without r.
        (
            '<x:row xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + "".join(
                f'<x:c r="{col}1" t="inlineStr"><x:is><x:t>{text}</x:t></x:is></x:c>'
                for col, text in zip("abc", HEADER[:3], strict=True)
            )
            + '<x:c r="cv1000000"><x:v>1</x:v></x:c></x:row>',
            "100,000,000",
        ),
        # A cell without r stays in its row element's row, whatever the previous r said.
        (
            f'<row r="1">{HEADER_XML}</row>'
            '<row r="1048576"><c r="A1"><v>1</v></c>' + "<c><v>1</v></c>" * 19 + "</row>",
            "20,971,520",
        ),
    ],
    ids=["references", "implicit", "prefixed", "row-of-implicit-cell"],
)
def test_sheet_spanning_too_many_cells(tmp_path, rows_xml, cells):
    message = refusal(with_sheet_data(tmp_path, rows_xml))
    assert f"spans {cells} cells" in message and "20,000,000" in message


def test_empty_cells_far_away_do_not_count(tmp_path):
    # Styled but empty cells: calamine leaves them out of the grid, and so does the check.
    path = with_sheet_data(
        tmp_path, f'<row r="1">{HEADER_XML}</row><row r="1048576"><c r="XFD1048576" s="1"/></row>'
    )
    assert open_ledger(path, COLUMNS, limits=Limits()).data_rows == 0


def test_malformed_cell_reference(tmp_path):
    path = with_sheet_data(tmp_path, '<row r="1"><c r="1A"><v>1</v></c></row>')
    assert "damaged" in refusal(path)


def test_stray_value_far_below_is_read_within_the_cell_limit(tmp_path):
    rows_xml = (
        f'<row r="1">{HEADER_XML}</row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>A01</t></is></c></row>'
        '<row r="100000"><c r="C100000"><v>5</v></c></row>'
    )
    path = with_sheet_data(tmp_path, rows_xml)
    assert "spans 300,000 cells" in refusal(path, max_cells=299_999)
    ledger = open_ledger(path, COLUMNS, limits=Limits(max_cells=300_000))
    assert [number for number, _values in ledger.rows()] == [2, 100_000]


# --- Refusals about the header and the size of the sheet -----------------------------------


def test_no_sheet_with_the_headers(tmp_path):
    path = make_xlsx(tmp_path / "x.xlsx", {"説明": [["記入方法"]], "データ": [["氏名", "住所"]]})
    message = refusal(path)
    assert "サービスコード、金額、件数" in message
    assert "説明、データ" in message
    assert "備考" not in message  # optional columns are not demanded


def test_sheet_missing_some_required_columns(tmp_path):
    sheets = {"実績": [["タイトル"], ["サービスコード", "金額", "数"]]}
    path = make_xlsx(tmp_path / "x.xlsx", sheets)
    message = refusal(path)
    assert "“実績”" in message and "header row 2" in message
    assert "件数" in message and "サービスコード" not in message


def test_sheet_missing_some_then_a_complete_sheet_wins(tmp_path):
    path = make_xlsx(
        tmp_path / "x.xlsx", {"古い": [["サービスコード", "金額"]], "新しい": [HEADER, ["1", 2, 3]]}
    )
    assert open_ledger(path, COLUMNS, limits=Limits()).name == "新しい"


def test_duplicate_header(tmp_path):
    path = make_xlsx(tmp_path / "x.xlsx", {"s": [["サービスコード", "金額（円）", "件数", "金額"]]})
    message = refusal(path)
    assert "“金額” appears more than once in row 1" in message


def test_too_many_rows(tmp_path):
    path = ledger_file(tmp_path, [[str(n), 100, 1] for n in range(1001)])
    message = refusal(path, max_rows=1000)
    assert "more than 1,000 data rows" in message and "“収納対象”" in message


def test_rows_up_to_the_limit_are_accepted(tmp_path):
    path = ledger_file(tmp_path, [[str(n), 100, 1] for n in range(5)] + [[]] * 3)
    assert open_ledger(path, COLUMNS, limits=Limits(max_rows=5)).data_rows == 5


# --- Reading -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, expected",
    [
        ("金額（円）", "金額"),
        ("金額(円)", "金額"),
        ("金額[円]", "金額"),
        ("標準金額 （円）", "標準金額"),
        ("件数(件)", "件数"),
        ("サービス\u3000コード", "サービスコード"),
        (" サービス コード\n", "サービスコード"),
        ("※金額＊", "金額"),
        ("金額*（円）", "金額"),
        ("ＣＯＤＥ", "code"),
        ("（備考）", "(備考)"),
        (None, ""),
    ],
)
def test_normalise_header(written, expected):
    assert normalise_header(written) == expected


def test_headers_written_with_units_and_spaces(tmp_path):
    header = ["サービス コード", "標準金額 （円）", "件数\u3000(件)※", "備考"]
    path = make_xlsx(tmp_path / "x.xlsx", {"s": [header, ["A01", 1200, 3, "メモ"]]})
    ledger = open_ledger(path, COLUMNS, limits=Limits())
    assert ledger.columns == {"code": 0, "amount": 1, "count": 2, "note": 3}
    assert ledger.headers["amount"] == "標準金額 （円）"
    assert list(ledger.rows()) == [
        (2, {"code": "A01", "amount": 1200.0, "count": 3.0, "note": "メモ"})
    ]


def test_header_below_title_rows_and_off_column_a(tmp_path):
    rows = [
        {"C1": "令和6年度 収納実績"},
        {"B4": "サービスコード", "C4": "金額", "D4": "件数"},
        {"B5": "A01", "C5": 100, "D5": 1},
        {"B9": "A02", "C9": 200, "D9": 2},
    ]
    ledger = open_ledger(make_xlsx(tmp_path / "x.xlsx", {"s": rows}), COLUMNS, limits=Limits())
    assert ledger.header_row == 4
    assert ledger.columns == {"code": 1, "amount": 2, "count": 3}  # Excel columns B, C, D
    assert [number for number, _values in ledger.rows()] == [5, 9]


def test_sheet_whose_first_rows_and_columns_are_empty(tmp_path):
    # calamine's used range starts at C3 here; row numbers and columns must still be Excel's.
    rows = [{"C3": "サービスコード", "D3": "金額", "E3": "件数"}, {"C4": "A01", "D4": 1, "E4": 2}]
    ledger = open_ledger(make_xlsx(tmp_path / "x.xlsx", {"s": rows}), COLUMNS, limits=Limits())
    assert (ledger.header_row, ledger.columns) == (3, {"code": 2, "amount": 3, "count": 4})
    assert list(ledger.rows()) == [(4, {"code": "A01", "amount": 1.0, "count": 2.0})]


def test_blank_rows_are_skipped(tmp_path):
    rows = [["A01", 1, 1], [], ["", " ", "\u3000"], [None, None, None, None, "欄外メモ"]]
    path = ledger_file(tmp_path, rows + [["A02", 2, 2]])
    ledger = open_ledger(path, COLUMNS, limits=Limits())
    assert ledger.data_rows == 2
    rows = ledger.rows()
    assert inspect.isgenerator(rows)
    assert [(number, values["code"]) for number, values in rows] == [(2, "A01"), (6, "A02")]


def test_instructions_sheet_before_the_data(tmp_path):
    sheets = {"記入方法": [["このシートは説明です"], ["サービスコード: 6桁"]], "入力": [HEADER]}
    ledger = open_ledger(make_xlsx(tmp_path / "x.xlsx", sheets), COLUMNS, limits=Limits())
    assert ledger.name == "入力" and ledger.data_rows == 0


def test_visible_sheet_preferred_over_hidden(tmp_path):
    sheets = {"マスタ": [HEADER], "入力": [HEADER, ["A01", 1, 1]]}
    path = make_xlsx(tmp_path / "x.xlsx", sheets, hidden={"マスタ"})
    assert open_ledger(path, COLUMNS, limits=Limits()).name == "入力"


def test_hidden_sheet_used_when_no_visible_one_matches(tmp_path):
    sheets = {"説明": [["説明"]], "データ": [HEADER, ["A01", 1, 1]]}
    path = make_xlsx(tmp_path / "x.xlsx", sheets, hidden={"データ"})
    assert open_ledger(path, COLUMNS, limits=Limits()).name == "データ"


def test_formula_cells_give_their_cached_value(tmp_path):
    path = ledger_file(tmp_path, [["A01", "=100*2", 1], ["A02", "=1+1", 1]])
    ledger = open_ledger(path, COLUMNS, limits=Limits())
    # openpyxl saves formulas without a cached value: never evaluated, they read as "".
    assert [values["amount"] for _n, values in ledger.rows()] == ["", ""]

    def cache(name, data):  # what Excel writes: the formula and the value it last computed
        return data.replace(b"<f>100*2</f><v />", b"<f>100*2</f><v>200</v>")

    ledger = open_ledger(rewrite_zip(path, cache), COLUMNS, limits=Limits())
    assert [values["amount"] for _n, values in ledger.rows()] == [200.0, ""]


def test_error_cells_give_their_error_text(tmp_path):
    # calamine gave "" for these; the error text tells the clerk what is in the cell.
    path = with_sheet_data(
        tmp_path,
        f'<row r="1">{HEADER_XML}</row><row r="2">'
        '<c r="A2" t="inlineStr"><is><t>A01</t></is></c>'
        '<c r="B2" t="e"><f>NA()</f><v>#N/A</v></c><c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        "</row>",
    )
    [(_row, values)] = open_ledger(path, COLUMNS, limits=Limits()).rows()
    assert values == {"code": "A01", "amount": "#N/A", "count": "#DIV/0!"}


def test_rows_can_be_read_again_and_side_by_side(tmp_path):
    path = ledger_file(tmp_path, [[f"A{n:04d}", n, 1] for n in range(2500)])
    ledger = open_ledger(path, COLUMNS, limits=Limits())
    first, second = ledger.rows(), ledger.rows()
    pairs = list(zip(first, second, strict=True))
    assert len(pairs) == ledger.data_rows == 2500
    assert all(one == other for one, other in pairs)
    last = (2501, {"code": "A2499", "amount": 2499.0, "count": 1.0, "note": ""})
    assert list(ledger.rows())[-1] == last
    spool_file = ledger._spool._file
    del ledger, first, second
    assert spool_file.closed  # the temporary file is gone with the ledger


def test_optional_column_absent(tmp_path):
    path = make_xlsx(tmp_path / "x.xlsx", {"s": [HEADER[:3], ["A01", 1, 1]]})
    ledger = open_ledger(path, COLUMNS, limits=Limits())
    assert "note" not in ledger.columns
    assert list(ledger.rows()) == [(2, {"code": "A01", "amount": 1.0, "count": 1.0})]


def test_limits_from_settings(settings):
    if hasattr(settings, "IMPORT_LIMITS"):
        del settings.IMPORT_LIMITS
    assert Limits.from_settings() == Limits(
        max_bytes=50 * 1024 * 1024,
        max_uncompressed_bytes=512 * 1024 * 1024,
        max_ratio=150,
        max_rows=500_000,
    )
    settings.IMPORT_LIMITS = {"max_rows": 10, "max_bytes": 1024}
    assert Limits.from_settings() == Limits(max_rows=10, max_bytes=1024)
    settings.IMPORT_LIMITS = {"max_row": 10}  # a misspelt key is an error, not a silent default
    with pytest.raises(TypeError):
        Limits.from_settings()
