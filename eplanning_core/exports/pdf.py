"""Printable PDFs: the signed minutes of a meeting (berita acara) and per-unit recaps.

Built with reportlab platypus on A4 with the built-in Helvetica fonts, so no font file has
to ship with the package (the price: characters outside Latin-1, rare in Indonesian, print
as a box). Caller text never becomes markup: short texts are XML-escaped before they reach
a Paragraph, and table cells and minutes are drawn as plain lines that nothing parses, so a
proposal titled ``<b>`` or ``A & B`` prints as typed. Each page carries the region's name
at the top and a "page X of Y" footer whose wording the caller may pass in, and long
tables repeat their header row on every page.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

from babel.dates import format_date, format_time
from flask import current_app, has_app_context, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape as landscape_of
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (KeepTogether, Paragraph, Preformatted, SimpleDocTemplate, Spacer, Table,
                                TableStyle)

from ..money import format_rupiah, format_volume
from .excel import (Column, tenant_or_none, attachment_response, local_naive, region_timezone,
                    safe_filename)

PDF_MIMETYPE = "application/pdf"
#: Zone abbreviations Indonesians write after a time; other zones show their IANA name.
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB",
                      "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"}

_MARGIN = 15 * mm
_LABELS = {
    "page": _l("Page %(page)s of %(pages)s"),
    "place": _l("Place"),
    "address": _l("Address"),
    "time": _l("Date and time"),
    "attendance": _l("Number present"),
    "minutes": _l("Minutes of the meeting"),
    "proposals": _l("Proposals discussed"),
    "no": _l("No."),
    "activity": _l("Proposed activity"),
    "location": _l("Location"),
    "volume": _l("Volume"),
    "total": _l("Total (Rp)"),
    "decision": _l("Decision"),
    "reason": _l("Reason"),
    "delegates": _l("Delegates"),
}

_CELL_SIZE = 8
_CELL_LEADING = 9.5
_PADDING = 3
_MIN_ROW_PIECE = 100
#: Table cells longer than this are cut (the record keeps the full text): a cell is not a
#: place for a report, and unbounded cells would let one entry spread over hundreds of pages.
_MAX_CELL_CHARS = 4000
_BASE = ParagraphStyle("base", fontName="Helvetica", fontSize=9, leading=11)
_CELL = ParagraphStyle("cell", parent=_BASE, fontSize=8, leading=9.5)
_CELL_BOLD = ParagraphStyle("cell-bold", parent=_CELL, fontName="Helvetica-Bold")
_TITLE = ParagraphStyle("title", parent=_BASE, fontName="Helvetica-Bold", fontSize=13,
                        leading=16, alignment=TA_CENTER, spaceAfter=2)
_SUBTITLE = ParagraphStyle("subtitle", parent=_BASE, fontSize=10, leading=13,
                           alignment=TA_CENTER, spaceAfter=8)
_HEADING = ParagraphStyle("heading", parent=_BASE, fontName="Helvetica-Bold", fontSize=10,
                          leading=13, spaceBefore=8, spaceAfter=4)

_GRID = [
    ("FONT", (0, 0), (-1, -1), "Helvetica", _CELL_SIZE, _CELL_LEADING),
    ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("TOPPADDING", (0, 0), (-1, -1), 2),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ("LEFTPADDING", (0, 0), (-1, -1), _PADDING),
    ("RIGHTPADDING", (0, 0), (-1, -1), _PADDING),
]


def _p(text, style=_CELL, limit: int = 1000) -> Paragraph:
    """A Paragraph of plain text: escaped, line breaks kept, cut at ``limit`` characters.

    Paragraphs are for short texts (labels, names, titles); the cut keeps a hostile
    100 kB "name" from making the layout crawl. Long texts use Preformatted or table cells.
    """
    text = "" if text is None else str(text)
    if len(text) > limit:
        text = text[:limit].rstrip() + "..."
    return Paragraph(escape(text).replace("\r\n", "\n").replace("\n", "<br/>"), style)


def _locale() -> str:
    """The request's language; outside a request, the region's default language."""
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return str(locale)
    if has_app_context():
        tenant = tenant_or_none()
        return getattr(tenant, "default_language", None) or current_app.config.get("BABEL_DEFAULT_LOCALE", "id")
    return "id"


def _in_language(build):
    """Run a PDF builder in the region's language when there is an app but no request
    (a CLI command or a batch job), where the app's locale selector cannot run."""
    @functools.wraps(build)
    def wrapper(*args, **kwargs):
        if has_app_context() and not has_request_context() and "babel" in current_app.extensions:
            with force_locale(_locale()):
                return build(*args, **kwargs)
        return build(*args, **kwargs)
    return wrapper


