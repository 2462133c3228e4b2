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
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape as landscape_of
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (Image, KeepTogether, Paragraph, Preformatted, SimpleDocTemplate, Spacer, Table,
                                TableStyle)
from reportlab.platypus.flowables import HRFlowable

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
    "government": _l("Government of %(region)s"),
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


# ---- the letterhead ---------------------------------------------------------------------------

#: The letterhead's logo, at most this tall and wide.
_LOGO_SIZE = 20 * mm
_LETTERHEAD_TOP = ParagraphStyle("letterhead-top", parent=_BASE, fontName="Helvetica-Bold", fontSize=13,
                                 leading=16, alignment=TA_CENTER)
_LETTERHEAD_LINE = ParagraphStyle("letterhead-line", parent=_BASE, fontName="Helvetica-Bold", fontSize=11,
                                  leading=14, alignment=TA_CENTER)
_LETTERHEAD_SMALL = ParagraphStyle("letterhead-small", parent=_BASE, fontSize=9, leading=11,
                                   alignment=TA_CENTER)


def government_name(region_name: str) -> str:
    """'PEMERINTAH KOTA MEDAN': the first line of an official letterhead."""
    return (str(_LABELS["government"]) % {"region": region_name}).upper()


def _region_logo():
    if not has_app_context():
        return None
    return getattr(tenant_or_none(), "logo", None)


def logo_flowable(path, size: float = _LOGO_SIZE):
    """The region's logo as a flowable of at most ``size`` points, or None.

    PNG, JPEG and WebP through Pillow; SVG through a small reader of the shapes a logo is
    drawn with (rect, circle, ellipse, polygon, path, text). A logo that cannot be read is
    left out: the letterhead still carries the region's name.
    """
    if path is None:
        return None
    try:
        if str(path).lower().endswith(".svg"):
            return _svg_logo(path, size)
        from reportlab.lib.utils import ImageReader

        width, height = ImageReader(str(path)).getSize()
        scale = size / max(width, height, 1)
        return Image(str(path), width=width * scale, height=height * scale)
    except Exception:  # noqa: BLE001 - a broken logo file never stops a document
        return None


def _svg_color(value, opacity=None):
    if not value or value == "none":
        return None
    value = value.strip()
    if value.startswith("#") and len(value) == 4:
        value = "#" + "".join(c * 2 for c in value[1:])
    try:
        color = colors.toColor(value)
    except (ValueError, AttributeError):
        return None
    if opacity is not None and opacity < 1:
        color = colors.Color(color.red, color.green, color.blue, alpha=opacity)
    return color


def _svg_path(d: str, flip):
    """An SVG path's M/L/H/V/C/S/Q/T/A/Z commands (absolute or relative) as a reportlab Path;
    arcs (A) as Bézier curves."""
    import re

    from reportlab.graphics.shapes import Path

    path = Path()
    tokens = re.findall(r"[A-Za-z]|-?(?:\d+\.?\d*|\.\d+)(?:e-?\d+)?", d)
    x = y = sx = sy = 0.0
    last_ctrl, command, index = None, None, 0
    counts = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "T": 2, "A": 7, "Z": 0}
    while index < len(tokens):
        if tokens[index].isalpha():
            command = tokens[index]
            index += 1
            if command.upper() == "Z":
                path.closePath()
                x, y, last_ctrl = sx, sy, None
                continue
        if command is None or command.upper() not in counts:
            raise ValueError("unsupported path")
        upper, relative = command.upper(), command.islower()
        n = counts[upper]
        args = [float(t) for t in tokens[index:index + n]]
        if len(args) < n:
            raise ValueError("short path")
        index += n
        if upper == "H":
            args = [args[0] + (x if relative else 0), y]
            upper, relative = "L", False
        elif upper == "V":
            args = [x, args[0] + (y if relative else 0)]
            upper, relative = "L", False
        if relative:
            args = [a + (x if i % 2 == 0 else y) for i, a in enumerate(args)] if upper != "A" else \
                args[:5] + [args[5] + x, args[6] + y]
        if upper == "M":
            x, y = sx, sy = args
            path.moveTo(*flip(x, y))
            command = "l" if command == "m" else "L"
            last_ctrl = None
        elif upper == "L":
            x, y = args
            path.lineTo(*flip(x, y))
            last_ctrl = None
        elif upper == "A":
            for c1x, c1y, c2x, c2y, ex, ey in _arc_curves(x, y, *args):
                path.curveTo(*flip(c1x, c1y), *flip(c2x, c2y), *flip(ex, ey))
            x, y = args[5:7]
            last_ctrl = None
        elif upper in ("C", "S"):
            if upper == "S":
                c1 = (2 * x - last_ctrl[0], 2 * y - last_ctrl[1]) if last_ctrl else (x, y)
                args = [*c1, *args]
            path.curveTo(*flip(*args[0:2]), *flip(*args[2:4]), *flip(*args[4:6]))
            last_ctrl, (x, y) = (args[2], args[3]), args[4:6]
        elif upper in ("Q", "T"):
            if upper == "T":
                q = (2 * x - last_ctrl[0], 2 * y - last_ctrl[1]) if last_ctrl else (x, y)
                args = [*q, *args]
            qx, qy, ex, ey = args
            path.curveTo(*flip(x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y)),
                         *flip(ex + 2 / 3 * (qx - ex), ey + 2 / 3 * (qy - ey)), *flip(ex, ey))
            last_ctrl, x, y = (qx, qy), ex, ey
    return path


