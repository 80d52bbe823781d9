"""Numbers as quizlib rounds them and as learners type them, the same in Python and JavaScript."""

from __future__ import annotations

import math
import re


def round_half_up(value: float, places: int) -> float:
    """``value`` rounded half up to ``places`` decimals (credits to 4, percentages to 2)."""
    scale = 10**places
    return math.floor(value * scale + 0.5) / scale


# ASCII digits only, and an explicit list of spaces: JavaScript's \d and \s differ from Python's.
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_PLAIN = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
_SPACES = re.compile("[ \t\n\r\f\v\u00a0\u202f]+")


MAX_TYPED = 100  # characters: no number a quiz asks for is longer
# Other ways of writing a unit that learners type: "70 percent" where the question's unit is "%".
_UNIT_WORDS = {"%": ("%", "percent", "per cent")}


def parse_number(text: str | float | None, unit: str = "") -> float | None:
    """A number from what a learner typed, or None if it is not one.

    Spaces are ignored; ``7,636`` and ``7 636`` are seven thousand six hundred and thirty-six; ``0,19``
    (a decimal comma) is 0.19; ``1,500`` is one thousand five hundred. With ``unit`` (a numeric question's
    own), the number may be followed by that unit, in any case: ``70%`` or ``70 %`` where the unit is ``%``
    (also ``70 percent``), ``7,636 families`` where it is ``families``; any other word is not a number. A
    number no float can hold (400 nines, an integer of 400 digits) is not one: it would be Infinity, which
    scores nothing and cannot be written as JSON.
    """
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, (int, float)):
        try:
            value = float(text)
        except OverflowError:  # an int too large for a float
            return None
        return value if math.isfinite(value) else None
    if len(str(text)) > MAX_TYPED:
        return None
    s = _SPACES.sub("", str(text))
    s = _without_unit(s, unit)
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    elif _DECIMAL_COMMA.fullmatch(s):
        s = s.replace(",", ".")
    if not _PLAIN.fullmatch(s):
        return None
    value = float(s)
    return value if math.isfinite(value) else None


def _without_unit(s: str, unit: str) -> str:
    """``s`` (spaces removed) without ``unit`` at its end, compared case-insensitively (ASCII case only, as in
    JavaScript's twin), if it ends with it after a digit or a point."""
    for word in _UNIT_WORDS.get(unit.strip(), (unit,)):
        word = _SPACES.sub("", word)
        if word and len(s) > len(word) and _ascii_lower(s[-len(word) :]) == _ascii_lower(word):
            rest = s[: -len(word)]
            if rest[-1] in "0123456789.":
                return rest
    return s


def _ascii_lower(text: str) -> str:
    return text.translate(_LOWER)


_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def number_text(value: float) -> str:
    """A number as JavaScript's ``String(x)`` writes it for ordinary values (7636, 0.19, -2.5)."""
    if not math.isfinite(value):
        return "Infinity" if value > 0 else "-Infinity" if value < 0 else "NaN"
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    return repr(float(value))
