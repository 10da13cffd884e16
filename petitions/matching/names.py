"""People's names as California petitions show them, made comparable.

- A printed name is parsed into given name, middle name or initial, surname and
  suffix (Jr, Sr, II, III, IV), in "First M Last" or "Last, First M" form;
  titles (Mr, Dr ...) are dropped; surname particles keep a compound surname
  whole ("Maria de la Cruz", "Jan Van Der Berg"), and a hyphen joins one
  ("Garcia-Lopez").
- Accents, case, apostrophes and hyphens are folded away in keys.
- Given names are compared through the `nicknames` package (Bob = Robert),
  initials ("J. Smith") and Jaro-Winkler similarity for typos (rapidfuzz);
  surnames through their keys, their parts (voter file "GARCIA LOPEZ" against
  a written "Garcia-Lopez" or "Garcia") and Jaro-Winkler.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from nicknames import NickNamer
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

from petitions.matching.nickname_data import COMMON_GIVEN_NAMES, EXTRA_NICKNAMES, KNOWN_GIVEN_NAMES, PREFERRED_FORMAL

NAME_SUFFIXES = {
    "JR": "JR",
    "JUNIOR": "JR",
    "SR": "SR",
    "SENIOR": "SR",
    "II": "II",
    "III": "III",
    "IV": "IV",
    "V": "V",
    "2ND": "II",
    "3RD": "III",
    "4TH": "IV",
}
# Suffixes recognised anywhere after the given name; "V" only as the very last
# word of a "First Last V" name (elsewhere it is an initial).
_SURE_SUFFIXES = {k for k in NAME_SUFFIXES if k != "V"}
TITLES = {"MR", "MRS", "MS", "MISS", "DR", "REV", "PROF", "SGT", "HON"}
# Words that begin or join a compound surname: "de la Cruz", "Van Der Berg",
# "Garcia y Lopez", "St John", "bin Laden", "Al Sayed".
SURNAME_PARTICLES = {
    "DE",
    "DEL",
    "DELA",
    "DELLA",
    "DA",
    "DAS",
    "DO",
    "DOS",
    "DI",
    "DU",
    "LA",
    "LE",
    "LOS",
    "LAS",
    "VAN",
    "VON",
    "DER",
    "DEN",
    "TER",
    "TEN",
    "Y",
    "ST",
    "SAINT",
    "SAN",
    "SANTA",
    "BIN",
    "BEN",
    "AL",
    "EL",
    "MAC",
    "MC",
    "O",
}
_NOT_LETTERS = re.compile(r"[^A-Z0-9\- ]+")
# The string functions below are pure and called for every candidate of every
# signature with the same few thousand names: each keeps its recent answers.


@lru_cache(maxsize=1 << 17)
def fold_name(text: str) -> str:
    """Upper case ASCII, accents removed, apostrophes and dots dropped, other
    punctuation to spaces; hyphens kept (they join a compound surname)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    ascii_text = ascii_text.replace("'", "").replace("\u2019", "").replace("`", "").replace(".", " ")
    cleaned = _NOT_LETTERS.sub(" ", ascii_text)
    cleaned = re.sub(r"\s*-\s*", "-", cleaned).strip("- ")
    return " ".join(cleaned.split())


@lru_cache(maxsize=1 << 17)
def name_key(name: str) -> str:
    """One comparable token: "O'Brien" -> 'OBRIEN', "García-López" -> 'GARCIALOPEZ'."""
    return re.sub(r"[^A-Z0-9]", "", fold_name(name))


@lru_cache(maxsize=1 << 17)
def suffix_key(suffix: str) -> str:
    key = name_key(suffix)
    return NAME_SUFFIXES.get(key, key)


@dataclass(frozen=True)
class NameParts:
    """A name in parts, folded (upper case, spaces kept within a part)."""

    first: str
    middle: str
    last: str
    suffix: str


def _pop_suffix(words: list[str], *, allow_v: bool) -> str:
    if words and (words[-1] in _SURE_SUFFIXES or (allow_v and words[-1] == "V")):
        return NAME_SUFFIXES[words.pop()]
    return ""