def _arc_curves(x1, y1, rx, ry, rotation, large, sweep, x2, y2):
    """An SVG arc (endpoint form) as cubic Bézier segments of at most 90 degrees each
    (SVG 1.1, appendix F.6); a zero radius is a straight line."""
    import math

    if rx == 0 or ry == 0 or (x1, y1) == (x2, y2):
        return [(x1, y1, x2, y2, x2, y2)]
    phi = math.radians(rotation)
    cos, sin = math.cos(phi), math.sin(phi)
    dx, dy = (x1 - x2) / 2, (y1 - y2) / 2
    px, py = cos * dx + sin * dy, -sin * dx + cos * dy
    rx, ry = abs(rx), abs(ry)
    scale = (px * px) / (rx * rx) + (py * py) / (ry * ry)
    if scale > 1:
        rx, ry = rx * math.sqrt(scale), ry * math.sqrt(scale)
    num = rx * rx * ry * ry - rx * rx * py * py - ry * ry * px * px
    factor = math.sqrt(max(0.0, num / (rx * rx * py * py + ry * ry * px * px)))
    if bool(large) == bool(sweep):
        factor = -factor
    cxp, cyp = factor * rx * py / ry, -factor * ry * px / rx
    cx, cy = cos * cxp - sin * cyp + (x1 + x2) / 2, sin * cxp + cos * cyp + (y1 + y2) / 2

    def angle(ux, uy, vx, vy):
        return math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)

    start = angle(1, 0, (px - cxp) / rx, (py - cyp) / ry)
    delta = angle((px - cxp) / rx, (py - cyp) / ry, (-px - cxp) / rx, (-py - cyp) / ry)
    if not sweep and delta > 0:
        delta -= 2 * math.pi
    elif sweep and delta < 0:
        delta += 2 * math.pi
    count = max(1, math.ceil(abs(delta) / (math.pi / 2)))
    step = delta / count
    k = 4 / 3 * math.tan(step / 4)

    def point(t):
        ex, ey = rx * math.cos(t), ry * math.sin(t)
        return cos * ex - sin * ey + cx, sin * ex + cos * ey + cy

    def tangent(t):
        ex, ey = -rx * math.sin(t), ry * math.cos(t)
        return cos * ex - sin * ey, sin * ex + cos * ey

    curves = []
    for i in range(count):
        t1, t2 = start + i * step, start + (i + 1) * step
        (ax, ay), (bx, by) = point(t1), point(t2)
        (dax, day), (dbx, dby) = tangent(t1), tangent(t2)
        curves.append((ax + k * dax, ay + k * day, bx - k * dbx, by - k * dby, bx, by))
    return curves


