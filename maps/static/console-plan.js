// Yizhan console: the Plan page (planners, admins; issue 16). Runs a siting plan as a
// job (POST /api/v1/plans), polls it with a <progress> (waiting out 429s and lost
// connections), then shows its sites on a Leaflet map (basemap.js) and in a table in
// build order; each site can be dragged, moved by arrow keys or given new coordinates,
// and the moved set re-verified (POST /api/v1/plans/{id}/verify). Exports are links to
// GET /api/v1/plans/{id}/sites.{csv,xlsx}?crs=. Earlier runs are listed and can be
// opened again. Text from data is set as text nodes only (yz.js's el), never as HTML.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear;
  var config = Y.pageConfig("console-config");
  var when = Y.cityTime(config.timezone, "");
  var PLANS = "/api/v1/plans";
  var POLL_MS = 700;
  var MAX_WAIT_MS = 30000;
  var STAGES = {
    queued: ["排队中", "queued"],
    network: ["加载步行路网", "loading the walk network"],
    demand: ["计算未覆盖的需求", "finding the uncovered demand"],
    candidates: ["生成候选点及其可达范围", "candidate sites and their reach"],
    solving: ["求解", "solving"],
    verifying: ["核验覆盖率", "verifying the coverage"]
  };
  var ENDED = {
    succeeded: ["已完成", "done"], failed: ["失败", "failed"], cancelled: ["已取消", "cancelled"]
  };
  var STATES = {
    queued: "排队中 queued", running: "计算中 running", succeeded: "已完成 succeeded",
    failed: "失败 failed", cancelled: "已取消 cancelled"
  };

  var map = null, markers = null, pins = [], job = null, polling = null, pollId = 0;

  function toLogin() { window.location.assign("/console/login"); }

  function api(method, url, body) {
    return Y.api(method, url, body, undefined, { onUnauthorized: toLogin });
  }

  function pct(x) { return (x * 100).toFixed(2) + "%"; }

  function fillKinds() {
    config.kinds.forEach(function (k) {
      $("p-kind").appendChild(el("option", { value: k.code }, [k.zh + " " + k.en]));
    });
  }

  function mode() { return $("p-mode-k").checked ? "k" : "full"; }

  function syncMode() { $("p-k").disabled = mode() !== "k"; }

  // ---------------------------------------------------------------- asking

  function ask(ev) {
    ev.preventDefault();
    $("p-error").textContent = "";
    var body = {
      as_of: $("p-as-of").value,
      kind: $("p-kind").value,
      mode: mode(),
      time_limit: Number($("p-time").value),
      solver: $("p-solver").value
    };
    if (!body.as_of) { $("p-error").textContent = "请填写基准日期 / enter the as-of date"; $("p-as-of").focus(); return; }
    if (body.mode === "k") { body.k = Number($("p-k").value); }
    $("p-run").disabled = true;
    api("POST", PLANS, body).then(function (r) {
      $("p-run").disabled = false;
      if (r.status !== 202) {
        $("p-error").textContent = Y.message(r.data, "无法开始计算 / the plan could not start");
        return;
      }
      follow(r.data);
      loadRuns();
    }, function () {
      $("p-run").disabled = false;
      $("p-error").textContent = "无法连接服务器 / the server cannot be reached";
    });
  }

  // ---------------------------------------------------------------- polling

  function showProgress(j) {
    var stage = ENDED[j.state] || (j.state === "running" && j.stage ? STAGES[j.stage] : STAGES.queued);
    if (j.state === "running" && j.stage === "solving" && j.params) {
      stage = [stage[0] + "（时限 " + j.params.time_limit + " 秒）",
               stage[1] + " (time limit " + j.params.time_limit + " s)"];
    }
    var label = $("p-stage");
    clear(label);
    label.appendChild(document.createTextNode(stage[0] + " "));
    label.appendChild(el("small", { lang: "en" }, [stage[1]]));
    $("p-progress").value = j.progress;
    $("p-progress").textContent = Math.round(j.progress * 100) + "%";
  }

  // Poll the job until it ends; a 429 waits as the server asks, a lost connection or a
  // 5xx waits longer each time (up to 30 s), and the page says so meanwhile.
  function follow(j) {
    job = j;
    var id = ++pollId;
    $("p-job").hidden = false;
    $("p-results").hidden = true;
    $("p-cancel").hidden = false;
    $("p-status").textContent = "";
    showProgress(j);
    window.history.replaceState(null, "", "?job=" + encodeURIComponent(j.id));
    var wait = POLL_MS;

    function again(ms) { polling = window.setTimeout(tick, ms); }

    function tick() {
      if (id !== pollId) { return; }
      api("GET", PLANS + "/" + encodeURIComponent(j.id)).then(function (r) {
        if (id !== pollId) { return; }
        if (r.status === 429) {
          var after = Number(r.headers.get("Retry-After")) || 5;
          $("p-status").textContent = "请求过多，" + after + " 秒后继续 / too many requests: going on in " + after + " s";
          again(after * 1000);
          return;
        }
        if (r.status !== 200) {
          if (r.status >= 500) {
            wait = Math.min(wait * 2, MAX_WAIT_MS);
            $("p-status").textContent = "服务器暂不可用，稍后重试 / the server is unavailable: retrying";
            again(wait);
          } else {
            $("p-status").textContent = Y.message(r.data, "无法读取方案 / the plan cannot be read");
            $("p-cancel").hidden = true;
          }
          return;
        }
        wait = POLL_MS;
        $("p-status").textContent = "";
        job = r.data;
        showProgress(job);
        if (job.state === "queued" || job.state === "running") { again(POLL_MS); return; }
        ended(job);
      }, function () {
        if (id !== pollId) { return; }
        wait = Math.min(wait * 2, MAX_WAIT_MS);
        $("p-status").textContent = "连接中断，" + Math.round(wait / 1000) +
          " 秒后重试 / connection lost: retrying in " + Math.round(wait / 1000) + " s";
        again(wait);
      });
    }
    again(POLL_MS);
  }

  function ended(j) {
    $("p-cancel").hidden = true;
    loadRuns();
    if (j.state === "succeeded") {
      $("p-status").textContent = "方案已完成 / the plan is ready";
      showPlan(j);
    } else if (j.state === "failed") {
      $("p-status").textContent = Y.message(j.error, "方案计算失败 / the plan failed");
    } else {
      $("p-status").textContent = "方案已取消 / the plan was cancelled" +
        (j.cancelled_by ? "（" + j.cancelled_by + "）" : "");
    }
  }

  function cancel() {
    if (!job) { return; }
    $("p-cancel").disabled = true;
    api("POST", PLANS + "/" + encodeURIComponent(job.id) + "/cancel").then(function (r) {
      $("p-cancel").disabled = false;
      if (r.status === 200) { pollId++; showProgress(r.data); ended(r.data); return; }
      $("p-status").textContent = Y.message(r.data, "无法取消 / could not cancel");
    }, function () {
      $("p-cancel").disabled = false;
      $("p-status").textContent = "无法连接服务器 / the server cannot be reached";
    });
  }

  // ---------------------------------------------------------------- the plan

  function term(list, dt, dd) {
    list.appendChild(el("dt", {}, dt));
    list.appendChild(el("dd", {}, [dd]));
  }

  function figures(list, label, f) {
    term(list, [label[0] + " ", el("small", { lang: "en" }, [label[1]])],
         "主要街道 main streets " + pct(f.main_street_share) + " · 重点区域 key districts " +
         pct(f.key_district_share));
  }

  function summary(res) {
    var list = $("p-summary");
    clear(list);
    var what = res.model === "lscp" ? "最少站点 fewest sites (LSCP)" : "最优 k 个 best k (MCLP), k = " + res.k;
    term(list, ["模型 ", el("small", { lang: "en" }, ["model"])], what + " · " + res.solver + " · " + res.status);
    var digits = res.model === "lscp" ? 0 : 1;  // sites, or covered weight
    term(list, ["目标值 / 界 / 间隙 ", el("small", { lang: "en" }, ["objective / bound / gap"])],
         res.objective.toFixed(digits) + " / " + res.bound.toFixed(digits) + " / " + pct(res.gap));
    figures(list, ["计算前覆盖率", "coverage before"], res.before);
    figures(list, ["建成后覆盖率（核验）", "coverage reached (verified)"], res.verified);
    var u = res.unreachable;
    term(list, ["无法覆盖的需求 ", el("small", { lang: "en" }, ["unreached demand"])],
         (u.main_street_m / 1000).toFixed(2) + " km 主要街道 main streets · " +
         (u.key_district_m2 / 1e6).toFixed(3) + " km² 重点区域 key districts");
    term(list, ["进度要求 ", el("small", { lang: "en" }, ["pace"])], res.pace.text + " / " + res.pace.text_en);
  }

  function coordInput(i, which, value) {
    var input = el("input", { type: "number", step: "0.000001", id: "p-site-" + which + "-" + i,
                              "aria-label": "第 " + (i + 1) + " 个新址" + (which === "lon" ? "经度" : "纬度") +
                                            " site " + (i + 1) + " " + which, inputmode: "decimal" }, []);
    input.value = value.toFixed(6);
    input.addEventListener("change", function () {
      var lon = Number($("p-site-lon-" + i).value), lat = Number($("p-site-lat-" + i).value);
      if (isFinite(lon) && isFinite(lat) && Math.abs(lon) <= 180 && Math.abs(lat) <= 90) {
        pins[i].setLatLng([lat, lon]);
        moved(i);
      }
    });
    return input;
  }

  function moved(i) {
    var at = pins[i].getLatLng();
    $("p-site-lon-" + i).value = at.lng.toFixed(6);
    $("p-site-lat-" + i).value = at.lat.toFixed(6);
    var site = job.result.sites[i];
    var isMoved = Math.abs(at.lng - site.lon) > 1e-7 || Math.abs(at.lat - site.lat) > 1e-7;
    $("p-site-row-" + i).classList.toggle("moved", isMoved);
    $("p-verified").hidden = true;
    $("p-verify-status").textContent = "";
  }

  function arrows(pin, i) {
    pin.getElement().addEventListener("keydown", function (ev) {
      var step = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[ev.key];
      if (!step) { return; }
      ev.preventDefault();
      ev.stopPropagation();
      var metres = ev.shiftKey ? 50 : 5;
      var at = pin.getLatLng();
      pin.setLatLng([at.lat + step[1] * metres / 111320,
                     at.lng + step[0] * metres / (111320 * Math.cos(at.lat * Math.PI / 180))]);
      moved(i);
    });
  }

  function showPlan(j) {
    job = j;
    var res = j.result;
    $("p-results").hidden = false;
    summary(res);
    if (!map) {
      map = L.map("p-map", { keyboard: true }).setView([config.centre[1], config.centre[0]], 14);
      window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
      markers = L.featureGroup().addTo(map);
    }
    map.invalidateSize();
    markers.clearLayers();
    pins = [];
    var tbody = $("p-sites").querySelector("tbody");
    clear(tbody);
    res.sites.forEach(function (s, i) {
      var title = "第 " + s.rank + " 个新址 site " + s.rank + "：" + s.street;
      var pin = L.marker([s.lat, s.lon], { draggable: true, keyboard: true, title: title }).addTo(markers);
      pin.getElement().setAttribute("aria-label", title + "（方向键移动 arrow keys move it）");
      pin.on("drag dragend", function () { moved(i); });
      arrows(pin, i);
      pins.push(pin);
      tbody.appendChild(el("tr", { id: "p-site-row-" + i }, [
        el("td", {}, [String(s.rank)]),
        el("td", {}, [s.street]),
        el("td", {}, [s.district]),
        el("td", {}, [s.adds_main_street_m.toFixed(0) + " m"]),
        el("td", {}, [(s.adds_key_district_m2 / 1e4).toFixed(2) + " ha"]),
        el("td", {}, [pct(s.main_street_share) + " · " + pct(s.key_district_share)]),
        el("td", {}, [coordInput(i, "lon", s.lon)]),
        el("td", {}, [coordInput(i, "lat", s.lat)])
      ]));
    });
    if (res.sites.length) {
      map.fitBounds(markers.getBounds(), { paddingTopLeft: [20, 50], paddingBottomRight: [20, 10],
                                           maxZoom: 16, animate: false });
    }
    var base = PLANS + "/" + encodeURIComponent(j.id) + "/sites.";
    ["csv", "xlsx"].forEach(function (fmt) {
      ["wgs84", "gcj02"].forEach(function (crs) {
        $("p-" + fmt + "-" + crs).setAttribute("href", base + fmt + "?crs=" + crs);
      });
    });
    $("p-verified").hidden = true;
    $("p-verify-status").textContent = "";
    $("p-verify").disabled = res.sites.length === 0;
  }

  function reset() {
    if (!job || !job.result) { return; }
    job.result.sites.forEach(function (s, i) { pins[i].setLatLng([s.lat, s.lon]); moved(i); });
  }

  function verify() {
    if (!job || !job.result) { return; }
    var sites = pins.map(function (p) { var at = p.getLatLng(); return { lon: at.lng, lat: at.lat, crs: "wgs84" }; });
    $("p-verify").disabled = true;
    $("p-verify-status").textContent = "核验中… / verifying…";
    api("POST", PLANS + "/" + encodeURIComponent(job.id) + "/verify", { sites: sites }).then(function (r) {
      $("p-verify").disabled = false;
      if (r.status !== 200) {
        $("p-verify-status").textContent = Y.message(r.data, "核验失败 / verification failed");
        return;
      }
      $("p-verify-status").textContent = "核验完成 / verified";
      var list = $("p-verified");
      clear(list);
      figures(list, ["方案位置", "the plan's positions"], r.data.plan);
      figures(list, ["移动后", "moved sites"], r.data.verified);
      var d = r.data.difference;
      term(list, ["差值 ", el("small", { lang: "en" }, ["difference"])],
           "主要街道 main streets " + (d.main_street_share >= 0 ? "+" : "") + pct(d.main_street_share) +
           " · 重点区域 key districts " + (d.key_district_share >= 0 ? "+" : "") + pct(d.key_district_share));
      list.hidden = false;
    }, function () {
      $("p-verify").disabled = false;
      $("p-verify-status").textContent = "无法连接服务器 / the server cannot be reached";
    });
  }

  // ---------------------------------------------------------------- earlier runs

  function describe(p) {
    var what = p.mode === "k" ? "最优 " + p.k + " 个 best " + p.k : "全覆盖 full";
    return p.as_of + " · " + p.kind + " · " + what + " · " + p.time_limit + " s · " + p.solver;
  }

  function open(id) {
    api("GET", PLANS + "/" + encodeURIComponent(id)).then(function (r) {
      if (r.status !== 200) { $("p-error").textContent = Y.message(r.data, "无法读取方案 / the plan cannot be read"); return; }
      if (r.data.state === "queued" || r.data.state === "running") { follow(r.data); return; }
      pollId++;
      job = r.data;
      window.history.replaceState(null, "", "?job=" + encodeURIComponent(job.id));
      $("p-job").hidden = false;
      showProgress(job);
      ended(job);
    }, function () { $("p-error").textContent = "无法连接服务器 / the server cannot be reached"; });
  }

  function loadRuns() {
    api("GET", PLANS + "?limit=20").then(function (r) {
      if (r.status !== 200) { return; }
      var tbody = $("p-runs").querySelector("tbody");
      clear(tbody);
      r.data.forEach(function (j) {
        var button = el("button", { type: "button", className: "open-run" }, ["查看 ", el("small", { lang: "en" }, ["open"])]);
        button.addEventListener("click", function () { open(j.id); });
        tbody.appendChild(el("tr", {}, [
          el("td", {}, [when(j.created_at)]),
          el("td", {}, [j.created_by]),
          el("td", {}, [describe(j.params)]),
          el("td", {}, [STATES[j.state] || j.state]),
          el("td", {}, [j.n_sites === null ? "" : String(j.n_sites)]),
          el("td", {}, [button])
        ]));
      });
      $("p-runs-empty").hidden = r.data.length > 0;
    }, function () { /* the list comes back with the next run */ });
  }

  // ---------------------------------------------------------------- start

  fillKinds();
  $("p-as-of").value = config.today;
  $("p-time").value = String(config.default_time_limit_s);
  $("p-time").setAttribute("max", String(config.max_time_limit_s));
  $("p-mode-full").addEventListener("change", syncMode);
  $("p-mode-k").addEventListener("change", syncMode);
  $("plan-form").addEventListener("submit", ask);
  $("p-cancel").addEventListener("click", cancel);
  $("p-verify").addEventListener("click", verify);
  $("p-reset").addEventListener("click", reset);
  syncMode();
  loadRuns();
  var wanted = new URLSearchParams(window.location.search).get("job");
  if (wanted) { open(wanted); }
}());