def format_local_datetime(value: datetime, tz: str | None = None) -> str:
    """"Senin, 19 Januari 2027 09.00 WIB": the region's wall-clock time, in the UI language."""
    zone = region_timezone(tz)
    local, locale = local_naive(value, zone), _locale()
    abbreviation = ZONE_ABBREVIATIONS.get(zone.key, zone.key)
    return (f"{format_date(local.date(), 'full', locale=locale)} "
            f"{format_time(local.time(), 'short', locale=locale)} {abbreviation}")


def _cell_text(value, kind: str, tz: str | None) -> str:
    """A value as the text of a cell of a column kind (Indonesian number style)."""
    if value is None or isinstance(value, str):
        return value or ""
    if kind in ("int", "rupiah") and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format_rupiah(value).replace("Rp ", "")
    if kind == "decimal" and isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return format_volume(value)
    if isinstance(value, datetime):
        local = local_naive(value, region_timezone(tz))
        return local.strftime("%d/%m/%Y" if kind == "date" else "%d/%m/%Y %H.%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _cell(text: str, width: float, font: str = "Helvetica") -> str:
    """A table cell's text: cut at _MAX_CELL_CHARS, then wrapped to the column."""
    if len(text) > _MAX_CELL_CHARS:
        text = text[:_MAX_CELL_CHARS].rstrip() + "..."
    return _wrap(text, width, font)


def _wrap(text, width: float, font: str = "Helvetica", size: float = _CELL_SIZE) -> str:
    """Text broken into lines that fit ``width`` (long words are cut), joined by newlines.

    Table cells are drawn as plain strings rather than Paragraphs: nothing in them is ever
    interpreted as markup, and a 2,000-row table builds several times faster.
    """
    space = stringWidth(" ", font, size)
    lines = []
    for paragraph in str(text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line, line_width = "", 0.0
        for word in paragraph.split():
            word_width = stringWidth(word, font, size)
            while word_width > width and len(word) > 1:  # a word longer than the column
                if line:
                    lines.append(line)
                    line, line_width = "", 0.0
                cut, used = 0, 0.0
                for char in word:
                    char_width = stringWidth(char, font, size)
                    if cut and used + char_width > width:
                        break
                    cut, used = cut + 1, used + char_width
                lines.append(word[:cut])
                word = word[cut:]
                word_width = stringWidth(word, font, size)
            if line and line_width + space + word_width <= width:
                line, line_width = f"{line} {word}", line_width + space + word_width
            else:
                if line:
                    lines.append(line)
                line, line_width = word, word_width
        lines.append(line)
    return "\n".join(lines).strip("\n")


class _Decorations:
    """Draws the page header and "page X of Y" footer once the page count is known."""

    def __init__(self, pagesize, region_name: str, title: str, page_label: str | None):
        room = pagesize[0] - 2 * _MARGIN
        self.region_name = _clip(" ".join((region_name or "").split()), room * 0.45, "Helvetica-Bold")
        self.title = _clip(" ".join((title or "").split()), room * 0.5)
        self.page_label = page_label

    def canvasmaker(self):
        decorations = self

        class NumberedCanvas(rl_canvas.Canvas):
            # Pages are held back until save(), when the total is known.
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._pages = []

            def showPage(self):
                self._pages.append(dict(self.__dict__))
                self._startPage()

            def save(self):
                total = len(self._pages)
                for state in self._pages:
                    self.__dict__.update(state)
                    decorations.draw(self, total)
                    super().showPage()
                super().save()

        return NumberedCanvas

    def draw(self, canvas, total: int) -> None:
        width, height = canvas._pagesize
        label = self.page_label if self.page_label is not None else str(_LABELS["page"])
        try:
            footer = label % {"page": canvas.getPageNumber(), "pages": total}
        except (KeyError, TypeError, ValueError):
            footer = f"{canvas.getPageNumber()} / {total}"
        room = width - 2 * _MARGIN
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 8)
        canvas.setFillColor(colors.HexColor("#333333"))
        canvas.drawString(_MARGIN, height - 10 * mm, self.region_name)
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(width - _MARGIN, height - 10 * mm, self.title)
        canvas.setStrokeColor(colors.grey)
        canvas.setLineWidth(0.4)
        canvas.line(_MARGIN, height - 11.5 * mm, width - _MARGIN, height - 11.5 * mm)
        canvas.drawCentredString(width / 2, 8 * mm, _clip(" ".join(footer.split()), room))
        canvas.restoreState()


def _clip(text: str, width: float, font: str = "Helvetica", size: float = 8) -> str:
    """Text cut (with an ellipsis) to fit ``width`` points on one line."""
    text = text[:int(width / (size * 0.15))]  # no Helvetica glyph is narrower than this
    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "...", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "..."


def _build(story, *, pagesize, title: str, region_name: str, page_label: str | None) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=pagesize, leftMargin=_MARGIN, rightMargin=_MARGIN,
                            topMargin=16 * mm, bottomMargin=15 * mm, title=(title or "")[:300],
                            author=(region_name or "")[:300], creator="eplanning-core")
    decorations = _Decorations(pagesize, region_name, title, page_label)
    doc.build(story, canvasmaker=decorations.canvasmaker())
    return buffer.getvalue()


