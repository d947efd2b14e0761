"""VADER sentiment: the reference package, and a fast re-implementation of it.

`VaderScorer` re-implements `SentimentIntensityAnalyzer.polarity_scores` of the installed
vaderSentiment 3.3.2 and returns the same four floats for every text, bit for bit,
including the package's quirks (the `but` rule's first-equal-value lookup, the operator
precedence of its `so`/`this` rule, the `no` rule overriding its own zeroing, punctuation
counted after emoji are replaced by their descriptions...). It reads the lexicon files
shipped inside the package and imports the package's own rule constants, so the two
cannot drift apart silently; `tests/ingestion/test_sentiment.py` compares them.

Where it is faster, and why that is safe:
- texts are tokenized and lowercased once, not once per rule per word;
- a text with no scorable lexicon word is answered without running any rule (every rule
  only changes the valence of a lexicon word, and all other words score 0);
- the emoji pass only runs on non-ASCII text (the emoji lexicon has no ASCII keys) and
  only replaces single characters (the package compares one character at a time, so its
  multi-character keys never match);
- the idiom rule only runs when a word of some idiom is in the text;
- large batches are split across worker processes.

Results are computed per text, never cached across texts.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import math
import multiprocessing
import os
import string
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain, compress, repeat
from typing import Any

import numpy as np
from vaderSentiment import vaderSentiment as _vs

from ingestion.sentiment.scorer import SentimentScorer, SentimentScores

VADER_VERSION = "3.3.2"
# Batches below this size are scored in-process: starting workers and shipping texts
# costs more than it saves.
PARALLEL_MIN_TEXTS = 2_000
MIN_CHUNK_TEXTS = 1_000
CHUNKS_PER_WORKER = 4

_PUNCTUATION = string.punctuation
_SO_THIS = ("so", "this")

# One scored text: compound, pos, neu, neg (rounded the way polarity_scores rounds).
Row = tuple[float, float, float, float]
_EMPTY: Row = (0.0, 0.0, 0.0, 0.0)
# A text whose words all score 0: polarity_scores gives 0 compound and neu 1.0.
_ALL_NEUTRAL: Row = (0.0, 0.0, 1.0, 0.0)


@dataclass(frozen=True)
class VaderLexicon:
    """The word and emoji lexicons of the installed vaderSentiment package."""

    words: dict[str, float]
    emojis: dict[str, str]

    @classmethod
    def load(cls) -> VaderLexicon:
        """Return the lexicons read from the package's own files, parsed the way
        `SentimentIntensityAnalyzer` parses them. Raises RuntimeError when the installed
        package is not vaderSentiment 3.3.2 (this module re-implements that version)."""
        installed = importlib.metadata.version("vaderSentiment")
        if installed != VADER_VERSION:
            raise RuntimeError(
                f"VaderScorer re-implements vaderSentiment {VADER_VERSION}, but "
                f"{installed} is installed; check it against the reference and update"
            )
        package = importlib.resources.files("vaderSentiment")
        words: dict[str, float] = {}
        lexicon_text = package.joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
        for line in lexicon_text.rstrip("\n").split("\n"):
            if not line:
                continue
            word, measure = line.strip().split("\t")[0:2]
            words[word] = float(measure)
        emojis: dict[str, str] = {}
        emoji_text = package.joinpath("emoji_utf8_lexicon.txt").read_text(encoding="utf-8")
        for line in emoji_text.rstrip("\n").split("\n"):
            emoji, description = line.strip().split("\t")[0:2]
            emojis[emoji] = description
        return cls(words=words, emojis=emojis)


def _replace_emojis(text: str, emojis: dict[str, str]) -> str:
    """polarity_scores' emoji pass: each emoji character becomes its description,
    preceded by a space unless it follows a space or starts the text."""
    parts: list[str] = []
    prev_space = True
    for char in text:
        description = emojis.get(char)
        if description is not None:
            if not prev_space:
                parts.append(" ")
            parts.append(description)
            prev_space = False
        else:
            parts.append(char)
            prev_space = char == " "
    return "".join(parts).strip()


def _but_check(lows: list[str], sentiments: list[Any]) -> list[Any]:
    # Literal copy of SentimentIntensityAnalyzer._but_check: `sentiments.index` finds
    # the first *equal* value, which may be an earlier, already scaled position; the
    # results depend on that, so the loop stays as it is.
    bi = lows.index("but")
    for sentiment in sentiments:
        si = sentiments.index(sentiment)
        if si < bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 0.5)
        elif si > bi:
            sentiments.pop(si)
            sentiments.insert(si, sentiment * 1.5)
    return sentiments


def _special_idioms_check(valence: Any, lows: list[str], i: int) -> Any:
    # Literal copy of SentimentIntensityAnalyzer._special_idioms_check (i >= 3).
    special_cases = _vs.SPECIAL_CASES
    onezero = f"{lows[i - 1]} {lows[i]}"
    twoonezero = f"{lows[i - 2]} {lows[i - 1]} {lows[i]}"
    twoone = f"{lows[i - 2]} {lows[i - 1]}"
    threetwoone = f"{lows[i - 3]} {lows[i - 2]} {lows[i - 1]}"
    threetwo = f"{lows[i - 3]} {lows[i - 2]}"
    for seq in (onezero, twoonezero, twoone, threetwoone, threetwo):
        if seq in special_cases:
            valence = special_cases[seq]
            break
    if len(lows) - 1 > i:
        zeroone = f"{lows[i]} {lows[i + 1]}"
        if zeroone in special_cases:
            valence = special_cases[zeroone]
    if len(lows) - 1 > i + 1:
        zeroonetwo = f"{lows[i]} {lows[i + 1]} {lows[i + 2]}"
        if zeroonetwo in special_cases:
            valence = special_cases[zeroonetwo]
    for n_gram in (threetwoone, threetwo, twoone):
        if n_gram in _vs.BOOSTER_DICT:
            valence = valence + _vs.BOOSTER_DICT[n_gram]
    return valence


def _compile(lexicon: VaderLexicon) -> Callable[[str], Row]:
    """Return a function scoring one text exactly like polarity_scores, with the
    lookups it needs bound as closure variables."""
    lex = lexicon.words
    emojis = lexicon.emojis
    # Only single characters can match: polarity_scores looks emoji up per character.
    emoji_chars = frozenset(k for k in emojis if len(k) == 1)
    if any(char.isascii() for char in emoji_chars):
        raise RuntimeError("the emoji lexicon has ASCII keys; the ASCII fast path is wrong")
    boosters = _vs.BOOSTER_DICT
    # A booster word scores 0 even when it is in the lexicon (it is checked first).
    scorable = frozenset(w for w in lex if w not in boosters)
    negations = frozenset(_vs.NEGATE)
    # Words of the multi-word idioms and booster phrases the idiom rule matches; a
    # text with none of them cannot match any (tokens never contain whitespace).
    idiom_words = frozenset(
        word
        for phrase in (*_vs.SPECIAL_CASES, *boosters)
        if " " in phrase
        for word in phrase.split(" ")
    )
    n_scalar = _vs.N_SCALAR
    c_incr = _vs.C_INCR
    normalize = _vs.normalize
    fabs = math.fabs
    strip = str.strip
    lower = str.lower
    isupper = str.isupper

    def scalar(word: str, word_lower: str, valence: Any, is_cap_diff: bool) -> float:
        # scalar_inc_dec for a word known to be a booster, lowercase word at hand.
        result = boosters[word_lower]
        if valence < 0:
            result *= -1
        if word.isupper() and is_cap_diff:
            if valence > 0:
                result += c_incr
            else:
                result -= c_incr
        return result

    def score_text(text: str) -> Row:
        # SentiText's tokens: whitespace-separated words with their outer punctuation
        # stripped, unless that leaves <= 2 characters. `lows` are them lowercased.
        if text.isascii():
            # No emoji here. Lowercasing ASCII maps letters only, so lowercasing the
            # text once then stripping gives the same tokens as stripping then
            # lowercasing each word. No .strip() either: split() drops the same outer
            # whitespace, and stripping never removes the "!" and "?" counted below.
            low_words = text.lower().split()
            if not low_words:
                return _EMPTY
            lows = list(map(strip, low_words, repeat(_PUNCTUATION)))
            if lows != low_words:
                lows = [s if len(s) > 2 else w for w, s in zip(low_words, lows, strict=True)]
            if scorable.isdisjoint(lows):
                return _ALL_NEUTRAL
            words = text.split()
        else:
            if not emoji_chars.isdisjoint(text):
                text = _replace_emojis(text, emojis)
            words = text.split()
            if not words:
                return _EMPTY
            tokens = [s if len(s) > 2 else w
                      for w, s in zip(words, map(strip, words, repeat(_PUNCTUATION)), strict=True)]
            lows = list(map(lower, tokens))
            if scorable.isdisjoint(lows):
                return _ALL_NEUTRAL
        return apply_rules(text, words, lows)

    def apply_rules(text: str, words: list[str], lows: list[str]) -> Row:
        # `words[i].isupper()` stands for the token's: stripping removes ASCII
        # punctuation only, which is uncased, so it never changes isupper().
        n = len(lows)
        hits = list(compress(range(n), map(scorable.__contains__, lows)))
        capitals = sum(map(isupper, words))
        is_cap_diff = 0 < n - capitals < n
        has_no = "no" in lows
        has_least = "least" in lows
        idioms_possible = not idiom_words.isdisjoint(lows)
        sentiments: list[Any] = [0] * n
        for i in hits:
            item_lowercase = lows[i]
            if item_lowercase == "kind" and i < n - 1 and lows[i + 1] == "of":
                continue
            valence = lex[item_lowercase]
            if has_no:
                if item_lowercase == "no" and i != n - 1 and lows[i + 1] in lex:
                    valence = 0.0
                if (
                    (i > 0 and lows[i - 1] == "no")
                    or (i > 1 and lows[i - 2] == "no")
                    or (i > 2 and lows[i - 3] == "no" and lows[i - 1] in ("or", "nor"))
                ):
                    valence = lex[item_lowercase] * n_scalar
            if is_cap_diff and words[i].isupper():
                if valence > 0:
                    valence += c_incr
                else:
                    valence -= c_incr
            # The three words before the item: boosters, negations, idioms.
            if i > 0:
                before = lows[i - 1]
                if before not in lex:
                    s = (scalar(words[i - 1], before, valence, is_cap_diff)
                         if before in boosters else 0.0)
                    valence = valence + s
                    if before in negations or "n't" in before:
                        valence = valence * n_scalar
            if i > 1:
                before = lows[i - 2]
                if before not in lex:
                    s = (scalar(words[i - 2], before, valence, is_cap_diff)
                         if before in boosters else 0.0)
                    if s != 0:
                        s = s * 0.95
                    valence = valence + s
                    if before == "never" and lows[i - 1] in _SO_THIS:
                        valence = valence * 1.25
                    elif before == "without" and lows[i - 1] == "doubt":
                        pass
                    elif before in negations or "n't" in before:
                        valence = valence * n_scalar
            if i > 2:
                before = lows[i - 3]
                if before not in lex:
                    s = (scalar(words[i - 3], before, valence, is_cap_diff)
                         if before in boosters else 0.0)
                    if s != 0:
                        s = s * 0.9
                    valence = valence + s
                    # The package's `a and b or c`: "so"/"this" right before the item
                    # amplifies on its own.
                    if (before == "never" and lows[i - 2] in _SO_THIS) or (
                        lows[i - 1] in _SO_THIS
                    ):
                        valence = valence * 1.25
                    elif before == "without" and (
                        lows[i - 2] == "doubt" or lows[i - 1] == "doubt"
                    ):
                        pass
                    elif before in negations or "n't" in before:
                        valence = valence * n_scalar
                    if idioms_possible:
                        valence = _special_idioms_check(valence, lows, i)
            if has_least:
                if i > 1 and lows[i - 1] not in lex and lows[i - 1] == "least":
                    if lows[i - 2] != "at" and lows[i - 2] != "very":
                        valence = valence * n_scalar
                elif i > 0 and lows[i - 1] not in lex and lows[i - 1] == "least":
                    valence = valence * n_scalar
            sentiments[i] = valence

        if "but" in lows:
            sentiments = _but_check(lows, sentiments)

        # score_valence
        sum_s = float(sum(sentiments))
        ep_count = text.count("!")
        if ep_count > 4:
            ep_count = 4
        ep_amplifier = ep_count * 0.292
        qm_count = text.count("?")
        qm_amplifier: float = 0
        if qm_count > 1:
            qm_amplifier = qm_count * 0.18 if qm_count <= 3 else 0.96
        punct_emph_amplifier = ep_amplifier + qm_amplifier
        if sum_s > 0:
            sum_s += punct_emph_amplifier
        elif sum_s < 0:
            sum_s -= punct_emph_amplifier
        compound = normalize(sum_s)

        # _sift_sentiment_scores, visiting only the positions that can be non-zero (the
        # `but` rule only rescales values, and 0 stays 0), in the same order.
        pos_sum = 0.0
        neg_sum = 0.0
        neu_count = n - len(hits)
        for i in hits:
            sentiment_score = sentiments[i]
            if sentiment_score > 0:
                pos_sum += float(sentiment_score) + 1
            elif sentiment_score < 0:
                neg_sum += float(sentiment_score) - 1
            else:
                neu_count += 1
        if pos_sum > fabs(neg_sum):
            pos_sum += punct_emph_amplifier
        elif pos_sum < fabs(neg_sum):
            neg_sum -= punct_emph_amplifier
        total = pos_sum + fabs(neg_sum) + neu_count
        return (
            round(compound, 4),
            round(fabs(pos_sum / total), 3),
            round(fabs(neu_count / total), 3),
            round(fabs(neg_sum / total), 3),
        )

    return score_text


@lru_cache(maxsize=1)
def _score_text() -> Callable[[str], Row]:
    # One compiled scorer per process; forked workers inherit the parent's.
    return _compile(VaderLexicon.load())


def _score_rows(texts: Sequence[str]) -> np.ndarray:
    """Return an (n, 4) float64 array: compound, pos, neu, neg per text."""
    flat = chain.from_iterable(map(_score_text(), texts))
    return np.fromiter(flat, dtype=np.float64, count=4 * len(texts)).reshape(len(texts), 4)


def _scores(rows: np.ndarray) -> SentimentScores:
    return SentimentScores(
        compound=rows[:, 0].copy(), pos=rows[:, 1].copy(), neu=rows[:, 2].copy(),
        neg=rows[:, 3].copy(),
    )


def _chunks(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(texts), size):
        yield list(texts[start:start + size])


class VaderScorer:
    """VADER 3.3.2 sentiment, identical to `polarity_scores` and much faster.

    Batches of at least `parallel_min_texts` texts are split into chunks scored by
    `workers` processes (default: min(2, CPU count)); the pool starts on the first such
    batch and lives until `close()` (or the end of a `with` block). Workers are forked
    where the platform allows it, so they start in milliseconds with the lexicon already
    loaded (forking is fine here: workers only run this module's pure-Python code).
    `workers=1` keeps everything in-process.

    Raises ValueError when `workers` < 1, and RuntimeError when the installed
    vaderSentiment is not 3.3.2.
    """

    model_version = f"vader-{VADER_VERSION}"

    def __init__(self, workers: int | None = None,
                 parallel_min_texts: int = PARALLEL_MIN_TEXTS) -> None:
        if workers is not None and workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers if workers is not None else min(2, os.cpu_count() or 1)
        self.parallel_min_texts = parallel_min_texts
        self._pool: ProcessPoolExecutor | None = None
        _score_text()  # load the lexicon now: fail early, and before any fork

    def score(self, texts: Sequence[str]) -> SentimentScores:
        """Return VADER's compound/pos/neu/neg for each text (each a str), in input
        order."""
        if self.workers < 2 or len(texts) < self.parallel_min_texts:
            return _scores(_score_rows(texts))
        size = max(MIN_CHUNK_TEXTS, -(-len(texts) // (self.workers * CHUNKS_PER_WORKER)))
        pool = self._executor()
        parts = list(pool.map(_score_rows, _chunks(texts, size)))
        return _scores(np.concatenate(parts))

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            methods = multiprocessing.get_all_start_methods()
            context = multiprocessing.get_context("fork" if "fork" in methods else None)
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        return self._pool

    def close(self) -> None:
        """Stop the worker processes, if any were started (scoring restarts them)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> VaderScorer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __getstate__(self) -> dict[str, Any]:
        # A pool cannot be pickled; a copy starts its own when it needs one.
        return {**self.__dict__, "_pool": None}


class ReferenceVaderScorer:
    """The vaderSentiment package itself, one `polarity_scores` call per text (slow;
    the baseline the tests and the benchmark compare VaderScorer with)."""

    model_version = f"vader-{VADER_VERSION}-reference"

    def __init__(self) -> None:
        self._analyzer = _vs.SentimentIntensityAnalyzer()

    def score(self, texts: Sequence[str]) -> SentimentScores:
        """Return polarity_scores' compound/pos/neu/neg for each text, in input order."""
        polarity_scores = self._analyzer.polarity_scores
        rows = [polarity_scores(text) for text in texts]
        return SentimentScores(
            compound=[r["compound"] for r in rows], pos=[r["pos"] for r in rows],
            neu=[r["neu"] for r in rows], neg=[r["neg"] for r in rows],
        )


def default_scorer() -> SentimentScorer:
    """Return the scorer used when none is configured: a `VaderScorer`."""
    return VaderScorer()
