// Yizhan console, the Coverage page (planners, admins): the headline walking-coverage
// figures as of a date (GET /api/v1/coverage; "not computed" offers POST
// /api/v1/coverage/runs), the targets and where each stands (GET /api/v1/coverage/trend),
// the data health (GET /api/v1/summary) and links to the report for the chosen date.
// Every text from data is set as a text node (Yizhan.el) or with textContent.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var KIND = {}, METRIC = {};
  config.kinds.forEach(function (t) { KIND[t.code] = t; });
  config.metrics.forEach(function (t) { METRIC[t.code] = t; });

  // The API with the session cookie; a 401 (the session ended) goes to the sign-in page.
  function api(method, url, body) {
    return Y.api(method, url, body, {}, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function pct(share) {
    return share === null || share === undefined ? "—" : (share * 100).toFixed(1) + "%";
  }

  function question() {
    return { as_of: $("cov-as-of").value, kind: $("cov-kind").value };
  }

  function query(q) {
    return "as_of=" + encodeURIComponent(q.as_of) + "&kind=" + encodeURIComponent(q.kind);
  }

  function network() {
    $("cov-error").textContent = "网络错误，请稍后再试 / network error, try again";
  }

  // ---------------------------------------------------------------- the figures
  function showFigures(data) {
    var s = data.summary;
    $("not-computed").hidden = true;
    $("figures").hidden = false;
    $("fig-key").textContent = pct(s.key_district_share);
    $("fig-street").textContent = pct(s.main_street_share);
    $("fig-stations").textContent = String(s.stations);
    $("fig-meta").textContent = "截至 " + s.as_of + " · 步行 " + s.distance_m + " 米 · " +
      s.mode_label + " / as of " + s.as_of + ", within " + s.distance_m + " m walking";
    $("fig-note").textContent = s.note ? s.note + (s.note_en ? " / " + s.note_en : "") : "";
  }

  function showNotComputed() {
    $("figures").hidden = true;
    $("fig-meta").textContent = "";
    $("fig-note").textContent = "";
    $("not-computed").hidden = false;
  }

  function loadFigures(q) {
    // The runs listing answers an empty list, not a 404, for a date not computed yet.
    return api("GET", "/api/v1/coverage/runs?" + query(q)).then(function (r) {
      if (r.status === 200 && r.data.length) { showFigures(r.data[0]); return; }
      if (r.status === 200) { showNotComputed(); return; }
      $("figures").hidden = true;
      $("cov-error").textContent = message(r.data, "无法读取覆盖率 / coverage could not be read");
    }, network);
  }

  function compute() {
    var q = question();
    var button = $("cov-compute");
    button.disabled = true;
    $("cov-error").textContent = "";
    $("status").textContent = "正在计算… / computing…";
    api("POST", "/api/v1/coverage/runs", { as_of: q.as_of, kind: q.kind }).then(function (r) {
      button.disabled = false;
      if (r.status === 200) {
        $("status").textContent = "已计算 " + q.as_of + " 的覆盖率 / coverage computed";
        showFigures(r.data);
        loadTargets(q);
        $("fig-key").focus();
        return;
      }
      $("status").textContent = "";
      $("cov-error").textContent = message(r.data, "计算失败 / computing failed");
    }, function () { button.disabled = false; $("status").textContent = ""; network(); });
  }

  // ---------------------------------------------------------------- targets
  function targetValue(t, value) {
    if (value === null || value === undefined) { return "—"; }
    return t.metric === "new_stations" ? value + " 座" : pct(value);
  }

  function targetRow(t) {
    var metric = METRIC[t.metric] || { zh: t.metric, en: "" };
    var projection = el("td", {}, [t.projection || ""]);
    if (t.projection_en) {
      projection.appendChild(el("br"));
      projection.appendChild(el("small", { lang: "en" }, [t.projection_en]));
    }
    if (t.reach_note) {
      projection.appendChild(el("div", { className: "warn" }, [
        t.reach_note + (t.reach_note_en ? " / " + t.reach_note_en : "")
      ]));
    }
    var name = el("td", {}, [metric.zh + " ", el("small", { lang: "en" }, [metric.en])]);
    // The target's note: for the default target (none stored, so Targets lists none) it
    // says it is the default.
    if (t.note) { name.appendChild(el("div", { className: "hint note" }, [t.note])); }
    return el("tr", { "data-metric": t.metric, "data-status": t.status }, [
      name,
      el("td", {}, [targetValue(t, t.value)]),
      el("td", {}, [t.deadline]),
      el("td", {}, [targetValue(t, t.current)]),
      el("td", {}, [el("span", { className: "badge badge-" + t.status }, [t.status_label])]),
      projection
    ]);
  }

  function loadTargets(q) {
    return api("GET", "/api/v1/coverage/trend?" + query(q)).then(function (r) {
      var body = $("cov-targets").querySelector("tbody");
      clear(body);
      if (r.status !== 200) {
        $("cov-error").textContent = message(r.data, "无法读取目标 / targets could not be read");
        return;
      }
      var all = r.data.targets.concat(r.data.count_targets);
      all.forEach(function (t) { body.appendChild(targetRow(t)); });
      $("cov-targets-empty").hidden = all.length > 0;
    }, network);
  }

  // ---------------------------------------------------------------- data health
  var LEVEL = { ok: "正常 ok", info: "提示 info", warn: "注意 warning" };

  function loadHealth() {
    return api("GET", "/api/v1/summary").then(function (r) {
      var list = $("health");
      clear(list);
      if (r.status !== 200) { return; }
      r.data.data_health.forEach(function (f) {
        list.appendChild(el("li", { className: "level-" + f.level, "data-key": f.key }, [
          el("span", { className: "badge" }, [LEVEL[f.level] || f.level]), " ", f.zh, " ",
          el("small", { lang: "en" }, [f.en])
        ]));
      });
    }, network);
  }

  // ---------------------------------------------------------------- the page
  function reportLinks(q) {
    $("report-link").setAttribute("href", config.report + "?" + query(q));
    $("report-xlsx").setAttribute("href", config.report + "?" + query(q) + "&format=xlsx");
  }

  function show() {
    var q = question();
    $("cov-error").textContent = "";
    $("status").textContent = "";
    if (!q.as_of) {
      $("cov-error").textContent = "请填写截至日期 / enter the as-of date";
      $("cov-as-of").focus();
      return;
    }
    reportLinks(q);
    loadFigures(q);
    loadTargets(q);
  }

  config.kinds.forEach(function (t) {
    $("cov-kind").appendChild(el("option", { value: t.code }, [t.zh + " " + t.en]));
  });
  $("cov-kind").value = KIND.love_station ? "love_station" : config.kinds[0].code;
  $("cov-as-of").value = config.today;
  $("fig-key").setAttribute("tabindex", "-1");
  $("cov-form").addEventListener("submit", function (ev) { ev.preventDefault(); show(); });
  $("cov-compute").addEventListener("click", compute);
  show();
  loadHealth();
}());
