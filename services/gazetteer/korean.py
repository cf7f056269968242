"""Korean text as people type it: folding, jamo, initial consonants, romanisation and the states of an IME.

A search box sees Hangul one key at a time: typing 대학로 shows ㄷ, 대, 댛, 대하, 대학, 대학ㄹ, 대학로. Every one of
those states, decomposed into single jamo (ㄷㅐㅎ…), is a prefix of the decomposed name, so one sorted list of
decomposed keys answers every keystroke with a binary search. Compound vowels and double finals are split into
the keys that type them (ㅘ → ㅗㅏ, ㄺ → ㄹㄱ) for the same reason.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

HANGUL_FIRST, HANGUL_LAST = 0xAC00, 0xD7A3
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ("", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ")
# What a two-set (두벌식) keyboard types for each compound letter.
_SPLIT = dict(zip("ㅘㅙㅚㅝㅞㅟㅢㄳㄵㄶㄺㄻㄼㄽㄾㄿㅀㅄ",
                  ("ㅗㅏ", "ㅗㅐ", "ㅗㅣ", "ㅜㅓ", "ㅜㅔ", "ㅜㅣ", "ㅡㅣ", "ㄱㅅ", "ㄴㅈ",
                   "ㄴㅎ", "ㄹㄱ", "ㄹㅁ", "ㄹㅂ", "ㄹㅅ", "ㄹㅌ", "ㄹㅍ", "ㄹㅎ", "ㅂㅅ"), strict=True))
_COMPOSE_VOWEL = {v: k for k, v in _SPLIT.items() if k in JUNGSEONG}
_COMPOSE_FINAL = {v: k for k, v in _SPLIT.items() if k in JONGSEONG}
_IGNORED = re.compile(r"[\s·・.,\-_()\[\]/'\"`~!?@#$%^*=+:;<>{}|\\&＆]+")
# NFKC turns typed compatibility jamo (U+3131…) into conjoining ones (U+1100…); they are turned back.
_CONJOINING_TO_COMPAT = {ord(unicodedata.normalize("NFKC", chr(c))): c for c in range(0x3131, 0x318F)
                         if len(unicodedata.normalize("NFKC", chr(c))) == 1
                         and 0x1100 <= ord(unicodedata.normalize("NFKC", chr(c))) <= 0x11FF}
_JAMO = {chr(c) for c in range(0x3131, 0x3164)}


def normalize(text: str) -> str:
    """Case, width, spacing and punctuation folded away: what two spellings of one name have in common."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_CONJOINING_TO_COMPAT)
    return _IGNORED.sub("", folded)


def is_syllable(ch: str) -> bool:
    return HANGUL_FIRST <= ord(ch) <= HANGUL_LAST


def is_jamo(ch: str) -> bool:
    return ch in _JAMO


_HANGUL = re.compile(r"[가-힣ㄱ-ㆎ]")


