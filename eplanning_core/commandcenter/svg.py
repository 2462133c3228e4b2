"""Small server-rendered SVG charts: horizontal bars, a funnel, a donut and a point map.

Every label goes through ``escape``: unit and agency names are user data. Numbers are
formatted by the caller (rupiah, counts) and escaped too. No JavaScript is needed to read them.
Attributes shared by many shapes sit once on a group (``<g>``), and numbers lose a trailing
".0": the Command Center draws hundreds of shapes, and its page must stay light.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

FONT = 'font-family="system-ui,sans-serif" font-size="12"'
GREY = "#d5dbe0"


CHAR = 6.6     # average width of a 12px character: enough to size label columns
MAX_LABEL = 42


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    """Drawn at its natural size, shrinking with a narrow screen (phones)."""
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" style="max-width:100%;height:auto" '
        f'role="img" aria-label="{escape(title)}" {FONT}><title>{escape(title)}</title>'
        + "".join(body) + "</svg>")


def _n(value) -> str:
    """A coordinate to one decimal, without a trailing ".0"."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(label) -> str:
    label = str(label)
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def _width_of(labels) -> int:
    return int(max([len(_short(x)) for x in labels] + [4]) * CHAR) + 12


def _text(x, y, text, anchor="start", extra="") -> str:
    """A label; "start" is SVG's default anchor and is left out, as is an empty ``extra``."""
    attrs = (f' text-anchor="{anchor}"' if anchor != "start" else "") + (f" {extra}" if extra else "")
    return f'<text x="{_n(x)}" y="{_n(y)}"{attrs}>{escape(text)}</text>'


def hbars(rows, *, title: str, plot: int = 360, color: str = "#0b5394",
          limit_color: str = "#b3261e") -> Markup:
    """rows: (label, value, shown text, limit or None). A limit draws a mark; over it turns red."""
    bar_h, gap = 18, 8
    top = max([max(r[1], r[3] or 0) for r in rows] + [1])
    label_width = _width_of(r[0] for r in rows)
    width = label_width + plot + _width_of(r[2] for r in rows)
    labels, tracks, bars, marks, values = [], [], [], [], []
    for i, (label, value, shown, limit) in enumerate(rows):
        y = i * (bar_h + gap) + 4
        over = limit is not None and value > limit
        labels.append(_text(label_width - 6, y + 13, _short(label)))
        tracks.append(f'<rect x="{label_width}" y="{y}" width="{plot}" height="{bar_h}"/>')
        bars.append(f'<rect x="{label_width}" y="{y}" width="{_n(plot * value / top)}" height="{bar_h}"'
                    + (f' fill="{limit_color}"' if over else "") + "/>")
        if limit is not None:
            x = _n(label_width + plot * limit / top)
            marks.append(f'<line x1="{x}" x2="{x}" y1="{y - 2}" y2="{y + bar_h + 2}"/>')
        values.append(_text(label_width + plot + 6, y + 13, shown))
    body = [f'<g text-anchor="end">{"".join(labels)}</g>', f'<g fill="#f1f3f5">{"".join(tracks)}</g>',
            f'<g fill="{color}">{"".join(bars)}</g>']
    if marks:
        body.append(f'<g stroke="#1d2329" stroke-width="2">{"".join(marks)}</g>')
    body.extend(values)
    return _svg(width, max(len(rows), 1) * (bar_h + gap) + 8, body, title)


def funnel(rows, *, title: str, plot: int = 380, color: str = "#0b5394") -> Markup:
    """rows: (label, count). Centred bars, widths by count: the cycle narrowing stage by stage."""
    bar_h, gap = 26, 6
    top = max([r[1] for r in rows] + [1])
    label_width = _width_of(r[0] for r in rows) + 4
    width = label_width + plot + 70
    centre = label_width + plot / 2
    labels, bars, counts = [], [], []
    for i, (label, count) in enumerate(rows):
        y = i * (bar_h + gap) + 2
        length = max(plot * count / top, 2)
        labels.append(_text(label_width - 8, y + 17, _short(label)))
        bars.append(f'<rect x="{_n(centre - length / 2)}" y="{y}" width="{_n(length)}" height="{bar_h}" rx="3" '
                    f'opacity="{0.55 + 0.45 * count / top:.2f}"/>')
        counts.append(_text(label_width + plot + 8, y + 17, f"{count:,}".replace(",", ".")))
    body = [f'<g text-anchor="end">{"".join(labels)}</g>', f'<g fill="{color}">{"".join(bars)}</g>',
            *counts]
    return _svg(width, max(len(rows), 1) * (bar_h + gap) + 4, body, title)


