"""Search queries built from a tenant's brands (names, aliases, hashtags)."""

from __future__ import annotations

from ingestion.brands import Brand


def _quoted(term: str) -> str:
    term = term.replace('"', "").strip()
    return f'"{term}"' if any(ch.isspace() for ch in term) else term


def search_query(brands: tuple[Brand, ...], *, hashtags: bool) -> str:
    """Return an OR-joined query for every name, alias and hashtag of `brands`.

    Multi-word terms are quoted. With `hashtags=True` (X) hashtags are kept as `#tag`;
    otherwise (Reddit, which has no hashtags) they become plain words. Terms are
    de-duplicated case-insensitively, keeping the first spelling. Over-matching is fine:
    `match_brands` decides which brands a post really mentions.
    """
    terms: list[str] = []
    seen: set[str] = set()
    for brand in brands:
        tags = [t.lstrip("#") for t in brand.hashtags]
        candidates = [brand.name, *brand.aliases]
        candidates += [f"#{t}" for t in tags] if hashtags else tags
        for candidate in candidates:
            term = _quoted(candidate)
            if term.strip('"') and term.lower() not in seen:
                seen.add(term.lower())
                terms.append(term)
    return " OR ".join(terms)
