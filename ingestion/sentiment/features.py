"""Texts → hashed n-gram features and lexicon features, for the trained sentiment model.

Every text is normalised (`normalise`), encoded to UTF-8 and cut into:
- word unigrams and bigrams (a word: a run of letters, digits, `'`, `_`, `#`, `@` or
  non-ASCII bytes), the words within three of a negation word marked as negated;
- byte 2- to 5-grams of the text padded with one space on each side.

Each n-gram is hashed (a 64-bit polynomial hash; its bucket is the top `bits` bits of
the hash times an odd constant) into one of `2**bits` buckets. Hashing needs no
vocabulary, so a model is one weight matrix, and it is done with numpy on a whole batch
at once (prefix sums of the bytes), so scoring costs a few vector operations per batch
instead of Python work per n-gram.

The model weighs each n-gram by its bucket's inverse document frequency and scales each
block (words, bytes) of a text to a norm of 1 (`ingestion.sentiment.linear_model`).
`LEXICON_FEATURES` dense features from VADER's lexicon and rules (valence sum with
negation, "but" and punctuation emphasis; counts of positive and negative words, of "!"
and "?") come after the hashed buckets. The same function feeds
the training matrix and the scoring sums, so both see the same numbers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ingestion.sentiment.lexicon import Lexicon, load_lexicon

_U64 = np.uint64
_MASK64 = (1 << 64) - 1
_BASE = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_BASE_INV = pow(_BASE, -1, 1 << 64)
# Salts keep a word "ab", a bigram and a byte 2-gram "ab" in different buckets.
_SALT_WORD = 0x9E3779B97F4A7C15
_SALT_NEGATED = 0xC2B2AE3D27D4EB4F
_SALT_BIGRAM = 0x165667B19E3779F9
_SALT_CHAR = 0x27D4EB2F165667C5
_SALT_TAG = 0x85EBCA77C2B2AE63
_MULTIPLIER = 0x9E3779B97F4A7C15 | 1
CHAR_SIZES = (2, 3, 4, 5)
NEGATION_WINDOW = 3
# Words within the window after a negation word count with this factor (VADER's N_SCALAR).
NEGATED_VALENCE = -0.74
LEXICON_FEATURES = 6
_SEPARATOR = 0x0A  # "\n": normalise() turns newlines inside a text into spaces

_URL = re.compile(r"(?:https?://|www\.)\S+")
_USER = re.compile(r"@\w+")
_REPEAT = re.compile(r"([^\n])\1\1+")
# Runs of white space other than newlines (which separate texts), written so that lone
# spaces, most of them, do not match: the same result as [^\S\n]+ → " ", faster.
_SPACE = re.compile(r" ?(?:[^\S\n ]|  )[^\S\n]*")


def normalise(joined: str) -> str:
    """Return `joined` lowercased, with URLs as "http", user names as "@user", runs of
    three or more equal characters cut to two. Works on one text or on many joined by
    newlines (no rule crosses a newline)."""
    text = joined.replace("’", "'").replace("‘", "'").replace("`", "'").lower()
    text = _URL.sub("http", text)
    text = _USER.sub("@user", text)
    text = _REPEAT.sub(r"\1\1", text)
    return text


@dataclass(frozen=True)
class Features:
    """Features of a batch of texts.

    `docs[i]` is the text (0-based, in input order) holding an n-gram hashed to
    `buckets[i]`, of block `blocks[i]` (0: words, 1: bytes); a text can hold the same
    bucket more than once.
    `dense` is an (n_texts, LEXICON_FEATURES) float64 array; `empty` marks texts with no
    characters after normalisation.
    """

    n_texts: int
    docs: np.ndarray
    buckets: np.ndarray
    blocks: np.ndarray
    dense: np.ndarray
    empty: np.ndarray


def _mix(h: np.ndarray) -> np.ndarray:
    # splitmix64's finaliser: spreads every input bit over the output bits.
    h = h ^ (h >> _U64(30))
    h = h * _U64(0xBF58476D1CE4E5B9)
    h = h ^ (h >> _U64(27))
    h = h * _U64(0x94D049BB133111EB)
    return h ^ (h >> _U64(31))


@lru_cache(maxsize=4)
def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(over="ignore"):
        base = np.cumprod(np.full(length, _BASE, dtype=_U64), dtype=_U64)
        inverse = np.cumprod(np.full(length, _BASE_INV, dtype=_U64), dtype=_U64)
    return np.concatenate([[_U64(1)], base[:-1]]), np.concatenate([[_U64(1)], inverse[:-1]])


def _capacity(length: int) -> int:
    # Powers are cached per capacity, a power of two, so batches reuse them.
    return 1 << max(16, (length - 1).bit_length())


class _Hasher:
    """Hashes of any byte range of one buffer in O(1) each, after O(n) prefix sums."""

    def __init__(self, data: np.ndarray) -> None:
        power, inverse = _powers(_capacity(len(data) + 1))
        self._power = power
        with np.errstate(over="ignore"):
            prefix = np.cumsum(data.astype(_U64) * inverse[: len(data)], dtype=_U64)
        self._prefix = np.concatenate([[_U64(0)], prefix])

    def __call__(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Hash of bytes [start, end) for each pair: sum of b[j] * BASE**-(j - start)."""
        with np.errstate(over="ignore"):
            return (self._prefix[end] - self._prefix[start]) * self._power[start]


