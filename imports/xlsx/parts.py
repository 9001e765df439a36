"""Reading the parts (ZIP members) of a workbook safely, and what goes wrong doing so.

Every part is read through :func:`read_part`, which refuses a DTD or entity declaration
(:class:`UnsafeXml`, before expat sees the bytes) and a part that inflates past the size
the ZIP declares (:class:`PartTooLarge`); :func:`_parser` makes an expat parser that
refuses them too. Anything else unreadable is :class:`XlsxError`.
"""

import copy
import zipfile
import zlib
from xml.parsers import expat

CHUNK = 256 * 1024

_FORBIDDEN = tuple(  # lower-cased; UTF-16 too, which XML parts may legally use
    word.encode(codec)
    for word in ("<!doctype", "<!entity")
    for codec in ("utf-8", "utf-16-le", "utf-16-be")
)
_OVERLAP = max(len(word) for word in _FORBIDDEN)
# What a damaged ZIP member or XML part raises while it is read.
_BROKEN = (
    expat.ExpatError,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    ValueError,  # a number, index or date that is not one
    IndexError,  # a shared string that does not exist
    OverflowError,
    KeyError,
)


class XlsxError(Exception):
    """The workbook cannot be read: damaged, or not laid out as a workbook is."""


class UnsafeXml(XlsxError):
    """A part carries a DTD or an entity declaration, which Excel never writes."""


class PartTooLarge(XlsxError):
    """A part inflates past the size the ZIP's central directory declares for it."""


def read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, chunk_size=CHUNK):
    """Yield the inflated bytes of a ZIP member, refusing DTDs and lying sizes.

    zipfile stops reading at the declared size, so one byte more is asked for: a member
    that inflates past its declared size is :class:`PartTooLarge` (or a CRC error). The
    forbidden words are looked for in each chunk, with the end of the previous one.
    """
    probe = copy.copy(info)
    probe.file_size += 1
    total, tail = 0, b""
    with archive.open(probe) as stream:
        while chunk := stream.read(chunk_size):
            total += len(chunk)
            if total > info.file_size:
                raise PartTooLarge(info.filename)
            window = tail + chunk
            if b"<!" in window or b"<\x00!" in window:
                lowered = window.lower()
                if any(word in lowered for word in _FORBIDDEN):
                    raise UnsafeXml(info.filename)
            tail = chunk[-_OVERLAP:]
            yield chunk


def check_part(archive, info):
    """Read a member through :func:`read_part` without parsing it."""
    try:
        for _chunk in read_part(archive, info):
            pass
    except _BROKEN as error:
        raise XlsxError(f"{info.filename}: {error}") from error


def _refuse_declaration(*_args):
    raise UnsafeXml("DTD")


def _parser():
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartDoctypeDeclHandler = _refuse_declaration
    parser.EntityDeclHandler = _refuse_declaration
    return parser


def _parse(archive, info, parser, chunk_size=CHUNK):
    """Feed a whole member to ``parser``; damage becomes :class:`XlsxError`."""
    try:
        for chunk in read_part(archive, info, chunk_size):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _BROKEN as error:
        raise XlsxError(f"{info.filename}: {error}") from error
