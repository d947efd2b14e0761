"""Brands a tenant tracks, and the one place mentions are matched to them (DESIGN §7).

Matching is case-insensitive on word boundaries: "Acme" matches "acme's launch" and
"#AcmeCloud" (a hashtag), but not "acmeville". A mention may match several brands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Brand:
    """A company or competitor with the names people use for it."""

    name: str
    aliases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    is_company: bool = False  # True for the tenant's own company

    @cached_property
    def pattern(self) -> re.Pattern[str]:
        """Compiled matcher for the name, aliases and hashtags."""
        words = sorted({self.name, *self.aliases}, key=len, reverse=True)
        word_alts = "|".join(re.escape(w) for w in words)
        tag_alts = "|".join(re.escape(t.lstrip("#")) for t in self.hashtags)
        parts = [rf"(?<![\w#])(?:{word_alts})(?!\w)"]
        if tag_alts:
            parts.append(rf"#(?:{tag_alts})(?!\w)")
        return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True)
class TenantBrands:
    """A tenant's own company and its tracked competitors."""

    tenant_id: str
    brands: tuple[Brand, ...] = field(default_factory=tuple)

    @property
    def company(self) -> Brand:
        """The tenant's own brand."""
        return next(b for b in self.brands if b.is_company)


def match_brands(text: str, brands: tuple[Brand, ...] | list[Brand]) -> list[str]:
    """Return the names of the brands mentioned in `text`, in the order of `brands`."""
    return [brand.name for brand in brands if brand.pattern.search(text)]


DEMO_TENANTS: dict[str, TenantBrands] = {
    "acme": TenantBrands(
        "acme",
        (
            Brand("Acme", ("Acme Corp", "AcmeCloud"), ("acme", "acmecloud"), is_company=True),
            Brand("Globex", ("Globex Corporation",), ("globex",)),
            Brand("Initech", ("Initech Systems",), ("initech",)),
            Brand("Umbrella", ("Umbrella Corp",), ("umbrellacorp",)),
            Brand("Hooli", ("Hooli XYZ",), ("hooli",)),
        ),
    ),
    "globex": TenantBrands(
        "globex",
        (
            Brand("Globex", ("Globex Corporation",), ("globex",), is_company=True),
            Brand("Acme", ("Acme Corp", "AcmeCloud"), ("acme", "acmecloud")),
            Brand("Soylent", ("Soylent Co",), ("soylent",)),
            Brand("Stark", ("Stark Industries",), ("stark",)),
        ),
    ),
    "initech": TenantBrands(
        "initech",
        (
            Brand("Initech", ("Initech Systems",), ("initech",), is_company=True),
            Brand("Acme", ("Acme Corp",), ("acme",)),
            Brand("Hooli", ("Hooli XYZ",), ("hooli",)),
            Brand("Vandelay", ("Vandelay Industries",), ("vandelay",)),
        ),
    ),
}
