"""Rupiah and volumes: exact parsing and formatting in Indonesian style, never a float."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eplanning_core.money import (MAX_RUPIAH, MAX_VOLUME, RupiahError, RupiahProblem, format_rupiah,
                                  format_volume, parse_rupiah, parse_volume, total)


@pytest.mark.parametrize("text,expected", [
    ("1.250.000", 1250000), ("1250000", 1250000), ("Rp 1.250.000", 1250000),
    ("Rp1.250.000,00", 1250000), ("rp. 1.250.000,0", 1250000), ("  Rp\u00a01.250.000 ", 1250000),
    ("0", 0), ("999", 999), ("1.000", 1000), ("1.000.000.000.000.000", MAX_RUPIAH),
])
def test_parse_rupiah_accepts_indonesian_amounts(text, expected):
    assert parse_rupiah(text) == expected
    assert type(parse_rupiah(text)) is int


@pytest.mark.parametrize("text,reason", [
    ("", "empty"), ("   ", "empty"), ("Rp", "empty"),
    ("-5.000", "negative"), ("Rp -5.000", "negative"), ("-Rp 5.000", "negative"),
    ("1.250.000,50", "cents"), ("1250,5", "cents"), ("12.5", "cents"), ("1250000.00", "cents"),
    ("(5.000)", "negative"), ("1,250,000", "separators"), ("1.250.000,000", "separators"),
    ("1.25.000", "separators"),
    ("abc", "not a rupiah"), ("12a", "not a rupiah"), ("1e6", "not a rupiah"),
    ("1 250 000", "not a rupiah"), ("12 5", "not a rupiah"),
    ("\u0661\u0662\u0663", "not a rupiah"),  # Arabic-Indic digits: int() would take them
    ("1.000.000.000.000.001", "too large"), ("9" * 40, "too large"), ("1" * 100, "too long"),
])
def test_parse_rupiah_refuses_with_a_short_reason(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_rupiah(text)


@pytest.mark.parametrize("text,code", [
    ("", RupiahProblem.EMPTY), ("Rp ", RupiahProblem.EMPTY),
    ("-5.000", RupiahProblem.NEGATIVE), ("(5.000)", RupiahProblem.NEGATIVE),
    ("1.250.000,50", RupiahProblem.FRACTION), ("1250000.5", RupiahProblem.FRACTION),
    ("12,5", RupiahProblem.FRACTION), ("0.5", RupiahProblem.FRACTION),
    ("1,250,000", RupiahProblem.SEPARATORS), ("1.25.000", RupiahProblem.SEPARATORS),
    ("satu juta", RupiahProblem.NOT_AN_AMOUNT), ("NaN", RupiahProblem.NOT_AN_AMOUNT),
    ("1" * 20, RupiahProblem.TOO_LARGE), ("9" * 100, RupiahProblem.TOO_LARGE),
])
def test_parse_rupiah_says_why_with_a_code(text, code):
    """One parser for forms and importers: each caller words the refusal from the code."""
    with pytest.raises(RupiahError) as refused:
        parse_rupiah(text)
    assert refused.value.code is code
    assert isinstance(refused.value, ValueError)  # callers that only catch ValueError still do


def test_parse_rupiah_wants_text():
    with pytest.raises(TypeError):
        parse_rupiah(1250000.0)


@pytest.mark.parametrize("text,expected", [
    ("12", "12"), ("12,5", "12.5"), ("12.5", "12.5"), ("1.234,5", "1234.5"), ("1.234", "1234"),
    ("0,25", "0.25"), ("12,50", "12.50"), ("1.234.567,89", "1234567.89"), (" 3\u00a0", "3"),
])
def test_parse_volume_reads_both_decimal_marks(text, expected):
    assert parse_volume(text) == Decimal(expected)


@pytest.mark.parametrize("text,reason", [
    ("0", "greater than zero"), ("0,00", "greater than zero"), ("-1", "greater than zero"),
    ("1,234", "2 decimal"), ("0.125", "2 decimal"), ("12,345", "2 decimal"),
    ("NaN", "not a number"), ("Infinity", "not a number"), ("inf", "not a number"),
    ("1e3", "not a number"), ("12,5,1", "not a number"), ("1.234.5", "not a number"),
    (",5", "not a number"), ("dua", "not a number"), ("", "empty"), ("1 2", "not a number"),
    ("1.000.000.001", "too large"),
])
def test_parse_volume_refuses(text, reason):
    with pytest.raises(ValueError, match=reason):
        parse_volume(text)


def test_total_is_exact_and_rounds_half_up():
    assert total(Decimal("0.1") * 3, 10) == 3          # 0.3 x 10, not 3.0000000000000004
    assert total(Decimal("0.1") + Decimal("0.2"), 10) == 3
    assert total(Decimal("12.5"), 1_250_000) == 15_625_000
    assert total(Decimal("0.5"), 1) == 1                # half up, not banker's rounding
    assert total(Decimal("2.5"), 1) == 3
    assert total(Decimal("0.49"), 1) == 0
    assert total(Decimal("1.15"), 3) == 3               # 3.45
    assert total(Decimal("0.01"), 50) == 1              # 0.5 rounds up
    assert total(3, 7) == 21


def test_total_refuses_floats_and_absurd_results():
    with pytest.raises(TypeError):
        total(0.1, 3)
    with pytest.raises(TypeError):
        total(Decimal("1"), 3.0)
    with pytest.raises(TypeError):
        total(Decimal("1"), True)
    with pytest.raises(ValueError):
        total(Decimal("NaN"), 3)
    with pytest.raises(ValueError, match="too large"):
        total(MAX_VOLUME, MAX_RUPIAH)


def test_formatting():
    assert format_rupiah(1250000) == "Rp 1.250.000"
    assert format_rupiah(0) == "Rp 0"
    assert format_rupiah(999) == "Rp 999"
    assert format_rupiah(1000) == "Rp 1.000"
    assert format_rupiah(-5000) == "-Rp 5.000"
    assert format_rupiah(Decimal("1250000")) == "Rp 1.250.000"
    assert format_volume(Decimal("12.50")) == "12,5"
    assert format_volume(Decimal("1234.5")) == "1.234,5"
    assert format_volume(Decimal("100")) == "100"
    assert format_volume(Decimal("1E+3")) == "1.000"
    assert format_volume(Decimal("0.25")) == "0,25"
    for bad in (1.5, "12", True, Decimal("1.5")):
        with pytest.raises(TypeError):
            format_rupiah(bad)
    with pytest.raises(TypeError):
        format_volume(12.5)


@given(st.integers(min_value=0, max_value=MAX_RUPIAH))
def test_rupiah_round_trip(n):
    text = format_rupiah(n)
    assert parse_rupiah(text) == n
    assert parse_rupiah(text.replace("Rp ", "")) == n
    assert parse_rupiah(text + ",00") == n
    assert parse_rupiah(str(n)) == n


@given(st.decimals(min_value=Decimal("0.01"), max_value=MAX_VOLUME, places=2,
                   allow_nan=False, allow_infinity=False))
def test_volume_round_trip(volume):
    text = format_volume(volume)
    assert parse_volume(text) == volume
    if "," in text:
        assert not text.endswith("0")                # no trailing zeros after the comma


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10**6), places=2),
       st.integers(min_value=0, max_value=10**9))
def test_total_matches_exact_rational_arithmetic(volume, harga):
    exact = Fraction(volume) * harga                 # exact rational, no rounding yet
    expected = (exact * 2 + 1) // 2                  # half up, for non-negative values
    assert total(volume, harga) == expected


@given(st.integers(min_value=1, max_value=99), st.integers(min_value=1, max_value=20),
       st.integers(min_value=0, max_value=10**9))
def test_total_of_repeated_tenths_is_exact(tenths, times, harga):
    volume = Decimal(tenths) / 10 * times           # e.g. Decimal('0.1') * 3
    assert total(volume, harga) == (tenths * times * harga + 5) // 10