def _hash_bytes(words: Sequence[str]) -> np.ndarray:
    """Word hashes as `featurise` computes them (no salt, not mixed)."""
    out = np.empty(len(words), dtype=_U64)
    for i, word in enumerate(words):
        h, inverse = 0, 1
        for byte in word.encode("utf-8"):
            h = (h + byte * inverse) & _MASK64
            inverse = (inverse * _BASE_INV) & _MASK64
        out[i] = h
    return out


@lru_cache(maxsize=2)
def _hashed_lexicon(lexicon: Lexicon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted word hashes with their valences, and the sorted hashes of negation words."""
    hashes = _hash_bytes(lexicon.words)
    order = np.argsort(hashes, kind="stable")
    negations = np.sort(_hash_bytes(lexicon.negations))
    return hashes[order], np.asarray(lexicon.valences, dtype=np.float64)[order], negations


def _lookup(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    at = np.searchsorted(sorted_keys, keys)
    at = np.minimum(at, len(sorted_keys) - 1)
    return sorted_keys[at] == keys, at


_WORD_BYTE = np.zeros(256, dtype=bool)
for _b in b"abcdefghijklmnopqrstuvwxyz0123456789'_#@":
    _WORD_BYTE[_b] = True
_WORD_BYTE[0x80:] = True


def _encode(texts: Sequence[str]) -> np.ndarray:
    """One buffer " t0 \\n t1 \\n ..." of the normalised texts, each padded with a space
    and its runs of white space cut to one space (newlines inside a text included)."""
    joined = (
        "\n".join(texts)
        if not any("\n" in t for t in texts)
        else "\n".join(t.replace("\n", " ") for t in texts)
    )
    joined = _SPACE.sub(" ", " " + normalise(joined).replace("\n", " \n ") + " ")
    return np.frombuffer(joined.encode("utf-8"), dtype=np.uint8)


def featurise(texts: Sequence[str], bits: int, lexicon: Lexicon | None = None) -> Features:
    """Return the `Features` of `texts` with `2**bits` hash buckets.

    `lexicon` defaults to VADER's (`load_lexicon()`). Raises ValueError when `bits` is
    not between 8 and 30.
    """
    if not 8 <= bits <= 30:
        raise ValueError(f"bits must be between 8 and 30, got {bits}")
    lexicon = lexicon or load_lexicon()
    n = len(texts)
    data = _encode(texts)
    hasher = _Hasher(data)
    separator = data == _SEPARATOR
    doc_of = np.cumsum(separator) - separator  # text index of every byte
    empty = np.bincount(doc_of[(data != 0x20) & ~separator], minlength=n) == 0

    # Byte n-grams that do not cross a separator: `room` bytes are left before the next.
    separators = np.append(np.flatnonzero(separator), len(data))
    room = separators[doc_of] - np.arange(len(data))
    char_docs, char_hashes = [], []
    for size in CHAR_SIZES:
        start = np.flatnonzero(room >= size)
        char_docs.append(doc_of[start])
        with np.errstate(over="ignore"):
            char_hashes.append(hasher(start, start + size) ^ _U64(_SALT_CHAR + size))
    char_doc = np.concatenate(char_docs)
    char_hash = np.concatenate(char_hashes)

    # Words: maximal runs of word bytes.
    is_word = _WORD_BYTE[data]
    edges = np.diff(np.concatenate([[False], is_word, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    word_doc = doc_of[starts]
    word_raw = hasher(starts, ends)
    # A hashtag also counts as its word ("#fail" → "fail") for the unigrams and the lexicon.
    is_tag = (data[starts] == ord("#")) & (ends - starts > 1)
    word_raw = np.where(is_tag, hasher(starts + 1, ends), word_raw)
    lex_keys, lex_valences, negation_keys = _hashed_lexicon(lexicon)
    is_negation, _ = _lookup(negation_keys, word_raw)
    # "n't" endings negate too (VADER's rule), whatever the word.
    long_enough = ends - starts >= 3
    tail = np.where(long_enough, ends - 3, 0)
    is_negation |= (
        long_enough
        & (data[tail] == ord("n"))
        & (data[tail + 1] == ord("'"))
        & (data[tail + 2] == ord("t"))
    )
    negated = np.zeros(len(starts), dtype=bool)
    for shift in range(1, NEGATION_WINDOW + 1):
        if len(starts) > shift:
            negated[shift:] |= is_negation[:-shift] & (word_doc[shift:] == word_doc[:-shift])
    with np.errstate(over="ignore"):
        word_hash = word_raw ^ np.where(negated, _U64(_SALT_NEGATED), _U64(_SALT_WORD))
        word_hash = np.where(is_tag, word_hash ^ _U64(_SALT_TAG), word_hash)
        pair = (word_doc[1:] == word_doc[:-1]) if len(starts) > 1 else np.zeros(0, dtype=bool)
        bigram_hash = (_mix(word_raw[:-1]) * _U64(31) + word_raw[1:])[pair] ^ _U64(_SALT_BIGRAM)
    bigram_doc = word_doc[:-1][pair] if len(starts) > 1 else np.zeros(0, dtype=np.int64)
    words_doc = np.concatenate([word_doc, bigram_doc, word_doc[is_tag]])
    words_hash = np.concatenate([word_hash, bigram_hash, word_hash[is_tag] ^ _U64(_SALT_TAG)])

    docs = np.concatenate([words_doc, char_doc])
    with np.errstate(over="ignore"):
        # Multiply-shift: the top `bits` bits of the product depend on every input bit.
        mixed = np.concatenate([words_hash, char_hash]) * _U64(_MULTIPLIER)
    buckets = (mixed >> _U64(64 - bits)).astype(np.int64)
    blocks = np.concatenate(
        [np.zeros(len(words_doc), dtype=np.int8), np.ones(len(char_doc), dtype=np.int8)]
    )
    punctuation = (
        np.bincount(doc_of[data == ord("!")], minlength=n),
        np.bincount(doc_of[data == ord("?")], minlength=n),
    )
    dense = _lexicon_features(word_raw, word_doc, negated, lex_keys, lex_valences, n, punctuation)
    return Features(n, docs.astype(np.int64), buckets, blocks, dense, empty)


_BUT = int(_hash_bytes(["but"])[0])


def _lexicon_features(
    word_raw: np.ndarray,
    word_doc: np.ndarray,
    negated: np.ndarray,
    keys: np.ndarray,
    valences: np.ndarray,
    n: int,
    punctuation: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """VADER's sum of valences, with its rules for negation ("not good": × -0.74), "but"
    (words before the first "but" × 0.5, after it × 1.5) and "!"/"?" emphasis, plus
    counts of positive and negative words and of "!" and "?"."""
    found, at = _lookup(keys, word_raw)
    valence = np.where(found, valences[at], 0.0)
    valence = np.where(negated, valence * NEGATED_VALENCE, valence)
    is_but = word_raw == _U64(_BUT)
    if is_but.any():
        seen = np.cumsum(is_but) - is_but  # "but"s before each word, in all texts
        first_word = np.searchsorted(word_doc, word_doc)  # word_doc is sorted
        seen = seen - seen[first_word]
        has_but = np.bincount(word_doc, weights=is_but, minlength=n)[word_doc] > 0
        valence = valence * np.where(seen > 0, 1.5, np.where(has_but & ~is_but, 0.5, 1.0))
    total = np.bincount(word_doc, weights=valence, minlength=n)
    exclamations, questions = punctuation
    emphasis = np.minimum(exclamations, 4) * 0.292 + np.where(
        questions > 1, np.minimum(questions * 0.18, 0.96), 0.0
    )
    total = total + np.sign(total) * emphasis
    positive = np.bincount(word_doc, weights=valence > 0, minlength=n)
    negative = np.bincount(word_doc, weights=valence < 0, minlength=n)
    return np.column_stack(
        [
            total / np.sqrt(total * total + 15.0),  # VADER's normalisation of the sum
            total / 4.0,
            np.log1p(positive),
            np.log1p(negative),
            np.log1p(exclamations),
            np.log1p(questions),
        ]
    )
