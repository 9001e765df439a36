"""The workbook: its sheets (from ``xl/workbook.xml`` and its relationships), and what
their cells need (shared strings, date styles, the date system); :meth:`Workbook.rows`
streams a sheet's rows through the row parser of :mod:`imports.xlsx.rows`.
"""

import posixpath
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from imports.xlsx.formats import (
    _DATE_BUILTINS,
    _DURATION_BUILTINS,
    DATE,
    DURATION,
    _unescape,
    date_format_kind,
)
from imports.xlsx.parts import _BROKEN, CHUNK, XlsxError, _parse, _parser, read_part
from imports.xlsx.rows import MAX_ROW, _row_parser, _Stop

WORKBOOK = "xl/workbook.xml"


@dataclass(frozen=True)
class Sheet:
    """A worksheet of the workbook: its name, ZIP member and ``state`` (``"visible"``,
    ``"hidden"`` or ``"veryHidden"``)."""

    name: str
    part: str
    state: str = "visible"

    @property
    def visible(self):
        return self.state == "visible"


def _local(name):
    return name.rpartition(":")[2]


class Workbook:
    """The sheets of the ``.xlsx`` at ``path`` and what their cells need: shared strings,
    date styles, the date system. :meth:`rows` streams one sheet.

    ``parts_read``: the members read whole here (already checked by :func:`read_part`).
    """

    def __init__(self, path):
        self.path = path
        with zipfile.ZipFile(path) as archive:
            self._members = {info.filename: info for info in archive.infolist()}
            self._folded = {name.lower(): name for name in self._members}
            self.parts_read = set()
            sheets, self.date1904 = self._read_workbook(archive)
            rels = self._read_rels(archive, WORKBOOK)
            self.sheets = []
            for name, state, rid in sheets:
                if rid not in rels:
                    raise XlsxError(f"sheet {name!r}: no relationship {rid!r}")
                kind, part = rels[rid]
                if kind == "worksheet":  # not chartsheets, dialog or macro sheets
                    self.sheets.append(Sheet(name, part, state))
            by_kind = dict(rels.values())
            styles = by_kind.get("styles", "xl/styles.xml")
            strings = by_kind.get("sharedStrings", "xl/sharedStrings.xml")
            self.date_styles = self._read_styles(archive, styles)
            self.shared_strings = self._read_shared_strings(archive, strings)

    def _info(self, part):
        """The ZIP member of ``part``; part names are case-insensitive, and may be escaped."""
        info = self._members.get(part)
        if info is None:
            name = self._folded.get(part.lower()) or self._folded.get(unquote(part).lower())
            info = self._members.get(name) if name else None
        return info

    def _read(self, archive, part, parser):
        info = self._info(part)
        if info is None:
            return False
        _parse(archive, info, parser)
        self.parts_read.add(info.filename)
        return True

    def _read_workbook(self, archive):
        sheets, date1904 = [], False

        def start(name, attrs):
            nonlocal date1904
            name = _local(name)
            if name == "sheet":
                rid = next((v for k, v in attrs.items() if _local(k) == "id" and ":" in k), "")
                sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
            elif name == "workbookPr":
                date1904 = attrs.get("date1904", "").lower() in ("1", "true")

        parser = _parser()
        parser.StartElementHandler = start
        if not self._read(archive, WORKBOOK, parser):
            raise XlsxError("no workbook part")
        return sheets, date1904

    def _read_rels(self, archive, part):
        """``{id: (kind, member)}`` of a part's relationships (``kind``: the last word of
        the type); targets are relative to the part's folder, or absolute."""
        folder, _sep, base = part.rpartition("/")
        rels = {}

        def start(name, attrs):
            if _local(name) != "Relationship" or attrs.get("TargetMode") == "External":
                return
            target = attrs.get("Target", "")
            if target.startswith("/"):
                member = posixpath.normpath(target[1:])
            else:
                member = posixpath.normpath(posixpath.join(folder, target))
            rels[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], member)

        parser = _parser()
        parser.StartElementHandler = start
        self._read(archive, f"{folder}/_rels/{base}.rels", parser)
        return rels

    def _read_styles(self, archive, part):
        """``{style index as written in s="…": DATE or DURATION}`` for the date styles."""
        custom, formats = {}, []
        inside = {"numFmts": False, "cellXfs": False}

        def start(name, attrs):
            name = _local(name)
            if name == "xf" and inside["cellXfs"]:
                formats.append(attrs.get("numFmtId", "0"))
            elif name == "numFmt" and inside["numFmts"]:
                custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
            elif name in inside:
                inside[name] = True

        def end(name):
            name = _local(name)
            if name in inside:
                inside[name] = False

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        self._read(archive, part, parser)
        kinds = {}
        for format_id in set(formats):
            if format_id in custom:
                kinds[format_id] = date_format_kind(custom[format_id])
            elif format_id.isdigit() and int(format_id) in _DATE_BUILTINS:
                kinds[format_id] = DURATION if int(format_id) in _DURATION_BUILTINS else DATE
        return {str(index): kinds[fid] for index, fid in enumerate(formats) if kinds.get(fid)}

    def _read_shared_strings(self, archive, part):
        """The shared strings; rich text runs joined, phonetic runs (rPh: the furigana
        Japanese Excel keeps for kanji) left out, as the schema puts them after the text."""
        strings = []
        text = None
        capture = phonetic = False

        def start(name, attrs):
            nonlocal text, capture, phonetic
            if name == "si":
                text, phonetic = None, False
            elif name == "t":
                capture = not phonetic
            elif name == "rPh":
                phonetic = True
            elif ":" in name:
                start(_local(name), attrs)

        def end(name):
            nonlocal capture
            if name == "t":
                capture = False
            elif name == "si":
                if text is None:
                    strings.append("")
                else:
                    strings.append(_unescape(text) if "_x" in text else text)
            elif ":" in name:
                end(_local(name))

        def chars(data):
            nonlocal text
            if capture:
                text = data if text is None else text + data

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        self._read(archive, part, parser)
        return strings

    def rows(
        self,
        sheet: Sheet,
        *,
        columns: dict | None = None,
        stop_row: int | None = None,
        max_span: int | None = None,
        chunk_size: int = CHUNK,
    ) -> Iterator[tuple[int, dict]]:
        """Yield ``(excel_row, {column: value})`` for each row of ``sheet`` holding a value,
        in the order of the file; ``excel_row`` is Excel's (1-based), ``column`` the 0-based
        column index (0 is A); empty cells are left out.

        ``columns``: ``{column index: key}``, to read only these columns and key the values
        by ``key``. ``stop_row``: stop after that row. ``max_span``: raise
        :class:`SpanTooLarge` when the cells holding something (a value, formula or inline
        string) span more than that many cells of the grid, from the first to the last row
        and column, as python-calamine lays a sheet out.
        """
        out = []
        stop_row = MAX_ROW if stop_row is None else stop_row
        max_span = float("inf") if max_span is None else max_span
        parser, finish = _row_parser(self, columns, stop_row, max_span, out)
        yield from self._feed(sheet, parser, finish, out, chunk_size)

    def _feed(self, sheet, parser, finish, out, chunk_size):
        """Feed the sheet's part to ``parser`` a chunk at a time, yielding from ``out`` the
        rows read from each chunk."""
        info = self._info(sheet.part)
        if info is None:
            raise XlsxError(f"sheet {sheet.name!r}: no part {sheet.part!r}")
        with zipfile.ZipFile(self.path) as archive:
            chunks = read_part(archive, info, chunk_size)
            try:
                done = False
                while not done:
                    try:
                        chunk = next(chunks, None)
                        if chunk is None:
                            parser.Parse(b"", True)
                            finish()
                            done = True
                        else:
                            parser.Parse(chunk, False)
                    except _Stop:
                        done = True
                    except _BROKEN as error:
                        raise XlsxError(f"{info.filename}: {error}") from error
                    if out:
                        yield from out
                        out.clear()
            finally:
                chunks.close()
