"""The streaming .xlsx reader: what it makes of the XML Excel, LibreOffice, openpyxl and
other systems write.

Most workbooks here are written part by part into a zip, to control exactly what the XML
holds (shared or inline strings, cached values, missing references, prefixes…); a few
are written with openpyxl, for the common path, and compared with python-calamine, whose
values the importer was written against.
"""

import datetime as dt
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from imports import xlsx
from imports.xlsx import (
    DATE,
    DURATION,
    PartTooLarge,
    SpanTooLarge,
    UnsafeXml,
    Workbook,
    XlsxError,
    date_format_kind,
    excel_datetime,
)
from imports.xlsx.parts import _parser

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def sheet_xml(rows_xml, prefix=""):
    if prefix:
        return (
            f'<{prefix}:worksheet xmlns:{prefix}="{MAIN}"><{prefix}:sheetData>{rows_xml}'
            f"</{prefix}:sheetData></{prefix}:worksheet>"
        )
    return f'<worksheet xmlns="{MAIN}"><sheetData>{rows_xml}</sheetData></worksheet>'


def build(
    path,
    sheets,
    *,
    strings=None,
    number_formats=(),
    cell_formats=(),
    date1904=False,
    absolute=False,
    chartsheet=False,
):
    """An .xlsx at ``path``; ``sheets``: [(name, rows_xml, state)] or [(name, rows_xml)];
    ``strings``: the <si> elements of the shared strings; ``number_formats``: {id: code};
    ``cell_formats``: the numFmtId of each cell style (style 0 first)."""
    sheets = [(entry + ("visible",))[:3] for entry in sheets]
    workbook_sheets, rels = [], []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1" '
            f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        for number, (name, rows_xml, state) in enumerate(sheets, start=1):
            part = f"worksheets/sheet{number}.xml"
            xml = rows_xml if "worksheet" in rows_xml else sheet_xml(rows_xml)
            archive.writestr(f"xl/{part}", xml)
            target = f"/xl/{part}" if absolute else part
            rels.append(
                f'<Relationship Id="rId{number}" Type="{RELS}/worksheet" Target="{target}"/>'
            )
            workbook_sheets.append(
                f'<sheet name="{name}" sheetId="{number}" state="{state}" r:id="rId{number}"/>'
            )
        if chartsheet:
            rels.append(
                f'<Relationship Id="rIdC" Type="{RELS}/chartsheet" Target="chartsheets/c1.xml"/>'
            )
            workbook_sheets.append('<sheet name="グラフ" sheetId="99" r:id="rIdC"/>')
            archive.writestr("xl/chartsheets/c1.xml", "<chartsheet/>")
        if strings is not None:
            rels.append(
                f'<Relationship Id="rIdS" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            )
            archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{MAIN}">{strings}</sst>')
        if cell_formats:
            rels.append(f'<Relationship Id="rIdT" Type="{RELS}/styles" Target="styles.xml"/>')
            formats = "".join(
                f'<numFmt numFmtId="{number}" formatCode="{code.replace(chr(34), "&quot;")}"/>'
                for number, code in dict(number_formats).items()
            )
            xfs = "".join(f'<xf numFmtId="{number}"/>' for number in cell_formats)
            archive.writestr(
                "xl/styles.xml",
                f'<styleSheet xmlns="{MAIN}"><numFmts>{formats}</numFmts>'
                '<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs>'  # not cell styles
                f"<cellXfs>{xfs}</cellXfs>"
                '<dxfs><dxf><numFmt numFmtId="14" formatCode="General"/></dxf></dxfs>'
                "</styleSheet>",
            )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE_RELS}">{"".join(rels)}</Relationships>',
        )
        properties = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{properties}'
            f"<sheets>{''.join(workbook_sheets)}</sheets></workbook>",
        )
    return path


def read(path, sheet=0, **options):
    workbook = Workbook(path)
    return list(workbook.rows(workbook.sheets[sheet], **options))


def values(path, **options):
    """{excel row: [values by column, "" between]} of the first sheet."""
    rows = {}
    for number, cells in read(path, **options):
        rows[number] = [cells.get(col, "") for col in range(max(cells) + 1)]
    return rows


def cell(path, **options):
    """The value of the only cell of the only row."""
    [(_number, cells)] = read(path, **options)
    [value] = cells.values()
    return value