def _table(data, widths, style, numeric_columns=()) -> Table:
    commands = list(_GRID) + list(style)
    for index in numeric_columns:
        commands.append(("ALIGN", (index, 1), (index, -1), "RIGHT"))
    # repeatRows: the header on every page. splitInRow: a row taller than a page (a very
    # long reason) may continue on the next page, but only in pieces of at least _MIN_ROW_PIECE
    # points, so ordinary rows are never cut in two.
    return Table(data, colWidths=widths, repeatRows=1, splitInRow=_MIN_ROW_PIECE,
                 style=TableStyle(commands))


def _region_name(region_name: str | None) -> str:
    if region_name is None and has_app_context():
        tenant = tenant_or_none()
        region_name = getattr(tenant, "name", None)
    return region_name or ""


@_in_language
def berita_acara_pdf(*, title: str, region_name: str | None, unit_label: str, meeting: Mapping,
                     items: Sequence[Mapping], delegates: Sequence[str],
                     signatures: Sequence[tuple[str, str]], tz: str | None = None,
                     page_label: str | None = None) -> bytes:
    """The minutes of a meeting as signed on paper, and published with its decisions.

    ``meeting``: tempat, alamat, mulai (datetime; naive means UTC), jumlah_hadir, notulen.
    ``items``: mappings with no, usulan_kegiatan, lokasi, volume (Decimal or text), satuan,
    total (int rupiah), keputusan and alasan (already translated labels/text).
    ``signatures``: (role label, name) pairs. ``region_name`` and ``tz`` (zone name) default
    to the current region's (None). ``page_label``: e.g. "Halaman %(page)s dari %(pages)s"; default
    is the translated "Page %(page)s of %(pages)s".
    """
    story = [_p(title, _TITLE, 300), _p(unit_label, _SUBTITLE, 300)]

    mulai = meeting.get("mulai")
    when = format_local_datetime(mulai, tz) if isinstance(mulai, datetime) else (mulai or "")
    facts = [(_LABELS["place"], meeting.get("tempat")), (_LABELS["address"], meeting.get("alamat")),
             (_LABELS["time"], when), (_LABELS["attendance"], meeting.get("jumlah_hadir"))]
    story.append(Table([[_p(label, _CELL_BOLD), _p(value, _BASE)] for label, value in facts],
                       colWidths=[40 * mm, A4[0] - 2 * _MARGIN - 40 * mm], hAlign="LEFT",
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                         ("LEFTPADDING", (0, 0), (-1, -1), 0)])))

    notulen = str(meeting.get("notulen") or "").strip()
    if notulen:
        story.append(_p(_LABELS["minutes"], _HEADING))
        # Preformatted, not Paragraph: long minutes full of '<' and '&' would make the
        # paragraph parser slow (quadratic when splitting over pages); plain lines are not.
        width = A4[0] - 2 * _MARGIN
        for block in notulen.replace("\r\n", "\n").split("\n\n"):
            if block.strip():
                story.append(Preformatted(_wrap(block, width, _BASE.fontName, _BASE.fontSize), _BASE))
                story.append(Spacer(0, 4))

    story.append(_p(_LABELS["proposals"], _HEADING))
    headers = [_LABELS[k] for k in ("no", "activity", "location", "volume", "total", "decision", "reason")]
    widths = [8 * mm, 46 * mm, 30 * mm, 20 * mm, 22 * mm, 21 * mm]
    widths.append(A4[0] - 2 * _MARGIN - sum(widths))
    room = [w - 2 * _PADDING for w in widths]
    data = [[_p(h, _CELL_BOLD, 200) for h in headers]]
    for item in items:
        volume = item.get("volume")
        volume = format_volume(volume) if isinstance(volume, (Decimal, int)) else (volume or "")
        volume = " ".join(str(part) for part in (volume, item.get("satuan") or "") if part)
        values = (item.get("no"), item.get("usulan_kegiatan"), item.get("lokasi"), volume,
                  _cell_text(item.get("total"), "rupiah", tz), item.get("keputusan"), item.get("alasan"))
        data.append([_cell(_cell_text(v, "text", tz), w) for v, w in zip(values, room)])
    story.append(_table(data, widths, [], numeric_columns=(0, 4)))

    if delegates:
        story.append(_p(_LABELS["delegates"], _HEADING))
        for number, name in enumerate(delegates, 1):
            story.append(_p(f"{number}. {name}", _BASE, 300))

    if signatures:
        story.append(Spacer(0, 10 * mm))
        story.append(KeepTogether(_signature_table(signatures)))

    return _build(story, pagesize=A4, title=title, region_name=_region_name(region_name),
                  page_label=page_label)


