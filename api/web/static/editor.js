// The dashboard editor: widgets on the 12-column grid, moved and resized with buttons or
// number fields (keyboard friendly), added from a form, saved with PUT /v1/dashboards/{id}.
"use strict";

(function () {
  const root = document.getElementById("editor");
  if (!root) return;
  const COLUMNS = Number(root.dataset.columns);
  const dashboardId = root.dataset.dashboard;
  const spec = JSON.parse(document.getElementById("spec").textContent);
  const grid = document.getElementById("editor-grid");
  const template = document.getElementById("cell-template");

  const clamp = (value, low, high) => Math.max(low, Math.min(high, value));

  function place(cell, position) {
    cell.style.gridColumn = `${position.x + 1} / span ${position.w}`;
    cell.style.gridRow = `${position.y + 1} / span ${position.h}`;
  }

  function fit(position) {
    position.w = clamp(position.w, 1, COLUMNS);
    position.x = clamp(position.x, 0, COLUMNS - position.w);
    position.y = clamp(position.y, 0, 1000);
    position.h = clamp(position.h, 1, 24);
  }

  function draw() {
    grid.replaceChildren();
    spec.widgets.forEach((widget, index) => {
      widget.position = Object.assign({ x: 0, y: 0, w: 6, h: 4 }, widget.position || {});
      const cell = template.content.firstElementChild.cloneNode(true);
      cell.dataset.widget = widget.id;
      cell.querySelector(".title").textContent = widget.title;
      cell.querySelector(".what").textContent = `${widget.kind} · ${widget.source}`;
      for (const input of cell.querySelectorAll("input[data-field]")) {
        const field = input.dataset.field;
        input.id = `${widget.id}-${field}`;
        input.previousElementSibling.htmlFor = input.id;
        input.value = widget.position[field];
        input.addEventListener("change", () => {
          widget.position[field] = Number(input.value);
          fit(widget.position);
          draw();
          grid.querySelector(`[data-widget="${widget.id}"] [data-field="${field}"]`)?.focus();
        });
      }
      for (const button of cell.querySelectorAll("button[data-move]")) {
        const [field, step] = button.dataset.move.split(":");
        button.setAttribute("aria-label", `${button.title} ${widget.title}`);
        button.addEventListener("click", () => {
          widget.position[field] += Number(step);
          fit(widget.position);
          draw();
          grid.querySelector(`[data-widget="${widget.id}"] [data-move="${button.dataset.move}"]`)?.focus();
        });
      }
      const params = cell.querySelector("textarea");
      params.id = `${widget.id}-params`;
      params.previousElementSibling.htmlFor = params.id;
      params.value = JSON.stringify(widget.params || {}, null, 1);
      params.addEventListener("change", () => {
        try { widget.params = JSON.parse(params.value); params.setCustomValidity(""); }
        catch (error) { params.setCustomValidity("Not valid JSON"); params.reportValidity(); }
      });
      cell.querySelector("button.remove").addEventListener("click", () => {
        spec.widgets.splice(index, 1);
        draw();
      });
      place(cell, widget.position);
      grid.append(cell);
    });
  }

  function slug(text) {
    const base = text.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "").slice(0, 30) || "widget";
    let id = /^[a-z0-9]/.test(base) ? base : `w${base}`;
    let n = 2;
    while (spec.widgets.some((w) => w.id === id)) id = `${base}_${n++}`;
    return id;
  }

  function paramsFrom(form) {
    const source = form.source.value;
    if (source === "metric") return { metric_id: Number(form.metric_id.value) };
    if (source === "trends") {
      const events = form.events.value.split(",").map((s) => s.trim()).filter(Boolean);
      const params = { series: events.map((event) => ({ event, math: form.math.value })),
                       interval: form.interval.value };
      if (form.formula.value.trim()) params.formula = form.formula.value.trim();
      return params;
    }
    return form.params.value.trim() ? JSON.parse(form.params.value) : {};
  }

  document.getElementById("add-widget").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    let params;
    try { params = paramsFrom(form); }
    catch (error) { window.sightline.toast("Parameters are not valid JSON.", true); return; }
    const bottom = Math.max(0, ...spec.widgets.map((w) => (w.position?.y || 0) + (w.position?.h || 4)));
    spec.widgets.push({ id: slug(form.title.value), title: form.title.value, kind: form.kind.value,
                        source: form.source.value, params,
                        position: { x: 0, y: bottom, w: Number(form.w.value), h: 4 } });
    draw();
    window.sightline.toast(`Added “${form.title.value}”. Save to keep it.`);
  });

  document.getElementById("add-source").addEventListener("change", (event) => {
    const source = event.target.value;
    for (const part of document.querySelectorAll("[data-for-source]")) {
      const sources = part.dataset.forSource.split(" ");
      part.hidden = !(sources.includes(source) || (sources.includes("other") && !["trends", "metric"].includes(source)));
    }
  });

  document.getElementById("save").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    spec.name = form.name.value;
    spec.description = form.description.value;
    try {
      await window.sightline.api("PUT", `/v1/dashboards/${dashboardId}`, spec);
      location.assign(`/dashboards/${dashboardId}`);
    } catch (error) {
      window.sightline.toast(error.message, true);
    }
  });

  draw();
})();
