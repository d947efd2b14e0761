"""Analytics semantics shared by the marts and the API (DESIGN §6)."""

from warehouse.semantics.funnels import (
    FunnelExclusion,
    FunnelOrder,
    FunnelResult,
    FunnelSpec,
    FunnelStepResult,
    WindowUnit,
    compute_funnel,
    compute_funnel_by_entry_day,
    funnel_event_names,
)

__all__ = [
    "FunnelExclusion",
    "FunnelOrder",
    "FunnelResult",
    "FunnelSpec",
    "FunnelStepResult",
    "WindowUnit",
    "compute_funnel",
    "compute_funnel_by_entry_day",
    "funnel_event_names",
]