# --- Strings -------------------------------------------------------------------------------


def test_shared_strings_plain_rich_phonetic_and_escaped(tmp_path):
    strings = (
        "<si><t>plain</t></si>"
        # rich text: runs with fonts, joined; the space of the second run kept
        '<si><r><rPr><b/><sz val="11"/></rPr><t>東京</t></r>'
        '<r><t xml:space="preserve"> 都</t></r></si>'
        # the furigana Japanese Excel keeps for kanji: not part of the text
        '<si><t>漢字</t><rPh sb="0" eb="2"><t>カンジ</t></rPh><phoneticPr fontId="1"/></si>'
        '<si><r><t>山田</t></r><r><t>太郎</t></r><rPh sb="0" eb="2"><t>ヤマダ</t></rPh>'
        '<rPh sb="2" eb="4"><t>タロウ</t></rPh></si>'
        "<si><t/></si>"
        "<si><t>a_x000D_b_x005F_x000D_</t></si>"  # Excel's escapes of control characters
        '<si><t xml:space="preserve">  </t></si>'
    )
    row = "".join(f'<c r="{col}1" t="s"><v>{n}</v></c>' for n, col in enumerate("ABCDEFG"))
    path = build(tmp_path / "s.xlsx", [("S", f'<row r="1">{row}</row>')], strings=strings)
    assert values(path) == {1: ["plain", "東京 都", "漢字", "山田太郎", "", "a\rb_x000D_", "  "]}


def test_inline_strings_and_formula_strings(tmp_path):
    rows_xml = (
        '<row r="1">'
        '<c r="A1" t="inlineStr"><is><t>inline</t></is></c>'
        '<c r="B1" t="inlineStr"><is><r><t>ri</t></r><r><rPr><i/></rPr><t>ch</t></r>'
        '<rPh sb="0" eb="1"><t>フリ</t></rPh></is></c>'
        '<c r="C1" t="str"><f>A1&amp;"!"</f><v>inline!</v></c>'
        '<c r="D1" t="inlineStr"><is><t xml:space="preserve"> a &lt;&amp;&gt; b </t></is></c>'
        '<c r="E1" t="inlineStr"><is><t/></is></c>'
        '<c r="F1" t="inlineStr"/>'
        '<c r="G1" t="inlineStr"><is><t>x_x0009_y</t></is></c>'
        "</row>"
    )
    path = build(tmp_path / "s.xlsx", [("S", rows_xml)])
    assert values(path) == {1: ["inline", "rich", "inline!", " a <&> b ", "", "", "x\ty"]}


def test_booleans_errors_and_numbers(tmp_path):
    rows_xml = (
        '<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="b"><v>0</v></c>'
        '<c r="C1" t="e"><v>#N/A</v></c><c r="D1" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        '<c r="E1"><v>12</v></c><c r="F1" t="n"><v>-1.5E3</v></c><c r="G1"><v>0.1</v></c>'
        "</row>"
    )
    row = values(build(tmp_path / "s.xlsx", [("S", rows_xml)]))[1]
    assert row == [True, False, "#N/A", "#DIV/0!", 12.0, -1500.0, 0.1]
    assert [type(value) for value in row[4:]] == [float, float, float]


def test_formulas_give_their_cached_value_or_nothing(tmp_path):
    rows_xml = (
        '<row r="1">'
        '<c r="A1"><f>1+1</f><v>2</v></c>'  # what Excel writes
        '<c r="B1"><f>1+1</f></c>'  # never calculated: no value
        '<c r="C1"><f>1+1</f><v/></c>'  # what openpyxl writes
        '<c r="D1" t="str"><f>"a"</f></c>'
        '<c r="E1" t="str"><f>"a"</f><v>a</v></c>'
        '<c r="F1"><f t="shared" ref="F1:F2" si="0">A1*2</f><v>4</v></c>'
        "</row>"
        '<row r="2"><c r="F2"><f t="shared" si="0"/><v>8</v></c></row>'
    )
    assert values(build(tmp_path / "s.xlsx", [("S", rows_xml)])) == {
        1: [2.0, "", "", "", "a", 4.0],
        2: ["", "", "", "", "", 8.0],
    }


# --- Dates ---------------------------------------------------------------------------------

