// The dashboard page: renders each SSE snapshot from /dashboard/events. Every value goes in through textContent,
// never as HTML, so names and reasons from the cluster cannot inject markup.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const spark = [];

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return e;
  }

  function badge(state) { return el("span", { class: "state " + state }, state); }

  function bar(fraction) {
    const inner = el("div");
    inner.style.width = Math.max(0, Math.min(100, fraction * 100)).toFixed(1) + "%";
    return el("div", { class: "bar" }, inner);
  }

  function bytes(n) {
    if (n == null) return "?";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function rate(x) { return x >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2); }
  function ms(x) { return x == null ? "–" : x >= 1000 ? (x / 1000).toFixed(2) + " s" : x.toFixed(0) + " ms"; }
  function age(s) { return s == null ? "never passed" : s < 90 ? s.toFixed(0) + " s ago" : (s / 60).toFixed(0) + " min ago"; }

  function fill(tableId, rows, columns) {
    const body = $(tableId).tBodies[0];
    body.replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { class: "empty", colspan: String(columns) }, "none"))]));
  }

  function render(s) {
    $("model").textContent = s.model;
    $("updated").textContent = "updated " + new Date(s.at).toLocaleTimeString();
    const live = s.live;
    $("rps").textContent = rate(live.requests_per_second);
    $("tps").textContent = rate(live.tokens_per_second);
    $("ttft50").textContent = ms(live.ttft_p50_ms);
    $("ttft99").textContent = ms(live.ttft_p99_ms);
    $("kv").textContent = (live.kv_usage * 100).toFixed(1) + " %";
    $("kv-bar").style.width = (live.kv_usage * 100).toFixed(1) + "%";
    $("queue").textContent = live.running + " / " + live.waiting;
    $("window").textContent = live.rate_seconds.toFixed(0);
    spark.push(live.tokens_per_second);
    if (spark.length > 60) spark.shift();
    const top = Math.max(1, ...spark);
    $("tps-spark").firstElementChild.setAttribute("points",
      spark.map((v, i) => (i * 120 / 59).toFixed(1) + "," + (23 - 22 * v / top).toFixed(1)).join(" "));

    const err = $("cluster-error");
    if (s.cluster_error) {
      err.hidden = false;
      err.textContent = "cluster view " + (s.cluster_age_seconds == null ? "unavailable" : "from " + s.cluster_age_seconds.toFixed(0) + " s ago") + ": " + s.cluster_error;
    } else {
      err.hidden = true;
    }

    const c = s.cluster;
    if (!c) return;
    $("cluster").textContent = c.cluster;
    fill("nodes", c.nodes.map((n) => el("tr", { "data-node": n.name, "data-state": n.state },
      el("td", {}, n.name, n.is_head ? el("span", { class: "head" }, "head") : ""),
      el("td", {}, badge(n.state)),
      el("td", {}, n.address),
      el("td", {}, ...(n.gpus.length ? n.gpus.map((g) => el("div", { class: "gpu", "data-gpu": String(g.index) },
        "GPU " + g.index + (g.virtual ? " (virtual)" : " " + g.name),
        bar(g.used_bytes == null ? 0 : g.used_bytes / Math.max(1, g.total_bytes)),
        bytes(g.used_bytes) + " / " + bytes(g.total_bytes))) : ["–"])))), 4);
    fill("deployments", c.deployments.map((d) => el("tr", { "data-deployment": d.name, "data-state": d.state },
      el("td", {}, d.name), el("td", {}, badge(d.state)), el("td", {}, d.reason),
      el("td", {}, age(d.canary_age_seconds)), el("td", {}, d.layout))), 5);
    const ranks = c.deployments.flatMap((d) => d.ranks.map((r) => el("tr", { "data-rank": d.name + "/" + r.rank, "data-state": r.state },
      el("td", {}, d.name), el("td", {}, r.rank), el("td", {}, r.node), el("td", {}, r.gpu), el("td", {}, badge(r.state)),
      el("td", {}, el("div", { class: "gpu" }, bar(r.load_percent / 100), r.load_percent.toFixed(0) + " %")))));
    fill("ranks", ranks, 6);
  }

  function connect() {
    const source = new EventSource("/dashboard/events");
    source.addEventListener("snapshot", (e) => {
      $("connection").textContent = "live";
      $("connection").dataset.connection = "live";
      render(JSON.parse(e.data));
    });
    source.onerror = () => {
      $("connection").textContent = "connection lost, retrying";
      $("connection").dataset.connection = "lost";
    };
  }

  connect();
})();
