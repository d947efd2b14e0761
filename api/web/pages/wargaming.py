"""Wargaming pages: the templates (each runs with `POST /v1/wargaming/simulate` from its
form), the run history, and a run: its profit distribution (histogram with p10/p50/p90),
recommendations, paths and the top of its game tree."""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any

from fastapi import Path, Request
from fastapi.responses import Response

from api.dashboards.exports.charts import PALETTE, SCHEMA
from api.deps import Context
from api.errors import ApiProblem
from api.wargaming import service
from api.web.auth import SignedIn
from api.web.pages.common import in_thread, page_router
from api.web.templating import render
from simulations import templates as scenario_templates

router = page_router()
TREE_LEVELS = 3  # the page draws the tree's first levels; the API serves all of it
TREE_CHILDREN = 8  # most likely children shown per node


def histogram_spec(histogram: dict[str, list[float]], quantiles: dict[str, float],
                   title: str) -> dict[str, Any]:
    """A Vega-Lite histogram of pre-binned counts with rules at the quantiles."""
    edges, counts = histogram["edges"], histogram["counts"]
    bins = [{"start": edges[i], "end": edges[i + 1], "paths": counts[i]}
            for i in range(len(counts))]
    rules = [{"quantile": name, "value": value} for name, value in quantiles.items()]
    return {
        "$schema": SCHEMA, "title": title, "width": 480, "height": 240,
        "layer": [
            {"data": {"values": bins}, "mark": {"type": "bar", "color": PALETTE[0],
                                                "tooltip": True},
             "encoding": {"x": {"field": "start", "bin": {"binned": True}, "type": "quantitative",
                                "title": "profit change over 12 months"},
                          "x2": {"field": "end"},
                          "y": {"field": "paths", "type": "quantitative",
                                "title": "simulated paths"}}},
            {"data": {"values": rules}, "mark": {"type": "rule", "strokeWidth": 2,
                                                 "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "value", "type": "quantitative"},
                          "color": {"field": "quantile", "type": "nominal",
                                    "scale": {"range": PALETTE[1:4]}, "title": None}}}]}


def tree_levels(tree: dict[str, Any]) -> list[dict[str, Any]]:
    """The first TREE_LEVELS levels of the game tree as nested {node, children}, the most
    likely TREE_CHILDREN children of each node first."""
    children: dict[int | None, list[dict]] = defaultdict(list)
    for node in tree["nodes"]:
        if node["level"] < TREE_LEVELS:
            children[node["parent"]].append(node)

    def grow(node: dict) -> dict[str, Any]:
        kids = sorted(children.get(node["id"], []), key=lambda n: -n["probability"])
        return {"node": node, "more": max(0, len(kids) - TREE_CHILDREN),
                "children": [grow(kid) for kid in kids[:TREE_CHILDREN]]}

    return [grow(root) for root in children[None]]


def _not_found(exc: service.NotFound) -> ApiProblem:
    return ApiProblem(404, str(exc))


@router.get("/wargaming")
async def wargaming(request: Request, context: Context, identity: SignedIn) -> Response:
    runs = await in_thread(service.list_runs, context.db, identity.principal.tenant_id, 20, 0)
    return render(request, "wargaming/list.html", {
        "templates": [t.model_dump(mode="json") for t in scenario_templates()],
        "runs": runs}, identity)


@router.get("/wargaming/{run_id}")
async def run(run_id: Annotated[str, Path(max_length=64)], request: Request, context: Context,
              identity: SignedIn) -> Response:
    tenant = identity.principal.tenant_id
    try:
        detail = await in_thread(service.get_run, context.db, tenant, run_id)
        tree = await in_thread(service.run_tree, context.db, tenant, run_id)
    except service.NotFound as exc:
        raise _not_found(exc) from None
    result = detail.result
    profit = result["distributions"]["profit_change"]
    quantiles = {name: profit[name] for name in ("p10", "p50", "p90")}
    return render(request, "wargaming/run.html", {
        "run": detail, "result": result, "quantiles": quantiles,
        "histogram": histogram_spec(result["profit_histogram"], quantiles,
                                    "Profit change: distribution of simulated paths"),
        "tree": tree, "levels": tree_levels(tree), "tree_levels": TREE_LEVELS}, identity)