def donut(parts, *, title: str, size: int = 220) -> Markup:
    """parts: (label, value, colour, shown text). A ring with a legend beside it."""
    total = sum(p[1] for p in parts)
    r, stroke = 60, 28
    cx = cy = size / 2
    body = [f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{GREY}" stroke-width="{stroke}"/>']
    start = 0.0
    for label, value, colour, _shown in parts:
        if not total or not value:
            continue
        share = value / total
        if share >= 0.9999:  # a whole ring: an arc cannot end where it starts
            body.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="none" stroke="{colour}" '
                        f'stroke-width="{stroke}"/>')
            break
        a0, a1 = 2 * math.pi * start - math.pi / 2, 2 * math.pi * (start + share) - math.pi / 2
        x0, y0 = cx + r * math.cos(a0), cy + r * math.sin(a0)
        x1, y1 = cx + r * math.cos(a1), cy + r * math.sin(a1)
        large = 1 if share > 0.5 else 0
        body.append(f'<path d="M {x0:.2f} {y0:.2f} A {r} {r} 0 {large} 1 {x1:.2f} {y1:.2f}" fill="none" '
                    f'stroke="{colour}" stroke-width="{stroke}"/>')
        start += share
    body.append(_text(cx, cy + 5, "—" if not total else f"{100 * parts[0][1] / total:.0f}%", "middle",
                      'font-size="18" font-weight="700"'))
    for i, (label, _value, colour, shown) in enumerate(parts):
        y = 24 + i * 22
        body.append(f'<rect x="{size + 10}" y="{y - 11}" width="12" height="12" fill="{colour}"/>')
        body.append(_text(size + 28, y, _short(f"{label}: {shown}")))
    legend = _width_of(f"{p[0]}: {p[3]}" for p in parts) + 30
    return _svg(size + legend, max(size, 24 + len(parts) * 22), body, title)


def point_map(points, bbox, colours: dict, legend: dict, *, title: str, width: int = 640) -> Markup:
    """points: (lat, lng, key, count); bbox: (south, west, north, east). No tiles needed.

    Equirectangular, scaled by cos(latitude) so that distances look right near the equator.
    """
    south, west, north, east = bbox
    scale_x = math.cos(math.radians((north + south) / 2))
    span_x = max((east - west) * scale_x, 1e-6)
    span_y = max(north - south, 1e-6)
    pad = 20
    plot_w = width - 2 * pad
    plot_h = max(min(plot_w * span_y / span_x, 560), 160)
    legend_h = 22 * ((len(legend) + 1) // 2) + 10
    height = int(plot_h + 2 * pad + legend_h)

    def xy(lat, lng):
        return (pad + plot_w * ((lng - west) * scale_x) / span_x,
                pad + plot_h * (north - lat) / span_y)

    body = [f'<rect x="{pad}" y="{pad}" width="{plot_w:.1f}" height="{plot_h:.1f}" fill="#f7f9fa" '
            f'stroke="#9aa5ae" stroke-dasharray="4 3"/>',
            _text(pad + 2, pad - 6, f"{north:.3f}, {west:.3f}", extra='fill="#5b6670" font-size="10"'),
            _text(width - pad, pad + plot_h + 14, f"{south:.3f}, {east:.3f}", "end",
                  'fill="#5b6670" font-size="10"')]
    circles = []
    for lat, lng, key, count in sorted(points, key=lambda p: -p[3]):
        x, y = xy(lat, lng)
        circles.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="{_n(3 + 2 * math.sqrt(count))}" '
                       f'fill="{colours.get(key, "#555")}"><title>{escape(legend.get(key, key))}: {count}</title>'
                       '</circle>')
    body.append(f'<g fill-opacity=".75" stroke="#fff" stroke-width=".8">{"".join(circles)}</g>')
    for i, (key, label) in enumerate(legend.items()):
        col, row = i % 2, i // 2
        x, y = pad + col * (plot_w / 2), pad + plot_h + 30 + row * 22
        body.append(f'<circle cx="{x + 6:.1f}" cy="{y - 4}" r="6" fill="{colours.get(key, "#555")}"/>')
        body.append(_text(x + 16, y, label))
    return _svg(width, height, body, title)