def parse_printed_name(text: str) -> NameParts:
    """'Robert J. Smith Jr.', 'Smith, Robert J', 'SMITH JR, ROBERT', 'Maria de la Cruz'."""
    folded = fold_name(text)
    if "," in (text or ""):
        before, _, after = (text or "").partition(",")
        last_words = fold_name(before).split()
        rest = fold_name(after).split()
        while rest and rest[0] in TITLES:
            rest.pop(0)
        suffix = _pop_suffix(rest, allow_v=False) or _pop_suffix(last_words, allow_v=True)
        return NameParts(
            first=rest[0] if rest else "", middle=" ".join(rest[1:]), last=" ".join(last_words), suffix=suffix
        )
    words = folded.split()
    while len(words) > 1 and words[0] in TITLES:
        words.pop(0)
    suffix = _pop_suffix(words, allow_v=len(words) > 2) if len(words) > 1 else ""
    if not words:
        return NameParts("", "", "", suffix)
    if len(words) == 1:
        return NameParts(first="", middle="", last=words[0], suffix=suffix)
    # The surname is the last word, with the particles written before it.
    start = len(words) - 1
    while start > 1 and words[start - 1] in SURNAME_PARTICLES:
        start -= 1
    return NameParts(first=words[0], middle=" ".join(words[1:start]), last=" ".join(words[start:]), suffix=suffix)


@lru_cache(maxsize=1 << 17)
def surname_parts(surname: str) -> tuple[str, ...]:
    """The words of a surname without its particles: 'DE LA CRUZ' -> ('CRUZ',),
    'Garcia-Lopez' -> ('GARCIA', 'LOPEZ')."""
    words = fold_name(surname).replace("-", " ").split()
    core = tuple(w for w in words if w not in SURNAME_PARTICLES)
    return core or tuple(words)


@lru_cache(maxsize=1 << 16)
def surname_phonetic(surname: str) -> str:
    """The blocking code of a surname: Metaphone of its first main part.

    'Garcia-Lopez', 'GARCIA LOPEZ' and 'Garcia' share one code, so does a
    misspelling that sounds alike ('Smyth')."""
    parts = surname_parts(surname)
    return jellyfish.metaphone(parts[0])[:20] if parts else ""


# --- Given names and nicknames -----------------------------------------------------

_NICKNAMER = NickNamer()
_NICKNAMES = {k.upper(): {n.upper() for n in v} for k, v in _NICKNAMER.nickname_lookup.items()}
_CANONICALS = {k.upper(): {n.upper() for n in v} for k, v in _NICKNAMER.canonical_lookup.items()}
_RANK = {name.upper(): rank for rank, name in enumerate(COMMON_GIVEN_NAMES)}
_EXTRA = [(nickname, formal) for formal, nicknames in EXTRA_NICKNAMES.items() for nickname in nicknames]
for _nickname, _formal in [*PREFERRED_FORMAL.items(), *_EXTRA]:  # what the package lacks (Pepe, Lupe, Beto ...)
    _NICKNAMES.setdefault(_formal, set()).add(_nickname)
    _CANONICALS.setdefault(_nickname, set()).add(_formal)


@lru_cache(maxsize=1 << 17)
def given_name_relatives(key: str) -> frozenset[str]:
    """The name itself and every name the `nicknames` package relates to it, either way."""
    key = key.upper()
    return frozenset({key} | _NICKNAMES.get(key, set()) | _CANONICALS.get(key, set()))


_KNOWN = {n.upper() for n in KNOWN_GIVEN_NAMES} | set(_RANK) | set(_NICKNAMES) | set(_CANONICALS)


@lru_cache(maxsize=1 << 17)
def looks_like_a_typo(written: str, registered: str) -> bool:
    """A given name that differs from the registered one by one slip of the pen or
    the keyboard (two in a name of six letters or more), and is not itself a
    given name people have: 'Mraia' for Maria is a typo; 'Marta' or 'Sandra'
    may be someone else."""
    if written in _KNOWN:
        return False
    return DamerauLevenshtein.distance(written, registered) <= (2 if min(len(written), len(registered)) >= 6 else 1)