FORMATS = {
    164: '[$-ja-JP-x-gannen]ggge"年"m"月"d"日"',
    165: "yyyy/m/d",
    166: "#,##0",
    167: '"d"#,##0',  # d quoted: text, not a day
    168: "[h]:mm",
    169: "h:mm",
    170: "0.00E+00",
    171: "[$-411]ge.m.d;@",
    172: "yyyy/m/d h:mm",
}
#               0    1   2   3   4    5    6    7    8    9    10   11   12   13  14  15
CELL_FORMATS = [0, 14, 22, 57, 164, 165, 166, 167, 168, 169, 170, 171, 172, 3, 49, 31]


@pytest.mark.parametrize(
    "style, serial, expected",
    [
        (0, "45382", 45382.0),  # General
        (1, "45382", dt.date(2024, 3, 31)),  # built-in 14: m/d/yyyy
        (2, "45382.5", dt.datetime(2024, 3, 31, 12, 0)),  # built-in 22: m/d/yyyy h:mm
        (3, "45382", dt.date(2024, 3, 31)),  # built-in 57: Japanese era
        (15, "45382", dt.date(2024, 3, 31)),  # built-in 31: yyyy"年"m"月"d"日"
        (4, "45383", dt.date(2024, 4, 1)),  # 令和6年4月1日
        (5, "45383", dt.date(2024, 4, 1)),  # 2024/4/1
        (11, "45383", dt.date(2024, 4, 1)),  # [$-411]ge.m.d
        (12, "45383.75", dt.datetime(2024, 4, 1, 18, 0)),
        (12, "45383.0000000001", dt.date(2024, 4, 1)),  # less than a millisecond
        (12, "45383.99999999999", dt.date(2024, 4, 2)),  # rounds to the next day
        (6, "45383", 45383.0),  # #,##0 is a number
        (7, "45383", 45383.0),
        (10, "45383", 45383.0),  # 0.00E+00
        (13, "45383", 45383.0),  # built-in 3: #,##0
        (14, "45383", 45383.0),  # built-in 49: @ (text)
        (8, "1.5", dt.timedelta(days=1, hours=12)),  # [h]:mm: elapsed time
        (9, "0.75", dt.time(18, 0)),  # a time of day
        (1, "59", dt.date(1900, 2, 28)),
        (1, "60", 60.0),  # 1900-02-29, which Excel counts but never was
        (1, "61", dt.date(1900, 3, 1)),
        (1, "1", dt.date(1900, 1, 1)),
        (1, "-1", -1.0),
        (1, "2958465", dt.date(9999, 12, 31)),
        (1, "2958466", 2958466.0),
    ],
)
def test_numbers_in_date_formats(tmp_path, style, serial, expected):
    rows_xml = f'<row r="1"><c r="A1" s="{style}"><v>{serial}</v></c></row>'
    path = build(
        tmp_path / "d.xlsx",
        [("S", rows_xml)],
        number_formats=FORMATS,
        cell_formats=CELL_FORMATS,
    )
    value = cell(path)
    assert value == expected and type(value) is type(expected)


def test_1904_date_system(tmp_path):
    rows_xml = '<row r="1"><c r="A1" s="1"><v>0.5</v></c><c r="B1" s="1"><v>43920</v></c></row>'
    path = build(tmp_path / "d.xlsx", [("S", rows_xml)], cell_formats=[0, 14], date1904=True)
    assert values(path) == {1: [dt.time(12, 0), dt.date(2024, 3, 31)]}


def test_iso_date_cells(tmp_path):
    rows_xml = (
        '<row r="1"><c r="A1" t="d"><v>2024-04-01</v></c>'
        '<c r="B1" t="d"><v>2024-04-01T10:30:00</v></c><c r="C1" t="d"><v>10:30:00</v></c></row>'
    )
    path = build(tmp_path / "d.xlsx", [("S", rows_xml)])
    assert values(path) == {
        1: [dt.date(2024, 4, 1), dt.datetime(2024, 4, 1, 10, 30), dt.time(10, 30)]
    }


