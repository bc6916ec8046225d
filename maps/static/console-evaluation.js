// Yizhan console: the yearly evaluation page (planners, reviewers, admins). Asks
// GET /api/v1/evaluation for a year and an optional as-of date, shows one row per station
// (stars as text and icons with an aria label, score, flags), a row opens to its reasons,
// filters by kind, district and flag, and links the same answer's XLSX. Text from data is
// set as text nodes only (yz.js's el), never as HTML.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear;
  var config = Y.pageConfig("console-config");
  var result = null;

  function api(method, url) {
    return Y.api(method, url, undefined, undefined, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function option(select, value, zh, en) {
    select.appendChild(el("option", { value: value }, [en ? zh + " " + en : zh]));
  }

  function starsCell(n) {
    var label = n + " 星 / " + n + " of 5 stars";
    return el("span", { className: "stars", role: "img", "aria-label": label }, [
      el("span", { className: "star-icons", "aria-hidden": "true" },
         ["★★★★★".slice(0, n) + "☆☆☆☆☆".slice(0, 5 - n)]),
      " " + n
    ]);
  }

  function flagTags(row) {
    var seen = {};
    var span = el("span", { className: "flags" }, []);
    row.flags.forEach(function (f) {
      if (seen[f.flag]) { return; }
      seen[f.flag] = true;
      span.appendChild(el("span", { className: "tag flag-" + f.flag }, [f.flag_zh + " " + f.flag_en]));
      span.appendChild(document.createTextNode(" "));
    });
    return span;
  }

  function reasons(row) {
    var list = el("ul", { className: "reasons" }, []);
    row.parts.forEach(function (p) {
      list.appendChild(el("li", {}, [
        el("strong", {}, [p.part_zh + " " + p.part_en + " " + p.points + "/" + p.max]), " ",
        p.reason_zh, " ", el("span", { lang: "en" }, [p.reason_en])
      ]));
    });
    row.flags.forEach(function (f) {
      list.appendChild(el("li", { className: "flag-reason" }, [
        el("strong", {}, [f.flag_zh + " " + f.flag_en]), " ", f.zh, " ",
        el("span", { lang: "en" }, [f.en])
      ]));
    });
    if (row.stars !== row.stars_before_downgrade) {
      list.appendChild(el("li", {}, [
        "按得分为 " + row.stars_before_downgrade + " 星，因降级标记为 " + row.stars + " 星。 ",
        el("span", { lang: "en" }, ["The score gives " + row.stars_before_downgrade +
          " stars; the downgrade flag caps them at " + row.stars + "."])
      ]));
    }
    list.appendChild(el("li", { className: "hint" }, [
      "最后现场核实 last verified: " + (row.last_verified || "从未 never") +
      "；运营天数 operating days: " + row.operating_days
    ]));
    return list;
  }

  function toggle(button, detail) {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    detail.hidden = !open;
  }

  function matches(row) {
    var kind = $("f-kind").value, district = $("f-district").value, flag = $("f-flag").value;
    if (kind && row.kind !== kind) { return false; }
    if (district && (row.district || "") !== district) { return false; }
    if (flag === "none") { return row.flags.length === 0; }
    if (flag && !row.flags.some(function (f) { return f.flag === flag; })) { return false; }
    return true;
  }

  function render() {
    var body = $("ev-table").tBodies[0];
    clear(body);
    var rows = result.stations.filter(matches);
    rows.forEach(function (row) {
      var detailId = "reasons-" + row.id;
      var button = el("button", { type: "button", className: "expand", "aria-expanded": "false",
                                  "aria-controls": detailId }, [row.name]);
      var tr = el("tr", { "data-id": String(row.id) }, [
        el("td", {}, [button]),
        el("td", {}, [row.kind_zh]),
        el("td", {}, [row.district || "—"]),
        el("td", {}, [starsCell(row.stars)]),
        el("td", { className: "score" }, [String(row.score)]),
        el("td", {}, [flagTags(row)])
      ]);
      var cell = el("td", { colspan: "6" }, [reasons(row)]);
      var detail = el("tr", { id: detailId, className: "reasons-row" }, [cell]);
      detail.hidden = true;
      button.addEventListener("click", function () { toggle(button, detail); });
      body.appendChild(tr);
      body.appendChild(detail);
    });
    $("ev-count").textContent = "(" + rows.length + " / " + result.stations.length + ")";
    var href = "/api/v1/evaluation/xlsx?year=" + result.year + "&as_of=" + result.as_of;
    if ($("f-kind").value) { href += "&kind=" + encodeURIComponent($("f-kind").value); }
    $("ev-xlsx").setAttribute("href", href);
    $("ev-empty").hidden = rows.length > 0;
  }

  function fillFilters() {
    var districts = {};
    result.stations.forEach(function (r) { if (r.district) { districts[r.district] = true; } });
    var d = $("f-district"), keep = d.value;
    clear(d);
    option(d, "", "全部", "all");
    Object.keys(districts).sort().forEach(function (name) { option(d, name, name); });
    d.value = districts[keep] ? keep : "";
  }

  function query() {
    var q = "year=" + encodeURIComponent($("ev-year").value.trim());
    if ($("ev-as-of").value) { q += "&as_of=" + encodeURIComponent($("ev-as-of").value); }
    return q;
  }

  function load() {
    $("ev-error").textContent = "";
    $("ev-submit").disabled = true;
    var q = query();
    return api("GET", "/api/v1/evaluation?" + q).then(function (r) {
      $("ev-submit").disabled = false;
      if (r.status !== 200) {
        $("ev-error").textContent = Y.message(r.data, "评估失败 / the evaluation failed");
        return;
      }
      result = r.data;
      $("ev-status").textContent = result.year + " 年度评估，截至 " + result.as_of +
        "（" + result.stations.length + " 个站点） / evaluation of " + result.year +
        " as of " + result.as_of + " (" + result.stations.length + " stations)";
      $("ev-results").hidden = false;
      fillFilters();
      render();
    }, function () {
      $("ev-submit").disabled = false;
      $("ev-error").textContent = "网络错误，请稍后再试 / network error, try again";
    });
  }

  var kinds = $("f-kind");
  option(kinds, "", "全部", "all");
  config.kinds.forEach(function (k) { option(kinds, k.code, k.zh, k.en); });
  var flags = $("f-flag");
  option(flags, "", "全部", "all");
  config.flags.forEach(function (f) { option(flags, f.code, f.zh, f.en); });
  option(flags, "none", "无标记", "no flag");
  ["f-kind", "f-district", "f-flag"].forEach(function (id) {
    $(id).addEventListener("change", function () { if (result) { render(); } });
  });
  $("ev-year").value = String(config.year);
  $("eval-form").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  load();
}());
