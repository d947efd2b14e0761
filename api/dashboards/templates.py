"""Built-in dashboard templates: JSON files beside this module, each a spec with variables
(and never data). `instantiate` makes a dashboard spec from one."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from api.dashboards.spec import DashboardSpec, VariableValue, render_text
from api.errors import ApiProblem

TEMPLATES_DIR = Path(__file__).parent / "templates"


@cache
def builtin_templates() -> dict[str, dict[str, Any]]:
    """id → {id, title, description, variables (defaults), spec}, in title order."""
    found = [json.loads(path.read_text()) for path in sorted(TEMPLATES_DIR.glob("*.json"))]
    for template in found:  # a broken template is a bug: fail on first use, loudly
        DashboardSpec.model_validate({**template["spec"], "variables": template["variables"]})
    return {t["id"]: t for t in sorted(found, key=lambda t: t["title"])}


def instantiate(template_id: str, variables: dict[str, VariableValue],
                name: str | None = None) -> DashboardSpec:
    """The spec of a new dashboard from built-in template `template_id`, its variables
    set from `variables` over the template's defaults; `{{var}}` in the name is filled."""
    templates = builtin_templates()
    if template_id not in templates:
        raise ApiProblem(422, f"unknown template {template_id!r}; GET /v1/dashboards/templates "
                         f"lists them ({', '.join(templates)})", field="template")
    template = templates[template_id]
    unknown = sorted(set(variables) - set(template["variables"]))
    if unknown:
        raise ApiProblem(422, f"template {template_id!r} has no variable(s) {unknown}; it has "
                         f"{sorted(template['variables'])}", field="variables")
    values = {**template["variables"], **variables}
    title = name or render_text(template["spec"]["name"], values)
    return DashboardSpec.model_validate({**template["spec"], "name": title,
                                         "variables": values})
