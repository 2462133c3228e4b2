"""Rupiah and volumes, exact: rupiah are ``int``, volumes are ``Decimal``, floats never.

Every rupiah in the plan must be traceable to the cent-free figure a meeting agreed on, so
amounts are whole rupiah in ``int`` and volumes are ``Decimal`` with at most two decimals
(the ``Numeric(14, 2)`` column). Input and output follow Indonesian writing: ``.`` groups
thousands and ``,`` marks decimals ("Rp 1.250.000", "1.234,5").

``parse_rupiah`` raises :class:`RupiahError`, a ``ValueError`` that carries a
:class:`RupiahProblem` code: callers choose their own translated message by the code (this
module has no gettext; it is also used outside a request). ``str(error)`` is a short English
reason for logs. ``parse_volume`` raises a plain ``ValueError`` with such a reason.
"""

from __future__ import annotations

import enum
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext

#: Largest amount accepted anywhere (Rp 1.000 triliun): above it is a typo, not a budget.
MAX_RUPIAH = 10**15
#: Largest volume accepted: far above any real quantity, and it keeps totals exact.
MAX_VOLUME = Decimal(10**9)
#: Inputs longer than this are refused before any pattern matching.
_MAX_INPUT = 64

_CURRENCY = re.compile(r"^rp\.?", re.IGNORECASE)
# Whole rupiah: plain digits or digits grouped by dots, then optionally ",0" / ",00".
_RUPIAH = re.compile(r"(?P<int>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?P<cents>[0-9]+))?")
# Dot-grouped thousands with a non-zero lead ("1.234", not "0.125", which is a decimal).
_GROUPED = r"[1-9][0-9]{0,2}(?:\.[0-9]{3})+"
_VOLUME_COMMA = re.compile(rf"(?P<int>[0-9]+|{_GROUPED}),(?P<frac>[0-9]+)")
_VOLUME_GROUPED = re.compile(_GROUPED)
_VOLUME_DOT = re.compile(r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?")
# "12.5" or "1250000.50": a dot followed by one or two digits can only be a decimal point.
_DOT_FRACTION = re.compile(r"[0-9]+\.[0-9]{1,2}")
_BRACKETED = re.compile(r"\(.*\)")  # accountants' negative: (5.000)


class RupiahProblem(str, enum.Enum):
    """Why a text is not an amount in whole rupiah; the value is a stable key."""

    EMPTY = "empty"
    NEGATIVE = "negative"
    FRACTION = "fraction"        # cents or a decimal point: rupiah must be whole
    SEPARATORS = "separators"    # digits, dots and commas, but not grouped as thousands
    NOT_AN_AMOUNT = "invalid"    # letters, spaces, other scripts' digits ...
    TOO_LARGE = "too_large"      # above MAX_RUPIAH, or text too long to be a number


class RupiahError(ValueError):
    """A text that is not whole rupiah: ``code`` says why, ``str()`` in English for logs."""

    def __init__(self, code: RupiahProblem, reason: str):
        self.code = code
        super().__init__(reason)


def _clean(text: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"expected text, got {type(text).__name__}")
    if len(text) > _MAX_INPUT:
        raise ValueError("too long to be a number")
    return text.strip()  # str.strip() also removes no-break spaces


def parse_rupiah(text: str) -> int:
    """Whole rupiah from "1.250.000", "1250000", "Rp 1.250.000" or "Rp1.250.000,00".

    Cents are allowed only when zero: a price with real cents is a data error to send back,
    not something to round silently. Refusals are :class:`RupiahError`; a non-text argument
    is a programming error (``TypeError``): Excel numbers reach here as text.
    """
    try:
        cleaned = _clean(text)
    except ValueError as exc:
        raise RupiahError(RupiahProblem.TOO_LARGE, str(exc)) from None
    value = _CURRENCY.sub("", cleaned).lstrip()
    if not value:
        raise RupiahError(RupiahProblem.EMPTY, "empty amount")
    if value.startswith("-") or _BRACKETED.fullmatch(value):
        raise RupiahError(RupiahProblem.NEGATIVE, "negative amount")
    match = _RUPIAH.fullmatch(value)
    if not match:
        if _DOT_FRACTION.fullmatch(value):
            raise RupiahError(RupiahProblem.FRACTION, "amount has cents; rupiah must be whole")
        if re.fullmatch(r"[0-9.,]+", value):
            raise RupiahError(RupiahProblem.SEPARATORS, "badly placed thousands separators")
        raise RupiahError(RupiahProblem.NOT_AN_AMOUNT, "not a rupiah amount")
    cents = match["cents"]
    if cents is not None:
        if len(cents) > 2:
            raise RupiahError(RupiahProblem.SEPARATORS, "badly placed thousands separators")
        if cents.strip("0"):
            raise RupiahError(RupiahProblem.FRACTION, "amount has cents; rupiah must be whole")
    amount = int(match["int"].replace(".", ""))
    if amount > MAX_RUPIAH:
        raise RupiahError(RupiahProblem.TOO_LARGE, "amount too large")
    return amount


def parse_volume(text: str) -> Decimal:
    """A positive volume with at most 2 decimals from "12", "12,5", "12.5" or "1.234,5".

    ``,`` is the decimal mark. A lone ``.`` is read as a decimal point ("12.5"), except in a
    well-formed thousands group ("1.234" is 1234): three digits after a dot can never be
    decimals here, since more than two decimals are refused.
    """
    value = _clean(text)
    if not value:
        raise ValueError("empty volume")
    if value.startswith("-"):
        raise ValueError("volume must be greater than zero")
    if match := _VOLUME_COMMA.fullmatch(value):
        whole, frac = match["int"].replace(".", ""), match["frac"]
    elif _VOLUME_GROUPED.fullmatch(value):
        whole, frac = value.replace(".", ""), ""
    elif match := _VOLUME_DOT.fullmatch(value):
        whole, frac = match["int"], match["frac"] or ""
    else:
        raise ValueError("not a number")
    if len(frac) > 2:
        raise ValueError("at most 2 decimal places")
    volume = Decimal(f"{whole}.{frac}" if frac else whole)
    if volume <= 0:
        raise ValueError("volume must be greater than zero")
    if volume > MAX_VOLUME:
        raise ValueError("volume too large")
    return volume


def total(volume: Decimal, harga: int) -> int:
    """``volume x harga`` rounded half-up to the rupiah, computed in Decimal only.

    Floats are refused outright: 0.1 x 3 must be exactly 0.3, never 0.30000000000000004.
    """
    if isinstance(volume, bool) or not isinstance(volume, (Decimal, int)):
        raise TypeError(f"volume must be Decimal, not {type(volume).__name__}")
    if isinstance(harga, bool) or not isinstance(harga, int):
        raise TypeError(f"harga must be int rupiah, not {type(harga).__name__}")
    volume = Decimal(volume)
    if not volume.is_finite():
        raise ValueError("volume is not a finite number")
    with localcontext() as ctx:
        ctx.prec = 80  # enough digits that the product is exact before rounding
        result = int((volume * harga).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if abs(result) > MAX_RUPIAH:
        raise ValueError("total too large")
    return result


def _group(digits: str) -> str:
    """'1250000' -> '1.250.000'."""
    head = len(digits) % 3 or 3
    return ".".join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def format_rupiah(n: int) -> str:
    """1250000 -> "Rp 1.250.000" (and -5000 -> "-Rp 5.000"), the way Indonesians write it."""
    if isinstance(n, Decimal) and n.is_finite() and n == n.to_integral_value():
        n = int(n)  # Numeric columns and SUM() on some databases return Decimal
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"rupiah must be int, not {type(n).__name__}")
    sign = "-" if n < 0 else ""
    return f"{sign}Rp {_group(str(abs(n)))}"


def format_volume(volume: Decimal) -> str:
    """Decimal('1234.50') -> "1.234,5": decimal comma, thousands dots, no trailing zeros."""
    if isinstance(volume, bool) or not isinstance(volume, (Decimal, int)):
        raise TypeError(f"volume must be Decimal, not {type(volume).__name__}")
    volume = Decimal(volume)
    if not volume.is_finite():
        raise ValueError("volume is not a finite number")
    try:
        text = format(volume.normalize(), "f")  # "f": never exponent notation
    except InvalidOperation:  # pragma: no cover - normalize() on a finite Decimal
        raise ValueError("not a number") from None
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    return sign + _group(whole) + ("," + frac if frac else "")
