"""Brand matching edge cases (DESIGN §7): word boundaries, hashtags, case, several brands."""

from __future__ import annotations

import pytest

from ingestion.brands import Brand, match_brands

BRANDS = (
    Brand("Acme", ("Acme Corp", "AcmeCloud"), ("acme", "acmecloud"), is_company=True),
    Brand("Globex", ("Globex Corporation",), ("globex",)),
    Brand("Stark", ("Stark Industries",), ("stark",)),
)


@pytest.mark.parametrize(("text", "expected"), [
    ("Acme shipped a new dashboard", ["Acme"]),
    ("acme's pricing page is down", ["Acme"]),  # possessive: still a word boundary
    ("ACME CORP support is slow", ["Acme"]),  # case-insensitive alias
    ("moving to Acmeville next year", []),  # substring of another word
    ("the acmecorp.io domain", []),  # alias glued to other letters
    ("#AcmeCloud outage again", ["Acme"]),  # hashtag, any case
    ("#acmeish is not a tag of ours", []),  # hashtag prefix is not the hashtag
    ("Globex vs Acme: which one?", ["Acme", "Globex"]),  # several brands, in brand order
    ("Starkly different from Globex", ["Globex"]),  # 'Stark' inside 'Starkly'
    ("Stark Industries and #globex", ["Globex", "Stark"]),
    ("", []),
])
def test_match_brands(text: str, expected: list[str]) -> None:
    assert match_brands(text, BRANDS) == expected