def _spellings(key: str) -> tuple[str, ...]:
    """Katherine / Catherine, Kristina / Christina: one name, two spellings of its start."""
    if key.startswith("CH"):
        return key, "K" + key[2:]
    if key.startswith("C"):
        return key, "K" + key[1:]
    if key.startswith("K"):
        return key, "C" + key[1:], "CH" + key[1:]
    return (key,)


@lru_cache(maxsize=1 << 17)
def _spelling_set(key: str) -> frozenset[str]:
    return frozenset(_spellings(key))


def are_nicknames(a: str, b: str) -> bool:
    """One is a nickname or another form of the other (either way), allowing
    for a C / K / Ch spelling of either's start. (Set operations: this runs for
    most candidates of most signatures.)"""
    if not given_name_relatives(a).isdisjoint(_spelling_set(b)):
        return True
    return not given_name_relatives(b).isdisjoint(_spelling_set(a))


def _canonical_step(key: str) -> str:
    if key in PREFERRED_FORMAL:
        return PREFERRED_FORMAL[key]
    if key in _RANK:
        return key
    formal = _CANONICALS.get(key, set())
    if not formal:
        return key
    relatives = given_name_relatives(key)
    return max(formal, key=lambda c: (len(_NICKNAMES.get(c, set()) & relatives), c in _RANK, -_RANK.get(c, 0), c))


@lru_cache(maxsize=1 << 14)
def canonical_given_name(name: str) -> str:
    """The formal given name a name (or nickname) stands for: 'Bob' -> 'ROBERT',
    'Peggy' -> 'MARGARET'; a name the list does not know is its own form."""
    key = name_key(name.split()[0] if name.split() else "")
    seen: list[str] = []
    while key not in seen:
        seen.append(key)
        key = _canonical_step(key)
    return key


# --- Similarities (0-1) ------------------------------------------------------------------


def jaro_winkler(a: str, b: str) -> float:
    return JaroWinkler.similarity(a, b)


GIVEN_EXACT, GIVEN_NICKNAME, GIVEN_PREFIX, GIVEN_INITIAL, GIVEN_SPELLING = 1.0, 0.95, 0.9, 0.85, 0.0


def given_name_rule(written: str, registered: str) -> tuple[float, bool]:
    """How well a written given name fits a registered one (keys, no spaces),
    and whether it is only a spelling likeness (Jaro-Winkler: a typo or another
    name) rather than the name, a nickname, an initial or a shortening of it.
    Uncached: `given_name_fit` is the same with an lru_cache."""
    if not written or not registered:
        return 0.0, False
    if written == registered:
        return GIVEN_EXACT, False
    if len(written) == 1 or len(registered) == 1:
        return (GIVEN_INITIAL if written[0] == registered[0] else 0.0), False
    if are_nicknames(written, registered):
        return GIVEN_NICKNAME, False
    shorter, longer = (written, registered) if len(written) <= len(registered) else (registered, written)
    if len(shorter) >= 3 and longer.startswith(shorter):  # Chris / Christopher, Mary / Maryann
        return GIVEN_PREFIX, False
    return jaro_winkler(written, registered), True


given_name_fit = lru_cache(maxsize=1 << 17)(given_name_rule)


def given_name_similarity(written: str, registered: str) -> float:
    return given_name_fit(written, registered)[0]


@lru_cache(maxsize=1 << 17)
def surname_similarity(written: str, registered: str) -> float:
    """How well a written surname fits a registered one (folded text, spaces kept)."""
    a, b = name_key(written), name_key(registered)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    score = jaro_winkler(a, b)
    parts_a, parts_b = surname_parts(written), surname_parts(registered)
    if set(parts_a) == set(parts_b):
        return max(score, 0.97)  # particles or order differ: "Cruz" / "De La Cruz" is weaker, see below
    if set(parts_a) <= set(parts_b) or set(parts_b) <= set(parts_a):
        # One of a compound surname's names: "Garcia" for "GARCIA LOPEZ".
        score = max(score, 0.93 if parts_a[0] == parts_b[0] else 0.9)
    elif len(parts_a) > 1 or len(parts_b) > 1:
        best = max(jaro_winkler(x, y) for x in parts_a for y in parts_b)
        score = max(score, best - 0.06)
    return score
