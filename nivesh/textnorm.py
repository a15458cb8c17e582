"""One reading of text before any check: a filter or a scrubber compares what a person
sees, not the code points an attacker picked.

- `clean`: what the model, the answer and the log get. Unicode NFKC (full-width and
  mathematical letters become ASCII, ligatures split) with the invisible format
  characters removed: zero-width spaces and joiners, bidi embeddings, overrides and
  isolates, soft hyphens, BOM, variation selectors, tag characters.
- `plain`: for matching words. `clean`, then every character that Unicode's confusables
  table (the copy `confusable-homoglyphs` ships) lists as a look-alike of an ASCII letter
  or digit becomes it (Cyrillic a, Greek omicron, Cherokee GO ...), accents on Latin letters are
  dropped, hyphens and underscores between letters become spaces (small-cap = small cap),
  everything is lower-cased. Devanagari is kept as it is (it is first-class input, matched
  by its own patterns) except that nukta is dropped, so ज़ and ज, फ़ and फ compare equal.
- `squashed`: for matching attack words. `plain`, then digits and symbols standing for
  letters inside a word are read as letters (h4ck, l@under, 1gnore), letters spelled out
  with separators are joined (i.g.n.o.r.e, i g n o r e), doubled ee / oo read as i / u and
  repeated letters collapse to one (guaranteeed, khareedo = kharido, bhool = bhul); the
  patterns matched against it are read the same way (`squash_word`). Kept apart from
  `plain` so 80C, 26AS and 10k stay what they are for the finance vocabulary.

Every transformation maps one character to at most one, except NFKC; `view_for_spans`
keeps positions for the PII scrubber.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

import regex

INVISIBLE = regex.compile(r"[\p{Cf}\u034F\uFE00-\uFE0F\U000E0100-\U000E01EF]")
_DEVANAGARI = range(0x0900, 0x0980)
_NUKTA = "\u093c"
_JOINER = regex.compile(r"(?<=\p{L})[\-_]+(?=\p{L})")
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i", "|": "l"}
# a run of digits/symbols inside a word that has more letters than stand-ins: h4ck, 1gnore, l@under
_LEET_WORD = regex.compile(r"(?<![\w@$!|])(?=[\w@$!|]*\p{Ll})(?:\p{Ll}|[013457@$!|])+(?![\w@$!|])")
_SPELLED = regex.compile(r"\b(?:\p{Ll}[ .\-_*/]){3,}\p{Ll}\b")
_REPEATS = regex.compile(r"(\p{L})\1+")
_LONG_VOWEL = {"ee": "i", "oo": "u"}  # Hinglish spells long vowels doubled or not: bhool/bhul, khareed/kharid


@functools.cache
def confusables() -> dict[int, str]:
    """Code point -> the ASCII letter or digit it looks like (Devanagari excluded)."""
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text(encoding="utf-8")
    table: dict[int, str] = {}
    for char, homoglyphs in json.loads(raw).items():
        if len(char) != 1 or char.isascii() or ord(char) in _DEVANAGARI:
            continue
        ascii_ = [h["c"] for h in homoglyphs if len(h["c"]) == 1 and h["c"].isascii() and h["c"].isalnum()]
        if ascii_:
            table[ord(char)] = ascii_[0].lower()
    return table


def clean(text: str) -> str:
    """NFKC without invisible format characters: what is shown, logged and sent to a model."""
    return INVISIBLE.sub("", unicodedata.normalize("NFKC", text))


def _fold_chars(text: str) -> str:
    """One character in, one out: look-alikes to ASCII, Latin accents and nukta dropped, lower case."""
    table = confusables()
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text.translate(table)):
        if (unicodedata.combining(ch) and (not out or out[-1].isascii())) or ch == _NUKTA:
            continue  # an accent on a Latin letter; a nukta (Devanagari marks are kept)
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out)).lower()


def plain(text: str) -> str:
    """`clean`, with look-alikes folded, Latin accents dropped and word hyphens spaced, lower case."""
    return _JOINER.sub(" ", _fold_chars(clean(text)))


def squash_word(word: str) -> str:
    """A word as `squashed` reads it (for building patterns): ee -> i, oo -> u, repeats collapsed."""
    return _collapse(word.lower())


def _collapse(text: str) -> str:
    return _REPEATS.sub(r"\1", regex.sub(r"ee|oo", lambda m: _LONG_VOWEL[m.group(0)], text))


def squashed(text: str) -> str:
    """`plain`, with leetspeak read as letters, spelled-out words joined, repeats collapsed."""
    text = plain(text)
    text = _SPELLED.sub(lambda m: regex.sub(r"[ .\-_*/]", "", m.group(0)), text)
    return _collapse(_LEET_WORD.sub(_unleet, text))


def _unleet(m: regex.Match[str]) -> str:
    word = m.group(0)
    stand_ins = sum(ch in _LEET for ch in word)
    letters = len(word) - stand_ins
    if not stand_ins or letters < 2 or stand_ins > letters:
        return word
    return "".join(_LEET.get(ch, ch) for ch in word)


def view_for_spans(text: str) -> str:
    """`text` (already `clean`) with look-alike letters and other scripts' digits read as ASCII,
    position for position, so a match's span can be cut out of `text` itself."""
    table = confusables()
    out = []
    for ch in text:
        if ch.isdigit() and not ch.isascii():
            out.append(str(unicodedata.digit(ch, 0)))
        else:
            folded = ch.translate(table)
            out.append(folded if len(folded) == 1 else ch)
    return "".join(out)
