/**
 * The page script of every report (a constant, so its CSP hash is constant). It reads the page's JSON
 * (`#fastface-page`: charts, the data store, downloadable tables) and:
 * - draws each chart when it scrolls into view (or its folded section opens), one per task, with vega-embed
 *   under vega-interpreter (no eval), then the charts within 600 px of the screen, ahead of the reader;
 *   `body[data-charts-ready]` marks the moment the charts visible at load are
 *   drawn, `body[data-charts-drawn]` counts drawn charts; `#all` in the URL draws every chart at once (folded
 *   ones too), printing also opens every folded section;
 * - puts each chart's data (stored once per page, column by column) back into its compiled Vega spec;
 * - links the x zoom/pan of charts that share a `link` (their `zoom_step` / `zoom_x` signals, while both show
 *   steps on x);
 * - fills each chart's hover readout (step, loss, smoothed loss, LR ... at the hovered step) from the stored
 *   data, with textContent only;
 * - makes the download links (Vega-Lite spec with its data, tables as CSV or JSON) as blob: URLs on first use.
 */
export const BOOT = `(function () {
  "use strict";
  var page = JSON.parse(document.getElementById("fastface-page").textContent);
  var store = page.data;
  var body = document.body;
  var options = {
    ast: true,
    expr: globalThis.vegaInterpreter.expressionInterpreter,
    mode: "vega",
    renderer: "svg",
    defaultStyle: false,
    forceActionsMenu: true,
    tooltip: { disableDefaultStyle: true },
    actions: { export: true, source: false, compiled: false, editor: false }
  };
  body.setAttribute("data-boot", String(Math.round(performance.now())));

  function rows(name) {
    var d = store[name];
    if (!d) return [];
    var n = d.values.length ? d.values[0].length : 0;
    var out = new Array(n);
    for (var i = 0; i < n; i++) {
      var r = {};
      for (var j = 0; j < d.columns.length; j++) r[d.columns[j]] = d.values[j][i];
      out[i] = r;
    }
    return out;
  }
  function column(name, field) {
    var d = store[name];
    var j = d ? d.columns.indexOf(field) : -1;
    return j < 0 ? [] : d.values[j];
  }
  function blobLink(link, make) {
    link.addEventListener("click", function () {
      if (link.getAttribute("href") !== "#") return;
      var b = make();
      link.href = URL.createObjectURL(new Blob([b.text], { type: b.type }));
    });
  }

  // ---- downloads -------------------------------------------------------------------------------------
  function specWithData(chart) {
    var out = {};
    for (var k in chart.spec) out[k] = chart.spec[k];
    if (chart.names.length) {
      out.datasets = {};
      chart.names.forEach(function (n) { out.datasets[n] = rows(n); });
    }
    return out;
  }
  function csvCell(v) {
    if (v === null || v === undefined) return "";
    var s = String(v);
    // a spreadsheet would run a text cell starting with = + - @ as a formula
    if (typeof v === "string" && /^[=+\\-@\\t\\r]/.test(s)) s = "'" + s;
    return /[",\\r\\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  document.querySelectorAll("a.download[data-table]").forEach(function (link) {
    var t = page.tables[link.getAttribute("data-table")];
    if (!t) return;
    var fmt = link.getAttribute("data-format");
    blobLink(link, function () {
      if (fmt === "csv") {
        var lines = [t.columns.map(csvCell).join(",")];
        t.rows.forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
        return { text: lines.join("\\r\\n") + "\\r\\n", type: "text/csv" };
      }
      var objs = t.rows.map(function (r) {
        var o = {};
        t.columns.forEach(function (c, j) { o[c] = r[j]; });
        return o;
      });
      return { text: JSON.stringify(objs, null, 2) + "\\n", type: "application/json" };
    });
  });

  // ---- hover readout ---------------------------------------------------------------------------------
  function fmt(v, how) {
    if (v === null || v === undefined || (typeof v === "number" && !isFinite(v))) return "–";
    if (typeof v !== "number") return String(v);
    if (how === "int") return Math.round(v).toLocaleString("en-US");
    if (how === "hours") return (v < 10 ? v.toFixed(2) : v.toFixed(1)) + " h";
    var a = Math.abs(v);
    return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
  }
  function search(xs, s, hold) {
    var lo = 0, hi = xs.length - 1;
    if (hi < 0) return -1;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (xs[mid] <= s) lo = mid; else hi = mid - 1;
    }
    if (hold) return xs[lo] <= s ? lo : -1;
    if (lo + 1 < xs.length && Math.abs(xs[lo + 1] - s) < Math.abs(xs[lo] - s)) return lo + 1;
    return lo;
  }
  function wireReadout(chart, fig, view) {
    var r = chart.readout;
    var out = fig.querySelector(".readout");
    if (!r || !out) return;
    var series = r.items.map(function (it) {
      var xs = column(it.data, r.field), rowsOf = null;
      if (it.where) {
        var keys = Object.keys(it.where), fx = [];
        var cols = keys.map(function (k) { return column(it.data, k); });
        rowsOf = [];
        for (var i = 0; i < xs.length; i++) {
          var ok = true;
          for (var j = 0; j < keys.length; j++) if (cols[j][i] !== it.where[keys[j]]) ok = false;
          if (ok) { fx.push(xs[i]); rowsOf.push(i); }
        }
        xs = fx;
      }
      return { it: it, xs: xs, rowsOf: rowsOf };
    });
    function valueAt(x, i, view) {
      if (i < 0) return null;
      var f = x.it.fieldSignal ? view.signal(x.it.fieldSignal) : x.it.field;
      return column(x.it.data, f)[x.rowsOf ? x.rowsOf[i] : i];
    }
    var hint = out.textContent;
    view.addSignalListener(r.param, function (_, sel) {
      var s = sel && sel[r.field] ? sel[r.field][0] : null;
      out.textContent = "";
      if (s === null || s === undefined) { out.textContent = hint; return; }
      var first = document.createElement("span");
      first.className = "item";
      first.textContent = r.field + " " + fmt(s, "int");
      out.appendChild(first);
      series.forEach(function (x) {
        var i = search(x.xs, s, x.it.mode === "hold");
        var span = document.createElement("span");
        span.className = "item";
        var k = document.createElement("span");
        k.className = "k";
        k.textContent = x.it.label;
        span.appendChild(k);
        span.appendChild(document.createTextNode(" " + fmt(valueAt(x, i, view), x.it.format)));
        out.appendChild(span);
      });
    });
  }

  // ---- linked zoom -----------------------------------------------------------------------------------
  var groups = {};
  function hasSignal(view, name) {
    try { view.signal(name); return true; } catch (e) { return false; }
  }
  function stepMode(view) {
    return !hasSignal(view, "xmode") || view.signal("xmode") === "step";
  }
  function same(a, b) {
    if (!a || !b) return !a && !b;
    return a.length === b.length && a[0] === b[0] && a[a.length - 1] === b[b.length - 1];
  }
  function wireLink(chart, view) {
    if (!chart.link) return;
    var sig = hasSignal(view, "zoom_step") ? "zoom_step" : hasSignal(view, "zoom_x") ? "zoom_x" : null;
    if (!sig) return;
    var g = groups[chart.link] || (groups[chart.link] = { members: [], domain: null });
    var me = { view: view, sig: sig };
    g.members.push(me);
    view.addSignalListener(sig, function (_, dom) {
      if (!stepMode(view)) return;
      g.domain = dom;
      g.members.forEach(function (o) {
        if (o === me || !stepMode(o.view) || same(o.view.signal(o.sig), dom)) return;
        o.view.signal(o.sig, dom).runAsync();
      });
    });
    if (g.domain && stepMode(view)) view.signal(sig, g.domain).runAsync();
  }

  // ---- drawing ---------------------------------------------------------------------------------------
  var charts = page.charts;
  var queue = [];
  var busy = false;
  var settled = false;
  var looked = false; // the on-screen observer has reported at least once
  var drawn = 0;
  function fill(vega) {
    (vega.data || []).forEach(function (d) {
      if (!d.source && !d.values && !d.url && store[d.name]) d.values = rows(d.name);
    });
    return vega;
  }
  function render(chart) {
    var fig = document.getElementById(chart.domId);
    var vis = fig.querySelector(".vis");
    var t0 = performance.now();
    var done = chart.vega === null
      ? Promise.reject(new Error(chart.error))
      : globalThis.vegaEmbed(vis, fill(chart.vega), options);
    return done.then(function (res) {
      vis.style.minHeight = "";
      fig.setAttribute("data-rendered", "true");
      fig.setAttribute("data-draw-ms", String(Math.round(performance.now() - t0)));
      wireReadout(chart, fig, res.view);
      wireLink(chart, res.view);
    }, function (err) {
      var p = document.createElement("p");
      p.className = "error";
      p.textContent = "This chart could not be rendered: " + (err && err.message ? err.message : String(err));
      vis.appendChild(p);
      fig.setAttribute("data-rendered", "error");
      console.error(err);
    }).then(function () {
      drawn++;
      body.setAttribute("data-charts-drawn", String(drawn));
    });
  }
  function pump() {
    if (busy) return;
    var chart = queue.shift();
    if (!chart) {
      if (!looked) return;
      if (!settled) {
        settled = true;
        body.setAttribute("data-charts-ready", String(Math.round(performance.now())));
      }
      while (soon.length && soon[0].queued) soon.shift();
      if (!soon.length) return;
      chart = soon.shift();
      chart.queued = true;
    }
    busy = true;
    render(chart).then(function () {
      busy = false;
      setTimeout(pump, 0);
    });
  }
  // two queues: charts on screen first (they decide data-charts-ready), then those about to scroll in
  var soon = [];
  function request(chart, later) {
    if (chart.queued) return;
    if (later) {
      if (soon.indexOf(chart) < 0) soon.push(chart);
      return;
    }
    chart.queued = true;
    queue.push(chart);
  }
  var byId = {};
  charts.forEach(function (c) {
    byId[c.domId] = c;
    var fig = document.getElementById(c.domId);
    var link = fig.querySelector("a.download[data-spec]");
    blobLink(link, function () {
      return { text: JSON.stringify(specWithData(c), null, 2) + "\\n", type: "application/json" };
    });
    if (c.height) fig.querySelector(".vis").style.minHeight = c.height + "px";
  });
  function all() {
    looked = true;
    charts.forEach(function (c) { request(c, false); });
    pump();
  }
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
    all();
  });
  if (location.hash === "#all" || typeof IntersectionObserver !== "function") {
    all();
  } else {
    var watch = function (margin, later) {
      var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (e.isIntersecting) {
            request(byId[e.target.id], later);
            io.unobserve(e.target);
          }
        });
        if (!later) looked = true;
        pump();
      }, { rootMargin: margin });
      charts.forEach(function (c) { io.observe(document.getElementById(c.domId)); });
    };
    watch("0px", false);
    watch("600px 0px", true);
    if (!charts.length) {
      looked = true;
      pump();
    }
  }
})();
`;