@pytest.mark.parametrize(
    "code, kind",
    [
        ("General", None),
        ("0", None),
        ("#,##0", None),
        ("#,##0;[Red]-#,##0", None),
        ('"¥"#,##0;"¥"\\-#,##0', None),
        ('#,##0"円"', None),
        ("0.00E+00", None),
        ("0%", None),
        ("@", None),
        ('"d"0', None),
        ("\\d0", None),
        ("_d0", None),
        ("*d0", None),
        ("[DBNum1][$-411]General", None),
        ("yyyy/m/d", DATE),
        ("yyyy-mm-dd", DATE),
        ("m/d/yy", DATE),
        ("d-mmm", DATE),
        ("mm:ss", DATE),
        ("h:mm AM/PM", DATE),
        ('[$-ja-JP-x-gannen]ggge"年"m"月"d"日"', DATE),
        ('[$-411]ggge"年"m"月"d"日"', DATE),
        ('[DBNum1][$-411]ggge"年"m"月"d"日"', DATE),
        ("[$-411]e/m/d", DATE),
        ('yyyy"年"m"月"', DATE),
        ("[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy", DATE),
        ("[h]:mm:ss", DURATION),
        ("[mm]:ss", DURATION),
    ],
)
def test_date_format_kind(code, kind):
    assert date_format_kind(code) == kind


def test_excel_datetime_matches_catalog_fiscal():
    from catalog.fiscal import parse_date

    for serial in (1, 59, 61, 45382, 2958465):
        assert excel_datetime(float(serial)) == parse_date(float(serial))


# --- Where cells are -----------------------------------------------------------------------


def test_cells_without_references_and_rows_with_gaps(tmp_path):
    rows_xml = (
        "<row><c><v>1</v></c><c><v>2</v></c></row>"  # row 1: A1, B1
        '<row r="3"><c r="B3"><v>3</v></c><c><v>4</v></c><c r="E3"><v>5</v></c>'
        "<c/><c><v>6</v></c></row>"  # C3 follows B3; G3 follows the empty F3
        "<row><c><v>7</v></c></row>"  # row 4
        '<row r="7"><c r="A7"><v>8</v></c></row>'
        '<row><c r="C9"><v>9</v></c><c><v>10</v></c></row>'  # no r: its cell says row 9
    )
    assert values(build(tmp_path / "p.xlsx", [("S", rows_xml)])) == {
        1: [1.0, 2.0],
        3: ["", 3.0, 4.0, "", 5.0, "", 6.0],
        4: [7.0],
        7: [8.0],
        9: ["", "", 9.0, 10.0],
    }


def test_sheet_not_starting_at_a1(tmp_path):
    rows_xml = (
        '<row r="5"><c r="D5" t="inlineStr"><is><t>見出し</t></is></c></row>'
        '<row r="6"><c r="D6"><v>1</v></c><c r="AA6"><v>2</v></c><c r="XFD6"><v>3</v></c></row>'
    )
    assert read(build(tmp_path / "p.xlsx", [("S", rows_xml)])) == [
        (5, {3: "見出し"}),
        (6, {3: 1.0, 26: 2.0, 16383: 3.0}),
    ]


def test_prefixed_elements_and_lower_case_references(tmp_path):
    rows_xml = (
        '<x:row r="2"><x:c r="b2" t="inlineStr"><x:is><x:t>a</x:t></x:is></x:c>'
        '<x:c r="c2" t="str"><x:f>1</x:f><x:v>b</x:v></x:c><x:c r="D2"><x:v>1</x:v></x:c>'
        "</x:row>"
    )
    path = build(tmp_path / "p.xlsx", [("S", sheet_xml(rows_xml, prefix="x"))])
    assert read(path) == [(2, {1: "a", 2: "b", 3: 1.0})]


def test_pretty_printed_xml_keeps_strings_exact(tmp_path):
    rows_xml = """
    <row r="1">
      <c r="A1" t="inlineStr">
        <is>
          <t>a</t>
        </is>
      </c>
      <c r="B1" t="str">
        <f>"b"</f>
        <v>b</v>
      </c>
      <c r="C1">
        <v>1</v>
      </c>
      <c r="D1" t="s">
        <v>0</v>
      </c>
      <c r="E1">
        <v/>
      </c>
      <c r="F1" t="inlineStr">
        <is><t xml:space="preserve"> c
</t></is>
      </c>
    </row>
    """
    strings = "\n  <si>\n    <t>s</t>\n  </si>\n"
    path = build(tmp_path / "p.xlsx", [("S", rows_xml)], strings=strings)
    assert values(path) == {1: ["a", "b", 1.0, "s", "", " c\n"]}


# --- Choosing columns and rows -------------------------------------------------------------


