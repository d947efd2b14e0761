"""Knobs of the demo generator: volumes, seed and the injected crisis / launch story."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class DemoConfig:
    """What the demo world looks like; equal configs generate identical data.

    Volumes are per tenant and per weekday (weekends get `weekend_factor` of the events
    and a smaller dip in mentions). `crisis_day` / `launch_day` of None mean no crisis /
    no launch. `crisis_brand` None means each tenant's own company; `launch_brand` None
    means each tenant's first competitor. A named brand only affects tenants tracking it.
    """

    seed: int = 42
    mentions_per_day: int = 250
    new_visitors_per_day: int = 300
    crisis_day: date | None = None
    crisis_brand: str | None = None
    launch_day: date | None = None
    launch_brand: str | None = None
    # visit -> signup, signup -> activate, activate -> purchase
    funnel_rates: tuple[float, float, float] = (0.35, 0.6, 0.4)
    weekend_factor: float = 0.6
    max_cohort_age_days: int = 60

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")
        if self.mentions_per_day < 0 or self.new_visitors_per_day < 0:
            raise ValueError("mentions_per_day and new_visitors_per_day must be >= 0")
        if len(self.funnel_rates) != 3 or not all(0.0 <= r <= 1.0 for r in self.funnel_rates):
            raise ValueError(f"funnel_rates must be three rates in [0, 1], got {self.funnel_rates}")
        if not 0.0 < self.weekend_factor <= 1.0:
            raise ValueError(f"weekend_factor must be in (0, 1], got {self.weekend_factor}")
        if not 1 <= self.max_cohort_age_days <= 365:
            raise ValueError(
                f"max_cohort_age_days must be in [1, 365], got {self.max_cohort_age_days}"
            )

    @classmethod
    def for_window(cls, first_day: date, last_day: date, **overrides: Any) -> DemoConfig:
        """Return a config whose story fits the window [first_day, last_day].

        The crisis defaults to `last_day - 5 days` and the launch to `first_day + 7 days`,
        both clipped into the window; any field can be overridden (pass
        `crisis_day=None` to drop the crisis). Raises ValueError when the window is
        empty and TypeError on an unknown field.
        """
        if last_day < first_day:
            raise ValueError(f"empty window: last_day {last_day} is before first_day {first_day}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(f"unknown DemoConfig fields: {', '.join(unknown)}")

        def clip(day: date) -> date:
            return min(max(day, first_day), last_day)

        values: dict[str, Any] = {
            "crisis_day": clip(last_day - timedelta(days=5)),
            "launch_day": clip(first_day + timedelta(days=7)),
        }
        values.update(overrides)
        return cls(**values)