def jamo(text: str) -> str:
    """Each Hangul syllable as the keys that type it (대학로 → ㄷㅐㅎㅏㄱㄹㅗ); other characters as they are."""
    if not _HANGUL.search(text):
        return text
    out = []
    for ch in text:
        code = ord(ch) - HANGUL_FIRST
        if 0 <= code <= HANGUL_LAST - HANGUL_FIRST:
            vowel, final = JUNGSEONG[(code % 588) // 28], JONGSEONG[code % 28]
            out.append(CHOSEONG[code // 588] + _SPLIT.get(vowel, vowel) + _SPLIT.get(final, final))
        else:
            out.append(_SPLIT.get(ch, ch))
    return "".join(out)


def initials(text: str) -> str:
    """The initial consonant of each Hangul syllable (초성), other characters as they are."""
    return "".join(CHOSEONG[(ord(ch) - HANGUL_FIRST) // 588] if is_syllable(ch) else ch for ch in text)


def typed_initials(text: str) -> bool:
    """Initial consonants typed for syllables (ㄷㄷㄷㄹ, ㄷㅅㄹ3): bare consonants and no syllable."""
    return any(ch in CHOSEONG for ch in text) and not any(is_syllable(ch) for ch in text)


def compose(keys: str) -> str:
    """What a two-set IME shows after these jamo keys: ㄷㅐㅎ → 댛, ㄷㅐㅎㅏ → 대하 (the final moves on)."""
    out: list[str] = []
    lead = vowel = final = ""

    def flush() -> None:
        nonlocal lead, vowel, final
        if lead and vowel:
            out.append(chr(HANGUL_FIRST + CHOSEONG.index(lead) * 588 + JUNGSEONG.index(vowel) * 28
                           + JONGSEONG.index(final)))
        else:
            out.append(lead + vowel + final)
        lead = vowel = final = ""

    for key in keys:
        if key in CHOSEONG or key in JONGSEONG[1:]:
            if lead and vowel and not final and key in JONGSEONG:
                final = key
            elif final and final + key in _COMPOSE_FINAL:
                final = _COMPOSE_FINAL[final + key]
            else:
                if lead or vowel or final:
                    flush()
                lead = key
        elif key in JUNGSEONG:
            if lead and vowel and not final and vowel + key in _COMPOSE_VOWEL:
                vowel = _COMPOSE_VOWEL[vowel + key]
            elif lead and not vowel:
                vowel = key
            elif final:  # the final starts the next syllable (한 + ㅏ → 하나)
                moved = final
                if moved in _SPLIT:  # a double final leaves its second part
                    final, moved = _SPLIT[moved][0], _SPLIT[moved][1]
                else:
                    final = ""
                flush()
                lead, vowel = moved, key
            else:
                if lead or vowel:
                    flush()
                out.append(key)
        else:
            if lead or vowel or final:
                flush()
            out.append(key)
    if lead or vowel or final:
        flush()
    return "".join(out)


def keystrokes(text: str) -> Iterator[str]:
    """What a search box shows after each key while ``text`` is typed on a two-set Korean keyboard."""
    keys = jamo(text)
    for i in range(1, len(keys) + 1):
        yield compose(keys[:i])


def script_of(ch: str) -> str:
    """A coarse script class: a query in a script the kit has no names in can have no candidates."""
    code = ord(ch)
    if ch.isdigit():
        return "digit"
    if HANGUL_FIRST <= code <= HANGUL_LAST or 0x3131 <= code <= 0x318E or 0x1100 <= code <= 0x11FF:
        return "hangul"
    if ch.isascii() or (ch.isalpha() and code < 0x0250):
        return "latin"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "han"
    if 0x3040 <= code <= 0x30FF:
        return "kana"
    try:
        return unicodedata.name(ch).split()[0].lower()
    except ValueError:
        return "other"


# ---------------------------------------------------------------- romanisation

_INITIALS = ["g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
             "h"]
_VOWELS = ["a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we",
           "wi", "yu", "eu", "ui", "i"]
# Final consonant as pronounced at the end of a syllable, and when carried over onto a following vowel.
_FINAL_CLOSED = ["", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p",
                 "t", "t", "ng", "t", "t", "k", "t", "p", "t"]
_FINAL_LINKED = ["", "g", "kk", "ks", "n", "nj", "n", "d", "r", "lg", "lm", "lb", "ls", "lt", "lp", "r", "m",
                 "b", "ps", "s", "ss", "ng", "j", "ch", "k", "t", "p", ""]
_NASAL_BEFORE_NM = {"k": "ng", "t": "n", "p": "m"}
# Suffixes of Korean place and road names, romanised apart from their stem as signs write them (Daehak-ro).
_SUFFIXES = (("번길", "beon-gil"), ("대로", "daero"), ("로", "ro"), ("길", "gil"), ("동", "dong"), ("구", "gu"),
             ("시", "si"), ("군", "gun"), ("읍", "eup"), ("면", "myeon"), ("리", "ri"), ("가", "ga"),
             ("도", "do"))
_PIECES = re.compile(r"[가-힣]+|[^가-힣]+")


def romanize(text: str) -> str:
    """Revised Romanization of Hangul (syllable by syllable, with linking, nasalisation and the ㄹ rules)."""
    sylls = [(ord(c) - 0xAC00) if 0xAC00 <= ord(c) <= 0xD7A3 else c for c in text]
    out: list[str] = []
    for i, s in enumerate(sylls):
        if isinstance(s, str):
            out.append(s)
            continue
        ini, vow, fin = s // 588, (s % 588) // 28, s % 28
        prev_fin = sylls[i - 1] % 28 if i and not isinstance(sylls[i - 1], str) else -1
        onset = _INITIALS[ini]
        if ini == 5 and prev_fin > 0:  # ㄹ after a consonant: ll after ㄴ/ㄹ, n otherwise
            onset = "l" if _FINAL_CLOSED[prev_fin] in ("n", "l") else "n"
        nxt = sylls[i + 1] if i + 1 < len(sylls) and not isinstance(sylls[i + 1], str) else None
        coda = _FINAL_CLOSED[fin]
        if nxt is not None and fin:
            nxt_ini = nxt // 588
            if nxt_ini == 11:  # ㅇ: the final is carried over to the next syllable
                coda = _FINAL_LINKED[fin]
            elif nxt_ini in (2, 6):  # ㄴ, ㅁ
                coda = _NASAL_BEFORE_NM.get(coda, coda)
            elif nxt_ini == 5:  # ㄹ
                coda = "l" if coda in ("n", "l") else _NASAL_BEFORE_NM.get(coda, coda)
        out.append(onset + _VOWELS[vow] + coda)
    return "".join(out)


def romanize_name(name: str) -> str:
    """A place or road name as its sign spells it: the suffix apart (대학로 → Daehak-ro, 유성구 → Yuseong-gu,
    대학로12번길 → Daehak-ro 12beon-gil)."""
    out: list[str] = []
    for piece in _PIECES.findall(name):
        if not is_syllable(piece[0]):
            out.append(piece)
            continue
        if piece.startswith("번길") and out and out[-1].strip().isdigit():  # 12번길 → 12beon-gil
            out[-1] = out[-1].strip() + "beon-gil"
            piece = piece[2:]
            if not piece:
                continue
        for suffix, en in _SUFFIXES:
            if piece.endswith(suffix) and len(piece) > len(suffix):
                out.append(f"{romanize(piece[: -len(suffix)]).capitalize()}-{en}")
                break
        else:
            out.append(romanize(piece).capitalize())
    return " ".join(p.strip() for p in out if p.strip())


def latin_keys(name: str) -> tuple[str, ...]:
    """The folded romanisations a user may type for a Hangul name: as signs write it and as it is said."""
    if not any(is_syllable(ch) for ch in name):
        return ()
    return tuple(dict.fromkeys(k for k in (normalize(romanize_name(name)), normalize(romanize(name))) if k))