def test_only_the_wanted_columns_keyed(tmp_path):
    rows_xml = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1" t="e"><v>#REF!</v></c>'
        '<c r="C1" t="inlineStr"><is><t>c</t></is></c></row>'
        '<row r="2"><c r="B2"><v>2</v></c></row>'
    )
    path = build(tmp_path / "p.xlsx", [("S", rows_xml)])
    assert read(path, columns={0: "a", 2: "c"}) == [(1, {"a": 1.0, "c": "c"})]
    assert read(path, stop_row=1) == [(1, {0: 1.0, 1: "#REF!", 2: "c"})]


def test_values_of_unwanted_columns_are_not_made(tmp_path):
    rows_xml = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>not a number</v></c></row>'
    path = build(tmp_path / "p.xlsx", [("S", rows_xml)])
    assert read(path, columns={0: "a"}) == [(1, {"a": 1.0})]
    with pytest.raises(XlsxError):
        read(path)


def test_stop_row_stops_reading(tmp_path):
    rows_xml = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 50))
    path = build(tmp_path / "p.xlsx", [("S", rows_xml + "<broken>")])
    assert [number for number, _cells in read(path, stop_row=20)] == list(range(1, 21))
    with pytest.raises(XlsxError):  # the whole sheet is not well-formed
        read(path)


def test_rows_are_streamed(tmp_path):
    """Rows come out as the chunks are parsed, not once the whole sheet is read."""
    rows_xml = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{"x" * 50}</t></is></c></row>'
        for n in range(1, 20_001)
    )
    path = build(tmp_path / "p.xlsx", [("S", rows_xml + "<broken>")])
    workbook = Workbook(path)
    rows = workbook.rows(workbook.sheets[0], chunk_size=16 * 1024)
    first = [next(rows) for _ in range(100)]  # the damage at the end is not reached yet
    assert [number for number, _cells in first] == list(range(1, 101))
    with pytest.raises(XlsxError):
        list(rows)


def test_span_of_the_cells_holding_something(tmp_path):
    rows_xml = (
        '<row r="2"><c r="B2"><v>1</v></c><c r="Z2" s="1"/></row>'  # empty cell: not counted
        '<row r="10"><c r="D10"><f>1</f></c></row>'  # a formula without a value counts
    )
    path = build(tmp_path / "p.xlsx", [("S", rows_xml)])
    assert len(read(path, max_span=27)) == 1
    with pytest.raises(SpanTooLarge) as caught:
        read(path, max_span=26)  # rows 2–10 × columns B–D
    assert caught.value.cells == 27


# --- Sheets --------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True], ids=["relative", "absolute"])
def test_sheets_their_order_state_and_parts(tmp_path, absolute):
    path = build(
        tmp_path / "w.xlsx",
        [
            ("説明", '<row r="1"><c r="A1"><v>1</v></c></row>'),
            ("マスタ", '<row r="1"><c r="A1"><v>2</v></c></row>', "hidden"),
            ("内部", '<row r="1"><c r="A1"><v>3</v></c></row>', "veryHidden"),
            ("入力", '<row r="1"><c r="A1"><v>4</v></c></row>'),
        ],
        absolute=absolute,
        chartsheet=True,
    )
    workbook = Workbook(path)
    assert [(s.name, s.state, s.visible) for s in workbook.sheets] == [
        ("説明", "visible", True),
        ("マスタ", "hidden", False),
        ("内部", "veryHidden", False),
        ("入力", "visible", True),
    ]  # the chart sheet is not a worksheet
    assert workbook.sheets[1].part == "xl/worksheets/sheet2.xml"
    assert [cells for sheet in workbook.sheets for _n, cells in workbook.rows(sheet)] == [
        {0: 1.0},
        {0: 2.0},
        {0: 3.0},
        {0: 4.0},
    ]


HEADER = ["コード", "金額", "日付", "日時", "真偽", "式", "空白"]


