"""Vietnamese collation without ICU: a<ă<â, d<đ, e<ê, o<ô<ơ, u<ư; tones are secondary.

`sort_key` returns a string of digits that sorts correctly by plain code-point comparison,
so it can be stored in a column and ordered by the database whatever its collation.
"""

import unicodedata

# Base letters in Vietnamese alphabetical order, then the Latin letters Vietnamese lacks.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
# Every code is two digits, so keys compare position by position: separator 00, digits 01-10,
# letters from 11.
_DIGITS = {str(d): f"{d + 1:02d}" for d in range(10)}
_PRIMARY = {letter: f"{index + 11:02d}" for index, letter in enumerate(_ALPHABET)}
# Tone marks in the traditional order: none, huyền, hỏi, ngã, sắc, nặng.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Combining marks that make a distinct base letter, not a tone.
_LETTER_MARKS = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_WORD_SEPARATOR = "00"


def _letters(text: str) -> list[tuple[str, str]]:
    """Split text into (base letter, tone digit) pairs, dropping punctuation."""
    result: list[tuple[str, str]] = []
    for char in unicodedata.normalize("NFC", text).lower():
        if char == "đ":
            result.append(("đ", "0"))
            continue
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        tone = "0"
        for mark in marks:
            if (base, mark) in _LETTER_MARKS:
                base = _LETTER_MARKS[(base, mark)]
            elif mark in _TONES:
                tone = _TONES[mark]
        if base in _PRIMARY or base in _DIGITS:
            result.append((base, tone))
        elif base.isspace() and result and result[-1][0] != " ":
            result.append((" ", "0"))
    while result and result[-1][0] == " ":
        result.pop()
    return result


def sort_key(*parts: str) -> str:
    """Collation key for the given parts compared in order (e.g. given name, then the rest)."""
    primary: list[str] = []
    secondary: list[str] = []
    for part in parts:
        for base, tone in _letters(part):
            if base == " ":
                primary.append(_WORD_SEPARATOR)
            else:
                primary.append(_PRIMARY.get(base) or _DIGITS[base])
                secondary.append(tone)
        primary.append(_WORD_SEPARATOR)
    return "".join(primary) + "0" + "".join(secondary)


def person_sort_key(given_name: str, family_name: str, middle_name: str = "") -> str:
    """Vietnamese lists sort people by given name, then family name, then middle name."""
    return sort_key(given_name, family_name, middle_name)
