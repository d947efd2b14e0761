"""Scenario templates: parse a YAML library of scenarios, and look up the shipped one
(`scenario_library.yaml`, package data read through importlib.resources; the engine does
no other I/O)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from simulations.models import Scenario, SimulationError

LIBRARY_RESOURCE = "scenario_library.yaml"


def _describe_errors(error: ValidationError) -> str:
    # "market.market_size: market_size must be a positive amount (got -5.0)"; the
    # model-level checks have no location, so only their message is shown.
    parts = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)


def parse_scenario_library(text: str) -> list[Scenario]:
    """Parse a scenario library: YAML with a `scenarios:` list (or a bare list) of
    Scenario mappings. Returns the validated scenarios in order.

    Raises SimulationError naming the entry (number and name) and the field for invalid
    YAML, a wrong shape, an invalid scenario, or a repeated name.
    """
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SimulationError(f"scenario library is not valid YAML: {exc}") from exc
    entries = data.get("scenarios") if isinstance(data, dict) else data
    if not isinstance(entries, list) or not entries:
        raise SimulationError(
            "scenario library must be a non-empty list of scenarios, "
            "or a mapping with a non-empty 'scenarios' list"
        )
    scenarios: list[Scenario] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise SimulationError(
                f"scenario library entry {number} must be a mapping, not {type(entry).__name__}"
            )
        label = f"scenario library entry {number} ({entry.get('name', 'unnamed')!r})"
        try:
            scenario = Scenario.model_validate(entry)
        except ValidationError as exc:
            raise SimulationError(f"{label}: {_describe_errors(exc)}") from exc
        key = scenario.name.casefold()
        if key in seen:
            raise SimulationError(f"{label}: repeats the name of entry {seen[key]}")
        seen[key] = number
        scenarios.append(scenario)
    return scenarios


def library_text() -> str:
    """The YAML text of the shipped scenario library."""
    return resources.files("simulations").joinpath(LIBRARY_RESOURCE).read_text(encoding="utf-8")


@cache
def _templates() -> tuple[Scenario, ...]:
    return tuple(parse_scenario_library(library_text()))


def templates() -> list[Scenario]:
    """The shipped scenario templates, validated (Scenario is immutable, so they are
    parsed once and shared)."""
    return list(_templates())


def template_names() -> list[str]:
    """Names of the shipped templates, in library order."""
    return [s.name for s in _templates()]


def get_template(name: str) -> Scenario:
    """The shipped template called `name` (case-insensitive).

    Raises KeyError listing the available names.
    """
    for scenario in _templates():
        if scenario.name.casefold() == name.casefold():
            return scenario
    raise KeyError(f"no scenario template {name!r}; available: {', '.join(template_names())}")