def test_openpyxl_workbook_matches_calamine(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "台帳"
    sheet.append(HEADER)
    sheet.append(["001", 1200, dt.date(2024, 4, 1), dt.datetime(2024, 4, 1, 9, 30), True, "=1+1"])
    sheet.append([None, -3.25, dt.date(1900, 3, 1), None, False, None, "  "])
    sheet["B3"].number_format = "#,##0"
    sheet["C4"] = dt.date(2025, 12, 31)
    sheet["C4"].number_format = "yyyy/m/d"
    sheet["Z9"] = "右下"
    hidden = workbook.create_sheet("隠し")
    hidden.sheet_state = "hidden"
    hidden["B2"] = "x"
    path = tmp_path / "openpyxl.xlsx"
    workbook.save(path)

    def sparse(rows):  # without the blanks: calamine drops a text of spaces, we keep it
        return {
            number: kept
            for number, cells in rows
            if (kept := {c: v for c, v in cells.items() if not isinstance(v, str) or v.strip()})
        }

    ours = Workbook(path)
    assert [(s.name, s.visible) for s in ours.sheets] == [("台帳", True), ("隠し", False)]
    with CalamineWorkbook.from_path(path) as theirs:
        for mine in ours.sheets:
            calamine_sheet = theirs.get_sheet_by_name(mine.name)
            first_column = calamine_sheet.start[1]
            expected = [
                (number, {first_column + i: value for i, value in enumerate(row)})
                for number, row in enumerate(calamine_sheet.iter_rows(), start=1)
            ]
            assert sparse(ours.rows(mine)) == sparse(expected)
    assert dict(ours.rows(ours.sheets[0]))[3][6] == "  "


# --- Damaged and hostile files -------------------------------------------------------------


@pytest.mark.parametrize(
    "rows_xml",
    [
        '<row r="1"><c r="A1" t="s"><v>5</v></c></row>',  # no such shared string
        '<row r="1"><c r="A1" t="s"><v>-1</v></c></row>',
        '<row r="1"><c r="A1"><v>abc</v></c></row>',
        '<row r="1"><c r="A1" t="b"><v>2</v></c></row>',
        '<row r="1"><c r="A1" t="d"><v>yesterday</v></c></row>',
        '<row r="1"><c r="A1" t="x"><v>1</v></c></row>',
        '<row r="1"><c r="1A"><v>1</v></c></row>',
        '<row r="1"><c r="XFE1"><v>1</v></c></row>',  # past the last column
        '<row r="1048577"><c><v>1</v></c></row>',
        '<row r="x"><c><v>1</v></c></row>',
        '<row r="1"><c><v>1</v></c>',  # not well-formed
    ],
)
def test_damaged_sheets(tmp_path, rows_xml):
    path = build(tmp_path / "x.xlsx", [("S", rows_xml)], strings="<si><t>a</t></si>")
    with pytest.raises(XlsxError):
        read(path)


def test_more_columns_than_a_sheet_has(tmp_path):
    path = build(tmp_path / "x.xlsx", [("S", '<row r="1"><c r="XFD1"/><c><v>1</v></c></row>')])
    with pytest.raises(XlsxError):
        read(path)


@pytest.mark.parametrize(
    "xml",
    [
        b'<!DOCTYPE x [<!ENTITY a "b">]><worksheet/>',
        b'<?xml version="1.0"?>\n<!doctype worksheet SYSTEM "http://example.com/x.dtd"><w/>',
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x><w/>'.encode("utf-16"),
    ],
    ids=["entity", "external", "utf16"],
)
def test_dtd_is_refused(tmp_path, xml):
    path = build(tmp_path / "x.xlsx", [("S", "")])
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/worksheets/sheet9.xml", xml)
    with zipfile.ZipFile(path) as archive, pytest.raises(UnsafeXml):
        xlsx.check_part(archive, archive.getinfo("xl/worksheets/sheet9.xml"))


def test_dtd_refused_by_the_parser_too():
    parser = _parser()
    with pytest.raises(UnsafeXml):
        parser.Parse(b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', True)


def test_part_inflating_past_its_declared_size(tmp_path):
    path = build(tmp_path / "x.xlsx", [("S", '<row r="1"><c r="A1"><v>1</v></c></row>' * 50)])
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
        info.file_size = 100  # as a lying central directory would say
        info.CRC = None  # no checksum to catch it first
        with pytest.raises(PartTooLarge):
            list(xlsx.read_part(archive, info))


def test_workbook_without_styles_or_shared_strings(tmp_path):
    path = build(tmp_path / "x.xlsx", [("S", '<row r="1"><c r="A1" s="3"><v>1</v></c></row>')])
    assert read(path) == [(1, {0: 1.0})]
