// Yizhan staff console: the Problems page (/console/problems, reviewers and admins, #15).
// The queue of GET /api/v1/staff/problems with its filters (kept in the URL's query), each
// problem with its photo (GET /api/v1/staff/photos/{id}) and masked phone, and the
// decisions of POST /api/v1/staff/problems/{id}/decision with a comment. A confirmed
// "closed" may set the station temporarily closed; marking that problem fixed offers to
// reopen it. Texts from data are text nodes only.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var when = Y.cityTime(config.timezone);
  var FILTERS = { state: "f-state", category: "f-category", source: "f-source", station: "f-station" };
  var ACTIONS = {
    confirm: ["确认", "confirm", "primary"],
    dismiss: ["不属实", "dismiss", "danger"],
    fixed: ["已整改", "mark fixed", "primary"]
  };

  function api(method, url, body) {
    return Y.api(method, url, body, undefined, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function byCode(list) {
    var out = {};
    list.forEach(function (t) { out[t.code] = t; });
    return out;
  }
  var STATUSES = byCode(config.statuses);

  function options(id, list) {
    list.forEach(function (t) { $(id).appendChild(el("option", { value: t.code }, [t.zh + " " + t.en])); });
  }
  options("f-state", config.states);
  options("f-category", config.categories);
  options("f-source", config.sources);

  function status(text) { $("status").textContent = text; }

  // How long a problem took to resolve, in days and hours.
  function duration(seconds) {
    var hours = Math.round(seconds / 3600);
    var days = Math.floor(hours / 24);
    hours -= days * 24;
    return (days ? days + " 天 " : "") + hours + " 小时 / " + (days ? days + " d " : "") + hours + " h";
  }

  function field(dt, dd) {
    return [el("dt", {}, dt), el("dd", {}, dd)];
  }

  function decisionForm(p) {
    var id = "p" + p.id;
    var form = el("form", { className: "decision", "data-id": String(p.id) });
    form.appendChild(el("label", { "for": id + "-comment" }, ["处理意见 ", el("small", { lang: "en" }, ["comment"])]));
    var comment = el("textarea", { id: id + "-comment", maxlength: "500", rows: "2" });
    form.appendChild(comment);
    var close = null, reopen = null;
    if (p.actions.indexOf("confirm") >= 0 && p.category === "closed") {
      close = el("input", { type: "checkbox", id: id + "-close" });
      form.appendChild(el("label", { className: "check", "for": id + "-close" }, [close,
        " 同时将站点设为暂停开放 ", el("small", { lang: "en" }, ["also set the station temporarily closed"])]));
    }
    if (p.actions.indexOf("fixed") >= 0 && p.closed_station && p.station_status === "temporarily_closed") {
      reopen = el("input", { type: "checkbox", id: id + "-reopen" });
      reopen.checked = true;
      form.appendChild(el("label", { className: "check", "for": id + "-reopen" }, [reopen,
        " 重新开放站点 ", el("small", { lang: "en" }, ["reopen the station"])]));
    }
    var error = el("p", { className: "error", role: "alert" });
    var buttons = el("div", { className: "buttons" });
    p.actions.forEach(function (action) {
      var a = ACTIONS[action];
      var b = el("button", { type: "button", className: a[2], "data-action": action },
        [a[0] + " ", el("small", { lang: "en" }, [a[1]])]);
      b.addEventListener("click", function () {
        error.textContent = "";
        b.disabled = true;
        api("POST", "/api/v1/staff/problems/" + p.id + "/decision", {
          action: action,
          comment: comment.value.trim() || null,
          close_station: !!(close && close.checked && action === "confirm"),
          reopen_station: !!(reopen && reopen.checked && action === "fixed")
        }).then(function (r) {
          b.disabled = false;
          if (r.status !== 200) { error.textContent = message(r.data, "操作失败 / could not save"); return; }
          status("已处理 " + r.data.receipt + "：" + r.data.state_zh + " / " + r.data.state_en +
                 (action === "confirm" && r.data.closed_station ? "；站点已暂停 / station closed" : "") +
                 (action === "fixed" && r.data.station_status === "open" && reopen && reopen.checked
                   ? "；站点已重新开放 / station reopened" : ""));
          load();
        }, function () {
          b.disabled = false;
          error.textContent = "网络错误，请稍后再试 / network error, try again";
        });
      });
      buttons.appendChild(b);
    });
    form.appendChild(buttons);
    form.appendChild(error);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    return form;
  }

  function item(p) {
    var station = STATUSES[p.station_status];
    var facts = el("dl", { className: "facts" });
    var rows = [
      field(["站点 ", el("small", { lang: "en" }, ["station"])], [
        el("a", { href: "/console/stations/" + p.station_id }, [p.station_name + " #" + p.station_id]),
        " · " + (station ? station.zh + " " + station.en : p.station_status)]),
      field(["来源 ", el("small", { lang: "en" }, ["source"])], [p.source_zh + " / " + p.source_en]),
      field(["反映次数 ", el("small", { lang: "en" }, ["reports"])], [String(p.reports)]),
      field(["首次反映 ", el("small", { lang: "en" }, ["first reported"])], [when(p.created_at)]),
      field(["最近反映 ", el("small", { lang: "en" }, ["last reported"])], [when(p.last_reported_at)]),
      field(["电话 ", el("small", { lang: "en" }, ["phone (masked)"])], [p.phone || "—"])
    ];
    if (p.service) {
      rows.push(field(["缺失服务 ", el("small", { lang: "en" }, ["missing service"])], [(p.service_zh || p.service)]));
    }
    if (p.decided_by) {
      rows.push(field(["处理人 ", el("small", { lang: "en" }, ["decided by"])], [p.decided_by + " · " + when(p.decided_at)]));
    }
    if (p.resolved_at) {
      rows.push(field(["处理用时 ", el("small", { lang: "en" }, ["time to resolve"])],
        [el("span", { className: "resolve-time" }, [duration(p.resolve_seconds)])]));
    }
    if (p.comment) {
      rows.push(field(["处理意见 ", el("small", { lang: "en" }, ["comment"])], [p.comment]));
    }
    rows.forEach(function (pair) { facts.appendChild(pair[0]); facts.appendChild(pair[1]); });
    var children = [
      el("h3", {}, [p.category_zh + " ", el("small", { lang: "en" }, [p.category_en]), " ",
        el("span", { className: "badge state-" + p.state }, [p.state_zh + " " + p.state_en])]),
      el("p", { className: "hint receipt" }, ["回执号 receipt " + p.receipt]),
      el("p", { className: "details" }, [p.details || "（无描述 no details）"]),
      facts
    ];
    if (p.photo_id) {
      var link = el("a", { href: "/api/v1/staff/photos/" + p.photo_id, target: "_blank", rel: "noopener",
                           className: "photo-link" });
      link.appendChild(el("img", { src: "/api/v1/staff/photos/" + p.photo_id, className: "problem-photo",
        alt: "问题照片 photo of the problem " + p.receipt, loading: "lazy" }));
      children.push(link);
    }
    if (p.actions.length) { children.push(decisionForm(p)); }
    return el("li", { className: "problem state-" + p.state, "data-receipt": p.receipt }, [
      el("article", {}, children)]);
  }

  function query() {
    var q = new URLSearchParams();
    Object.keys(FILTERS).forEach(function (k) {
      var v = $(FILTERS[k]).value.trim();
      if (v) { q.set(k, v); }
    });
    return q;
  }

  function load() {
    var q = query();
    return api("GET", "/api/v1/staff/problems?" + q.toString()).then(function (r) {
      if (r.status !== 200) { status(message(r.data, "读取失败 / could not load")); return; }
      var list = $("problems");
      clear(list);
      r.data.forEach(function (p) { list.appendChild(item(p)); });
      $("problems-count").textContent = "(" + r.data.length + ")";
      $("problems-empty").hidden = r.data.length > 0;
    }, function () { status("网络错误，请稍后再试 / network error, try again"); });
  }

  // The filters come from the URL (a reload or a shared link shows the same queue).
  var start = new URLSearchParams(window.location.search);
  Object.keys(FILTERS).forEach(function (k) { if (start.get(k)) { $(FILTERS[k]).value = start.get(k); } });
  if (!start.toString()) { $("f-state").value = "new"; }

  $("problem-filters").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = query();
    window.history.replaceState(null, "", "/console/problems" + (q.toString() ? "?" + q.toString() : ""));
    status("");
    load();
  });

  load();
}());
