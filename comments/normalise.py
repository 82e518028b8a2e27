"""Text as a reader sees it, so a moderation keyword can't be dodged by how it is typed.

A spammer who types "casino" with a zero-width space or a soft hyphen inside, with
Cyrillic с and а, in fullwidth letters, with an extra dot on the i, or "buy  viagra"
with two spaces shows readers the word while a plain substring search misses it.
``normalise`` undoes all of these: percent-decoding (a link's host), removal of
characters that show nothing, NFKD (fullwidth, mathematical and other compatibility
letters become plain ones, accents come apart) and dropping the accents, Unicode's
confusables (letters that imitate a Latin letter become it, as listed by
confusable-homoglyphs), case folding, and one space for any run of blanks. Every step
is a pass over the text: linear in its length.
"""

import re
import unicodedata
from itertools import chain
from urllib.parse import unquote

from confusable_homoglyphs.confusables import confusables_data

# Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt) beyond category Cf:
# fillers, variation selectors and reserved code points that render as nothing.
DEFAULT_IGNORABLE = [
    (0x034F, 0x034F),  # combining grapheme joiner
    (0x115F, 0x1160),  # Hangul fillers
    (0x17B4, 0x17B5),  # Khmer inherent vowels
    (0x180B, 0x180F),  # Mongolian variation selectors and vowel separator
    (0x2060, 0x206F),  # word joiner, invisible operators, reserved
    (0x3164, 0x3164),  # Hangul filler
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFA0, 0xFFA0),  # halfwidth Hangul filler
    (0xFFF0, 0xFFF8),  # reserved
    (0xE0000, 0xE0FFF),  # tags and variation selectors supplement
]
# Category Cf and combining marks only exist in these planes (Basic and Supplementary
# Multilingual, Supplementary Special-purpose): scanning just them keeps imports quick.
PLANES = (range(0x20000), range(0xE0000, 0xE1000))
# UAX #15's Stream-Safe Text Format: no more than 30 combining marks in a row. CPython's
# NFKC sorts each run of marks by insertion, in time quadratic in its length (9 s for
# 64,000 marks); runs capped at 30 (a grapheme joiner between, dropped again) keep it linear.
MAX_MARKS_IN_A_ROW = 30
GRAPHEME_JOINER = "\u034f"


def _scan() -> tuple[set[int], set[int], set[int], str]:
    """Scan Unicode once: what shows nothing, what expands into a word, the combining
    marks, and what starts with one."""
    characters = [chr(cp) for cp in chain(*PLANES)]
    invisible = {cp for first, last in DEFAULT_IGNORABLE for cp in range(first, last + 1)}
    invisible.update(ord(c) for c in characters if unicodedata.category(c) == "Cf")
    # Ligatures of whole words (ﷺ is 18 letters, ㌀ is アパート): no keyword hides in
    # one, and expanding 64 KB of them would make a megabyte to search.
    words = {
        ord(c)
        for c in characters
        if unicodedata.decomposition(c) and len(unicodedata.normalize("NFKD", c)) > 3
    }
    combining = {ord(c) for c in characters if unicodedata.combining(c)}
    marks = [c for c in characters if unicodedata.combining(c) or _decomposes_to_a_mark(c)]
    return invisible, words, combining, re.escape("".join(marks))


def _decomposes_to_a_mark(character: str) -> bool:
    """U+0F73 is no combining mark itself, but NFKC makes it two of them."""
    return bool(unicodedata.decomposition(character)) and bool(
        unicodedata.combining(unicodedata.normalize("NFKD", character)[0])
    )


def _look_alikes() -> dict[int, str]:
    """Each non-ASCII character that looks like one ASCII character, mapped to it.

    Latin look-alikes count too (a dotless ı or a Latin alpha ɑ in "casıno"): this
    table only decides what a keyword matches, never what a reader sees.
    """
    table = {}
    # Small capitals (ᴄᴀsɪɴᴏ) read as the letters they are; Unicode's name says which.
    for cp in chain(range(0x0250, 0x02B0), range(0x1D00, 0x1D2C)):
        name = unicodedata.name(chr(cp), "")
        if name.startswith("LATIN LETTER SMALL CAPITAL ") and len(name.split()[-1]) == 1:
            table[cp] = name.split()[-1].lower()
    for character, homoglyphs in confusables_data.items():
        if len(character) != 1 or character.isascii():
            continue
        ascii_ones = [glyph["c"] for glyph in homoglyphs if glyph["c"].isascii()]
        if len(ascii_ones) == 1 and len(ascii_ones[0]) == 1:
            table.setdefault(ord(character), ascii_ones[0])
    return table


INVISIBLE, WORDS, COMBINING, MARKS = _scan()
# Blanks that Python's \s does not count (Braille blank, ideographic full stops read as dots).
SHOWN_AS = {0x2800: " ", 0x3002: ".", 0xFF61: "."}
HIDDEN = dict.fromkeys(INVISIBLE) | dict.fromkeys(WORDS, " ") | SHOWN_AS
AS_READ = _look_alikes() | dict.fromkeys(COMBINING) | dict.fromkeys(INVISIBLE)
LONG_RUN_OF_MARKS = re.compile(f"[{MARKS}]{{{MAX_MARKS_IN_A_ROW}}}(?=[{MARKS}])")
BLANKS = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The letters a reader sees in ``text``: what a keyword is compared with."""
    # First, so no hidden character parts a letter and its accent.
    text = unquote(text).translate(HIDDEN)
    text = unicodedata.normalize("NFKD", _stream_safe(text))
    # Before and after folding: Cyrillic Н looks like H but its lower case н like no h;
    # folding İ makes i and a combining dot, dropped by the second pass.
    text = text.translate(AS_READ).casefold().translate(AS_READ)
    return BLANKS.sub(" ", text)


def _stream_safe(text: str) -> str:
    """Part runs of more than 30 combining marks, which NFKC would sort in quadratic time."""
    return LONG_RUN_OF_MARKS.sub(rf"\g<0>{GRAPHEME_JOINER}", text)