def _svg_logo(path, size: float):
    import xml.etree.ElementTree as ET

    from reportlab.graphics.shapes import Circle, Drawing, Ellipse, Group, Polygon, Rect, String

    text = open(path, encoding="utf-8").read(200_000)
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None  # no entities from a file, however trusted
    root = ET.fromstring(text)
    view = [float(v) for v in (root.get("viewBox") or "0 0 64 64").replace(",", " ").split()]
    vx, vy, vw, vh = view if len(view) == 4 else (0, 0, 64, 64)

    def flip(px, py):
        return px - vx, vh - (py - vy)

    group = Group()
    for node in root.iter():
        tag = node.tag.rsplit("}", 1)[-1]
        opacity = float(node.get("opacity") or node.get("fill-opacity") or 1)
        fill = _svg_color(node.get("fill", "#000"), opacity)
        stroke = _svg_color(node.get("stroke"))
        common = {"fillColor": fill, "strokeColor": stroke,
                  "strokeWidth": float(node.get("stroke-width") or 1)}
        number = lambda name, default=0.0: float(node.get(name) or default)  # noqa: E731
        if tag == "rect":
            x, y = flip(number("x"), number("y") + number("height"))
            radius = number("rx", node.get("ry") or 0)
            group.add(Rect(x, y, number("width"), number("height"), rx=radius, ry=radius, **common))
        elif tag == "circle":
            group.add(Circle(*flip(number("cx"), number("cy")), number("r"), **common))
        elif tag == "ellipse":
            group.add(Ellipse(*flip(number("cx"), number("cy")), number("rx"), number("ry"), **common))
        elif tag in ("polygon", "polyline"):
            points = [float(v) for v in (node.get("points") or "").replace(",", " ").split()]
            flat = [c for i in range(0, len(points) - 1, 2) for c in flip(points[i], points[i + 1])]
            group.add(Polygon(flat, **common))
        elif tag == "path" and node.get("d"):
            shape = _svg_path(node.get("d"), flip)
            shape.fillColor, shape.strokeColor, shape.strokeWidth = fill, stroke, common["strokeWidth"]
            group.add(shape)
        elif tag == "text" and (node.text or "").strip():
            anchor = {"middle": "middle", "end": "end"}.get(node.get("text-anchor"), "start")
            bold = (node.get("font-weight") or "") in ("bold", "700", "800", "900")
            group.add(String(*flip(number("x"), number("y")), node.text.strip()[:40], textAnchor=anchor,
                             fontName="Helvetica-Bold" if bold else "Helvetica",
                             fontSize=number("font-size", 12), fillColor=fill or colors.black))
    scale = size / max(vw, vh, 1)
    group.scale(scale, scale)
    drawing = Drawing(vw * scale, vh * scale)
    drawing.add(group)
    return drawing


