// Yizhan console, the Usage page (field staff, reviewers, admins; issue 15): choose a
// station (GET /api/v1/staff/stations?q=), enter the day's visitors from its paper sheet,
// optionally by occupation (PUT /api/v1/staff/stations/{id}/usage/{day}: a second save of
// the same day corrects it), and see its recent days with QR check-ins and paper counts
// side by side (GET /api/v1/staff/usage). Every text from data is set as a text node.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var when = Y.cityTime(config.timezone);
  var JOB = {};
  config.occupations.forEach(function (t) { JOB[t.code] = t; });
  var station = null;

  function api(method, url, body) {
    return Y.api(method, url, body, {}, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function network() { $("u-error").textContent = "网络错误，请稍后再试 / network error, try again"; }

  function jobs(counts) {
    var parts = Object.keys(counts || {}).map(function (code) {
      var t = JOB[code];
      var label = t ? t.zh + " " + t.en : (code === "none" ? "未填 not given" : code);
      return label + " " + counts[code];
    });
    return parts.join("；") || "—";
  }

  // ---------------------------------------------------------------- the station
  function search(event) {
    event.preventDefault();
    var q = $("u-search").value.trim();
    var url = "/api/v1/staff/stations?review_state=approved&limit=10&sort=name" +
      (q ? "&q=" + encodeURIComponent(q) : "");
    api("GET", url).then(function (r) {
      var list = $("u-results");
      clear(list);
      if (r.status !== 200) { $("u-error").textContent = message(r.data, "搜索失败 / search failed"); return; }
      $("u-none").hidden = r.data.length > 0;
      r.data.forEach(function (s) {
        var button = el("button", { type: "button", className: "pick", "aria-pressed": "false" }, [
          s.name, el("span", { className: "hint" }, ["#" + s.id + " " + (s.address || "")])
        ]);
        button.addEventListener("click", function () { choose(s, button); });
        list.appendChild(el("li", {}, [button]));
      });
      var first = list.querySelector("button");
      if (first) { first.focus(); }
    }, network);
  }

  function choose(s, button) {
    station = s;
    Array.prototype.forEach.call($("u-results").querySelectorAll("button"), function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    $("u-station").textContent = s.name + " #" + s.id;
    $("u-entry").hidden = false;
    $("u-days-card").hidden = false;
    $("status").textContent = "";
    loadDays();
    $("u-visitors").focus();
  }

  // ---------------------------------------------------------------- the days
  function loadDays() {
    api("GET", "/api/v1/staff/usage?station=" + station.id).then(function (r) {
      var body = $("u-days").tBodies[0];
      clear(body);
      if (r.status !== 200) { $("u-error").textContent = message(r.data, "读取失败 / failed to load"); return; }
      $("u-days-empty").hidden = r.data.days.length > 0;
      r.data.days.forEach(function (d) {
        var paper = d.paper;
        var edit = el("button", { type: "button" }, ["更正 ", el("small", { lang: "en" }, ["correct"])]);
        edit.addEventListener("click", function () { fill(d); });
        body.appendChild(el("tr", {}, [
          el("td", {}, [d.day]),
          el("td", {}, [String(d.checkins)]),
          el("td", {}, [jobs(d.checkins_by_occupation)]),
          el("td", {}, [paper ? String(paper.visitors) : "—"]),
          el("td", {}, [paper ? jobs(paper.by_occupation) : "—"]),
          el("td", {}, [paper ? paper.entered_by + " " + when(paper.entered_at) : "—"]),
          el("td", {}, [edit])
        ]));
      });
    }, network);
  }

  function fill(d) {
    $("u-day").value = d.day;
    $("u-visitors").value = d.paper ? d.paper.visitors : "";
    config.occupations.forEach(function (t) {
      var n = d.paper && d.paper.by_occupation[t.code];
      $("u-job-" + t.code).value = n ? n : "";
    });
    $("u-note").value = d.paper && d.paper.note ? d.paper.note : "";
    $("u-visitors").focus();
  }

  // ---------------------------------------------------------------- the entry
  function number(text) { return /^\d+$/.test(text) ? Number(text) : text; }

  function save(event) {
    event.preventDefault();
    $("u-error").textContent = "";
    var day = $("u-day").value;
    if (!day) { $("u-error").textContent = "请填写日期 / enter the day"; $("u-day").focus(); return; }
    var byJob = {};
    config.occupations.forEach(function (t) {
      var v = $("u-job-" + t.code).value.trim();
      if (v !== "") { byJob[t.code] = number(v); }
    });
    var body = { visitors: number($("u-visitors").value.trim()),
                 by_occupation: Object.keys(byJob).length ? byJob : null,
                 note: $("u-note").value.trim() || null };
    $("u-submit").disabled = true;
    api("PUT", "/api/v1/staff/stations/" + station.id + "/usage/" + encodeURIComponent(day), body)
      .then(function (r) {
        $("u-submit").disabled = false;
        if (r.status === 200 || r.status === 201) {
          $("status").textContent = (r.status === 201 ? "已登记 / saved: " : "已更正 / corrected: ") +
            r.data.day + " " + r.data.visitors + " 人次 visitors";
          loadDays();
          return;
        }
        $("u-error").textContent = message(r.data, "保存失败 / not saved");
        $("u-visitors").focus();
      }, function () { $("u-submit").disabled = false; network(); });
  }

  config.occupations.forEach(function (t) {
    var id = "u-job-" + t.code;
    $("u-jobs").appendChild(el("div", {}, [
      el("label", { "for": id }, [t.zh + " ", el("small", { lang: "en" }, [t.en])]),
      el("input", { id: id, type: "number", min: "0", max: "100000", step: "1", inputmode: "numeric" }, [])
    ]));
  });
  $("u-day").value = config.today;
  $("u-day").setAttribute("max", config.today);
  $("u-search-form").addEventListener("submit", search);
  $("u-form").addEventListener("submit", save);
}());