def _signature_table(signatures: Sequence[tuple[str, str]]) -> Table:
    per_row = 3 if len(signatures) > 2 else max(1, len(signatures))
    name_style = ParagraphStyle("sign-name", parent=_BASE, fontName="Helvetica-Bold", alignment=TA_CENTER)
    role_style = ParagraphStyle("sign-role", parent=_BASE, alignment=TA_CENTER)
    cells = [[_p(role, role_style, 200), Spacer(0, 18 * mm), _p(name, name_style, 200)]
             for role, name in signatures]
    cells += [""] * (-len(cells) % per_row)
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    width = (A4[0] - 2 * _MARGIN) / per_row
    return Table(rows, colWidths=[width] * per_row,
                 style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 8 * mm)]))


@_in_language
def rekap_pdf(*, title: str, subtitle: str, columns: Sequence[Column | str],
              rows: Iterable[Sequence], totals_row: Sequence | None = None,
              landscape: bool = False, region_name: str | None = None,
              tz: str | None = None, page_label: str | None = None) -> bytes:
    """A recap table (e.g. proposals per kelurahan with their totals) over as many pages as needed.

    ``columns`` are :class:`exports.excel.Column` (or plain header strings), so a view can
    offer the same list as Excel and PDF; widths are relative. ``totals_row`` is printed
    bold under the table. ``region_name`` defaults to the current region's name.
    """
    columns = [c if isinstance(c, Column) else Column(str(c)) for c in columns]
    pagesize = landscape_of(A4) if landscape else A4
    available = pagesize[0] - 2 * _MARGIN
    scale = available / sum(c.effective_width for c in columns)
    widths = [c.effective_width * scale for c in columns]

    room = [w - 2 * _PADDING for w in widths]
    data = [[_p(c.header, _CELL_BOLD, 200) for c in columns]]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"row {len(data)} has {len(row)} values for {len(columns)} columns")
        data.append([_cell(_cell_text(value, c.kind, tz), w)
                     for c, value, w in zip(columns, row, room)])
    style = []
    if totals_row is not None:
        if len(totals_row) != len(columns):
            raise ValueError("totals_row does not match the columns")
        data.append([_cell(_cell_text(value, c.kind, tz), w, "Helvetica-Bold")
                     for c, value, w in zip(columns, totals_row, room)])
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", _CELL_SIZE, _CELL_LEADING),
                  ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black)]
    numeric = [i for i, c in enumerate(columns) if c.kind in ("int", "rupiah", "decimal")]

    story = [_p(title, _TITLE, 300)]
    if subtitle:
        story.append(_p(subtitle, _SUBTITLE, 300))
    story.append(_table(data, widths, style, numeric_columns=numeric))
    return _build(story, pagesize=pagesize, title=title, region_name=_region_name(region_name),
                  page_label=page_label)


def pdf_response(data: bytes, filename: str, *, inline: bool = False):
    """A PDF download (``inline=True``: open in the browser's viewer) with a safe ASCII name."""
    return attachment_response(data, safe_filename(filename, ".pdf"), PDF_MIMETYPE, inline=inline)