def letterhead(region_name: str | None = None, lines: Sequence[str] = (), *, width: float,
               logo="region") -> list:
    """An official letterhead (kop surat): the region's logo beside "PEMERINTAH KOTA MEDAN"
    and the caller's lines (an office, a unit), over a double rule."""
    region_name = _region_name(region_name)
    logo = logo_flowable(_region_logo() if logo == "region" else logo)
    text = [_p(government_name(region_name), _LETTERHEAD_TOP, 200)] if region_name else []
    for number, line in enumerate(line for line in lines if line):
        style = _LETTERHEAD_LINE if number < 2 else _LETTERHEAD_SMALL
        text.append(_p(line.upper() if style is _LETTERHEAD_LINE else line, style, 200))
    if not text and logo is None:
        return []
    side = _LOGO_SIZE + 4 * mm
    table = Table([[logo or "", text, ""]], colWidths=[side, width - 2 * side, side],
                  style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                    ("ALIGN", (0, 0), (0, 0), "LEFT"),
                                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                    ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [table, HRFlowable(width="100%", thickness=1.6, color=colors.black, spaceBefore=3, spaceAfter=1),
            HRFlowable(width="100%", thickness=0.5, color=colors.black, spaceBefore=0, spaceAfter=8)]


class _KeepWithTableEnd(KeepTogether):
    """The last rows of a table kept together with what follows them (delegates, signatures).

    Where they fit under the table, they are drawn as its continuation (``plain``: the rows
    without a header). Where they do not, they move to the next page together with the
    header row (``headed``), so no signature block is ever alone on a page, and no table
    continues on a page without its header.
    """

    def __init__(self, plain, headed):
        super().__init__(plain)
        self._headed = _flowable_list(headed)

    def split(self, aW, aH):
        parts = super().split(aW, aH)
        frame = getattr(self, "_frame", None)
        if parts and isinstance(parts[0], type(self.FrameBreak)):
            return [parts[0]] + self._headed
        if frame is not None and getattr(frame, "_atTop", False):
            return self._headed  # the table ended at a page's end: these rows start a page
        return parts


def _flowable_list(flowables):
    from reportlab.platypus.flowables import _flowableSublist

    return _flowableSublist(flowables)


@_in_language
def berita_acara_pdf(*, title: str, region_name: str | None, unit_label: str, meeting: Mapping,
                     items: Sequence[Mapping], delegates: Sequence[str],
                     signatures: Sequence[tuple[str, str]], tz: str | None = None,
                     page_label: str | None = None, letterhead_lines: Sequence[str] | None = None,
                     logo="region", place: str | None = None) -> bytes:
    """The minutes of a meeting as signed on paper, and published with its decisions.

    ``meeting``: tempat, alamat, mulai (datetime; naive means UTC), jumlah_hadir, notulen.
    ``items``: mappings with no, usulan_kegiatan, lokasi, volume (Decimal or text), satuan,
    total (int rupiah), keputusan and alasan (already translated labels/text).
    ``signatures``: (role label, name) pairs. ``region_name`` and ``tz`` (zone name) default
    to the current region's (None). ``page_label``: e.g. "Halaman %(page)s dari %(pages)s"; default
    is the translated "Page %(page)s of %(pages)s". ``letterhead_lines`` (the offices under
    "PEMERINTAH KOTA MEDAN", e.g. the kecamatan and the kelurahan) print a letterhead with the
    region's logo (``logo``: a file, None for none, "region" for the region's own). ``place``
    (the unit's name) heads the signatures with "Pasar Baru, 6 Februari 2026", the meeting's day.

    The last rows of the table, the delegates and the signatures stay on one page: the
    signature block is never alone on a page.
    """
    story = []
    if letterhead_lines is not None:
        story += letterhead(region_name, letterhead_lines, width=A4[0] - 2 * _MARGIN, logo=logo)
    story += [_p(title, _TITLE, 300), _p(unit_label, _SUBTITLE, 300)]

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
    widths = [8 * mm, 46 * mm, 28 * mm, 18 * mm, 21 * mm, 27 * mm]
    widths.append(A4[0] - 2 * _MARGIN - sum(widths))
    room = [w - 2 * _PADDING for w in widths]
    header = [_p(h, _CELL_BOLD, 200) for h in headers]
    data = [header]
    for item in items:
        volume = item.get("volume")
        volume = format_volume(volume) if isinstance(volume, (Decimal, int)) else (volume or "")
        volume = " ".join(str(part) for part in (volume, item.get("satuan") or "") if part)
        values = (item.get("no"), item.get("usulan_kegiatan"), item.get("lokasi"), volume,
                  _cell_text(item.get("total"), "rupiah", tz), item.get("keputusan"), item.get("alasan"))
        data.append([_cell(_cell_text(v, "text", tz), w) for v, w in zip(values, room)])

    closing = []
    if delegates:
        closing.append(_p(_LABELS["delegates"], _HEADING))
        for number, name in enumerate(delegates, 1):
            closing.append(_p(f"{number}. {name}", _BASE, 300))
    if signatures:
        closing.append(Spacer(0, 8 * mm))
        if place and isinstance(mulai, datetime):
            day = format_date(local_naive(mulai, region_timezone(tz)).date(), "long", locale=_locale())
            closing.append(_p(f"{place}, {day}", ParagraphStyle("sign-place", parent=_BASE, alignment=TA_RIGHT),
                              200))
            closing.append(Spacer(0, 3 * mm))
        closing.append(_signature_table(signatures))

    # The table's last rows go with the delegates and signatures (see _KeepWithTableEnd).
    tail = min(2, len(data) - 1) if closing else 0
    if len(data) - tail > 1 or not tail:
        story.append(_table(data[:len(data) - tail], widths, [], numeric_columns=(0, 4)))
    if tail or closing:
        rows = data[len(data) - tail:]
        plain = ([_table_rows(rows, widths, numeric_columns=(0, 4))] if rows else []) + closing
        headed = ([_table([header] + rows, widths, [], numeric_columns=(0, 4))] if rows else []) + closing
        story.append(_KeepWithTableEnd(plain, headed) if len(data) - tail > 1 else KeepTogether(headed))

    return _build(story, pagesize=A4, title=title, region_name=_region_name(region_name),
                  page_label=page_label)


def _table_rows(rows, widths, numeric_columns=()) -> Table:
    """Rows continuing the table above them: the same grid and columns, no header."""
    commands = [c for c in _GRID if c[0] != "BACKGROUND"]
    for index in numeric_columns:
        commands.append(("ALIGN", (index, 0), (index, -1), "RIGHT"))
    return Table(rows, colWidths=widths, splitInRow=_MIN_ROW_PIECE, style=TableStyle(commands))


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


@_in_language
def sections_pdf(*, title: str, subtitle: str, columns: Sequence[Column],
                 sections: Iterable[tuple[str, Iterable[Sequence], Sequence | None]],
                 summary: tuple[Sequence[Column], Sequence[Sequence], Sequence | None] | None = None,
                 landscape: bool = True, region_name: str | None = None,
                 letterhead_lines: Sequence[str] | None = None, logo="region",
                 tz: str | None = None, page_label: str | None = None) -> bytes:
    """A report in sections (e.g. the RKPD per agency): a heading, a table and its totals row
    per section, after an optional summary table (one line per section and a grand total).

    ``sections``: (heading, rows, totals_row) triples; rows match ``columns``. The header row
    repeats on every page; a heading never stays alone at the bottom of a page.
    """
    pagesize = landscape_of(A4) if landscape else A4
    available = pagesize[0] - 2 * _MARGIN
    story = []
    if letterhead_lines is not None:
        story += letterhead(region_name, letterhead_lines, width=available, logo=logo)
    story.append(_p(title, _TITLE, 300))
    if subtitle:
        story.append(_p(subtitle, _SUBTITLE, 300))
    if summary is not None:
        summary_columns, summary_rows, summary_totals = summary
        story.append(_columns_table(summary_columns, summary_rows, summary_totals, available, tz))
        story.append(Spacer(0, 6 * mm))
    heading_style = ParagraphStyle("section", parent=_HEADING, keepWithNext=1)
    for heading, rows, totals_row in sections:
        story.append(_p(heading, heading_style, 300))
        story.append(_columns_table(columns, rows, totals_row, available, tz))
    return _build(story, pagesize=pagesize, title=title, region_name=_region_name(region_name),
                  page_label=page_label)


def _columns_table(columns: Sequence[Column], rows: Iterable[Sequence], totals_row, available: float,
                   tz: str | None) -> Table:
    """A table of ``columns`` over ``available`` points (widths relative), with a bold totals row."""
    scale = available / sum(c.effective_width for c in columns)
    widths = [c.effective_width * scale for c in columns]
    room = [w - 2 * _PADDING for w in widths]
    data = [[_p(c.header, _CELL_BOLD, 200) for c in columns]]
    for row in rows:
        if len(row) != len(columns):
            raise ValueError(f"row {len(data)} has {len(row)} values for {len(columns)} columns")
        data.append([_cell(_cell_text(value, c.kind, tz), w) for c, value, w in zip(columns, row, room)])
    style = []
    if totals_row is not None:
        if len(totals_row) != len(columns):
            raise ValueError("totals_row does not match the columns")
        data.append([_cell(_cell_text(value, c.kind, tz), w, "Helvetica-Bold")
                     for c, value, w in zip(columns, totals_row, room)])
        style += [("FONT", (0, -1), (-1, -1), "Helvetica-Bold", _CELL_SIZE, _CELL_LEADING),
                  ("LINEABOVE", (0, -1), (-1, -1), 1, colors.black)]
    numeric = [i for i, c in enumerate(columns) if c.kind in ("int", "rupiah", "decimal")]
    return _table(data, widths, style, numeric_columns=numeric)
