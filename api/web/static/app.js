// Sightline web app: draws the pages' charts, sends forms to the API, adds the CSRF token.
// Plain script, no build step. Pages work without it except for charts and API forms.
"use strict";

(function () {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";

  function toast(text, isError) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.className = isError ? "show error" : "show";
    setTimeout(() => { box.className = ""; }, 6000);
  }

  // The API with the session cookie; changes carry the session's CSRF token.
  async function api(method, url, body) {
    const headers = { "Accept": "application/json", "X-CSRF-Token": csrf() };
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(url, init);
    if (response.status === 204) return null;
    const payload = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(payload.detail || `${response.status} ${response.statusText}`);
    return payload;
  }

  // Form fields → JSON. `name` may be dotted (a.b); data-type="number|json|list|bool".
  function formJson(form) {
    const out = {};
    for (const field of form.elements) {
      if (!field.name || field.disabled || field.dataset.skip !== undefined) continue;
      if ((field.type === "radio") && !field.checked) continue;
      let value = field.type === "checkbox" ? field.checked : field.value;
      const kind = field.dataset.type;
      if (value === "" && field.type !== "checkbox") continue;
      if (kind === "number") value = Number(value);
      else if (kind === "json") value = JSON.parse(value);
      else if (kind === "list") value = value.split(",").map((s) => s.trim()).filter(Boolean);
      const path = field.name.split(".");
      let node = out;
      path.slice(0, -1).forEach((key) => { node = node[key] = node[key] || {}; });
      node[path[path.length - 1]] = value;
    }
    return out;
  }

  function fill(template, data) {
    return template.replace(/\{(\w+)\}/g, (_, key) => encodeURIComponent(data?.[key] ?? ""));
  }

  // <form data-api="POST /v1/…" data-then="/dashboards/{id}|reload" data-show="#sel">
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!form.dataset.api) return;
    event.preventDefault();
    const [method, url] = form.dataset.api.split(" ");
    const button = form.querySelector("[type=submit]");
    if (button) button.disabled = true;
    try {
      const body = method === "DELETE" ? undefined : formJson(form);
      const answer = await api(method, url, body);
      const data = answer?.data;
      const then = form.dataset.then;
      if (form.dataset.show) {
        const target = document.querySelector(form.dataset.show);
        target.innerHTML = "";
        const text = fill(form.dataset.showText || "{url}", data);
        const link = document.createElement("a");
        link.href = decodeURIComponent(text);
        link.textContent = new URL(link.href, location.href).href;
        target.append(link);
        target.hidden = false;
      }
      if (then === "reload") location.reload();
      else if (then) location.assign(decodeURIComponent(fill(then, data)));
      else toast(form.dataset.done || "Saved.");
    } catch (error) {
      toast(error.message, true);
    } finally {
      if (button) button.disabled = false;
    }
  });

  // Charts: <script type="application/json" data-chart="target-id">{vega-lite spec}</script>
  window.sightlineCharts = {};
  async function drawCharts(root) {
    const specs = root.querySelectorAll('script[type="application/json"][data-chart]');
    await Promise.all(Array.from(specs, async (node) => {
      const target = document.getElementById(node.dataset.chart);
      if (!target || target.dataset.drawn) return;
      const spec = JSON.parse(node.textContent);
      spec.width = "container";
      if (target.closest(".widget")) spec.height = "container";  // fill the grid cell
      const result = await vegaEmbed(target, spec, { actions: false, renderer: "svg" });
      target.dataset.drawn = "1";
      window.sightlineCharts[node.dataset.chart] = result.view;
    }));
    document.body.dataset.chartsDrawn = String(Object.keys(window.sightlineCharts).length);
  }

  document.addEventListener("DOMContentLoaded", () => {
    drawCharts(document).catch((error) => toast(`A chart failed: ${error.message}`, true));
  });
  document.addEventListener("htmx:configRequest", (event) => {
    event.detail.headers["X-CSRF-Token"] = csrf();
  });
  // After a swap, draw what is new (an outerHTML swap's event target is the old element).
  document.addEventListener("htmx:afterSettle", () => {
    drawCharts(document).catch((error) => toast(`A chart failed: ${error.message}`, true));
  });

  window.sightline = { api, toast, formJson, drawCharts };
})();
