"""Market baselines measured in the marts, applied to a scenario (pure; no I/O).

Share of voice covers only the brands a tenant tracks, while a scenario's shares cover
the whole market ("others" hold the rest). So measured shares *redistribute* the
combined share the scenario gives to the companies that match a tracked brand, in
proportion to their share of voice; unmatched companies and "others" keep theirs.
Brand names match case-insensitively ("Acme" in the marts is `acme` in a template).
"""

from __future__ import annotations

from collections.abc import Mapping

from simulations.models import Scenario

# Floor for a matched company with no voice at all: the market model needs a share > 0.
MIN_SHARE = 0.005


def baseline_shares(scenario: Scenario, share_of_voice: Mapping[str, float]) -> dict[str, float]:
    """New market shares for the scenario's companies that match a brand in
    `share_of_voice` ({brand: share}); {} when fewer than two companies match (one brand
    alone says nothing about relative position)."""
    voice = {brand.casefold(): share for brand, share in share_of_voice.items()}
    matched = [c for c in scenario.companies if c.casefold() in voice]
    if len(matched) < 2:
        return {}
    mass = sum(scenario.market.shares[c] for c in matched)
    weights = {c: max(voice[c.casefold()], 0.0) for c in matched}
    total = sum(weights.values())
    if total <= 0:
        return {}
    shares = {c: max(mass * w / total, MIN_SHARE) for c, w in weights.items()}
    excess = sum(shares.values()) - mass  # floors may push the sum past the mass
    if excess > 0:
        top = max(shares, key=shares.__getitem__)
        shares[top] -= excess
    return shares


def apply_baseline(scenario: Scenario, share_of_voice: Mapping[str, float]
                   ) -> tuple[Scenario, str]:
    """(scenario with measured shares, "share_of_voice"), or (scenario, "scenario") when
    the marts have nothing that matches."""
    shares = baseline_shares(scenario, share_of_voice)
    if not shares:
        return scenario, "scenario"
    return scenario.with_baseline_shares(shares), "share_of_voice"
