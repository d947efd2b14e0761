"""The analytics rules the dbt project declares as `vars` in `dbt_project/dbt_project.yml`,
read by Python (the API's ad-hoc answers) so each rule has one definition.

The marts read the same vars through dbt (`var('…')`), so a rule changed there changes
both the marts and the API. Read once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"
ENGAGEMENT_METRICS = ("likes", "reposts", "replies")


@lru_cache(maxsize=1)
def project_vars() -> dict[str, Any]:
    """Every var of the dbt project."""
    return yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]


@dataclass(frozen=True)
class SocialRules:
    """DESIGN §7's numbers: engagement weights per platform (`default` for any other),
    the half-window trend and crisis thresholds, evidence posts per alert, and the
    influencer score's weights."""

    engagement_weights: dict[str, dict[str, int]]
    trend_threshold: Decimal
    crisis_change: Decimal
    warning_change: Decimal
    evidence_posts: int
    influencer_weights: dict[str, float]


@lru_cache(maxsize=1)
def social_rules() -> SocialRules:
    """The social rules of the dbt project."""
    v = project_vars()
    return SocialRules(
        engagement_weights={p: {m: int(w[m]) for m in ENGAGEMENT_METRICS}
                            for p, w in v["engagement_weights"].items()},
        trend_threshold=Decimal(str(v["sentiment_trend_threshold"])),
        crisis_change=Decimal(str(v["crisis_change"])),
        warning_change=Decimal(str(v["crisis_warning_change"])),
        evidence_posts=int(v["crisis_evidence_posts"]),
        influencer_weights={k: float(w) for k, w in v["influencer_score_weights"].items()},
    )


def reach_sql(prefix: str = "") -> str:
    """The reach expression (ClickHouse): the first of `vars.reach_columns` that is
    positive, else the last — the same CASE the dbt `reach` macro renders."""
    columns = [f"{prefix}{c}" for c in project_vars()["reach_columns"]]
    cases = " ".join(f"WHEN {c} > 0 THEN {c}" for c in columns[:-1])
    return f"CASE {cases} ELSE {columns[-1]} END"


def engagement_sql(platform: str, likes: str, reposts: str, replies: str) -> str:
    """The engagement expression over these columns (ClickHouse), from the weights: the
    same CASE the dbt `engagement` macro renders for DuckDB."""
    weights = social_rules().engagement_weights
    columns = {"likes": likes, "reposts": reposts, "replies": replies}

    def weighted(w: dict[str, int]) -> str:
        return " + ".join(f"{w[m]} * {columns[m]}" for m in ENGAGEMENT_METRICS)

    cases = " ".join(f"WHEN '{p}' THEN {weighted(w)}"
                     for p, w in weights.items() if p != "default")
    return f"CASE {platform} {cases} ELSE {weighted(weights['default'])} END"
