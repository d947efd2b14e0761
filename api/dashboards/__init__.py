"""Dashboards: saved specs over the query runners, versions, forks, grants, templates."""
