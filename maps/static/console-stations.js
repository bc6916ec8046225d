// Yizhan staff console: the Stations registry (/console/stations). A search, filters,
// sortable columns and pages of GET /api/v1/staff/stations (X-Total-Count: the total).
// The whole state (q, filters, sort, order, page) lives in the URL's query, so a reload,
// a shared link and the back button show the same list. Texts from data are text nodes.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear;
  var config = Y.pageConfig("console-config");
  var PAGE_SIZE = config.page_size;
  var when = Y.cityTime(config.timezone);
  // The URL's keys of the filters, and the form control of each.
  var FILTERS = { q: "f-q", kind: "f-kind", status: "f-status", district: "f-district",
                  review_state: "f-review", unlocated: "f-unlocated" };
  var SORTS = ["name", "kind", "status", "district", "review_state", "updated"];
  var asked = 0;  // the latest request: an older answer arriving late is dropped

  function api(url) {
    return Y.api("GET", url, undefined, undefined, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function byCode(list) {
    var out = {};
    list.forEach(function (t) { out[t.code] = t; });
    return out;
  }
  var KINDS = byCode(config.kinds), STATUSES = byCode(config.statuses);
  var REVIEW = byCode(config.review_states);

  function options(id, list) {
    var select = $(id);
    list.forEach(function (t) {
      select.appendChild(typeof t === "string" ? el("option", { value: t }, [t])
        : el("option", { value: t.code }, [t.zh + " " + t.en]));
    });
  }
  options("f-kind", config.kinds);
  options("f-status", config.statuses);
  options("f-district", config.districts);
  options("f-review", config.review_states);

  // ------------------------------------------------------------ state <-> URL
  function defaultOrder(sort) { return sort === "updated" ? "desc" : "asc"; }

  function readState() {
    var p = new URLSearchParams(window.location.search);
    var state = { filters: {} };
    Object.keys(FILTERS).forEach(function (k) { state.filters[k] = p.get(k) || ""; });
    state.sort = SORTS.indexOf(p.get("sort")) >= 0 ? p.get("sort") : "updated";
    var order = p.get("order");
    state.order = order === "asc" || order === "desc" ? order : defaultOrder(state.sort);
    var page = parseInt(p.get("page") || "1", 10);
    state.page = page >= 1 ? page : 1;
    return state;
  }

  // The query of a state: only what differs from the defaults, so plain links stay plain.
  function query(state) {
    var p = new URLSearchParams();
    Object.keys(FILTERS).forEach(function (k) {
      if (state.filters[k]) { p.set(k, state.filters[k]); }
    });
    if (state.sort !== "updated") { p.set("sort", state.sort); }
    if (state.order !== defaultOrder(state.sort)) { p.set("order", state.order); }
    if (state.page > 1) { p.set("page", String(state.page)); }
    return p;
  }

  function go(state, replace) {
    var q = query(state).toString();
    var url = window.location.pathname + (q ? "?" + q : "");
    if (replace) { window.history.replaceState(null, "", url); }
    else { window.history.pushState(null, "", url); }
    show(state);
  }

  function fillForm(state) {
    Object.keys(FILTERS).forEach(function (k) {
      var control = $(FILTERS[k]);
      control.value = state.filters[k];
      // A district the list no longer has (or typed into the URL) still shows as chosen.
      if (control.tagName === "SELECT" && control.value !== state.filters[k]) {
        control.appendChild(el("option", { value: state.filters[k] }, [state.filters[k]]));
        control.value = state.filters[k];
      }
    });
  }

  function formFilters() {
    var filters = {};
    Object.keys(FILTERS).forEach(function (k) { filters[k] = $(FILTERS[k]).value.trim(); });
    return filters;
  }

  // ------------------------------------------------------------ the list
  function label(term, code) {
    return term ? [term.zh + " ", el("small", { lang: "en" }, [term.en])] : [code || ""];
  }

  function row(s) {
    var link = el("a", { href: "/console/stations/" + s.id, className: "station-link" }, [s.name]);
    var position = s.lon === null
      ? [el("span", { className: "tag tag-draft" }, ["未定位 ", el("small", { lang: "en" }, ["unlocated"])])]
      : [];
    return el("tr", { "data-id": String(s.id) }, [
      el("td", { className: "c-name" }, [link]),
      el("td", { className: "c-kind" }, label(KINDS[s.kind], s.kind)),
      el("td", { className: "c-status" }, label(STATUSES[s.status], s.status)),
      el("td", { className: "c-district" }, [s.district || ""]),
      el("td", { className: "c-review state-" + s.review_state }, label(REVIEW[s.review_state], s.review_state)),
      el("td", { className: "c-position" }, position),
      el("td", { className: "c-updated" }, [when(s.updated_at)])
    ]);
  }

  function markSort(state) {
    document.querySelectorAll("#stations th[data-sort]").forEach(function (th) {
      var key = th.getAttribute("data-sort");
      th.setAttribute("aria-sort", key !== state.sort ? "none"
        : (state.order === "asc" ? "ascending" : "descending"));
    });
  }

  function keepFocus(from, to) {
    if (document.activeElement === from && from.disabled) { to.focus(); }
  }

  function showPage(state, rows, total) {
    var body = $("stations").querySelector("tbody");
    clear(body);
    rows.forEach(function (s) { body.appendChild(row(s)); });
    $("empty").hidden = total > 0;
    var first = (state.page - 1) * PAGE_SIZE + 1, last = first + rows.length - 1;
    $("range").textContent = total === 0 ? "共 0 条 / 0 stations"
      : "第 " + first + "–" + last + " 条，共 " + total + " 条 / " + first + "–" + last + " of " + total;
    $("prev").disabled = state.page <= 1;
    $("next").disabled = last >= total;
    keepFocus($("prev"), $("next"));
    keepFocus($("next"), $("prev"));
  }

  function show(state) {
    fillForm(state);
    markSort(state);
    var p = query(state);
    p.delete("page");
    p.set("sort", state.sort);
    p.set("order", state.order);
    p.set("limit", String(PAGE_SIZE));
    p.set("offset", String((state.page - 1) * PAGE_SIZE));
    var mine = ++asked;
    $("stations").setAttribute("aria-busy", "true");
    api("/api/v1/staff/stations?" + p.toString()).then(function (r) {
      if (mine !== asked) { return; }
      $("stations").removeAttribute("aria-busy");
      if (r.status !== 200) {
        $("error").textContent = Y.message(r.data, "无法读取站点 / could not load the stations");
        return;
      }
      $("error").textContent = "";
      var total = parseInt(r.headers.get("X-Total-Count") || "0", 10);
      // A page past the end (an old link, fewer stations now): the last page instead.
      if (!r.data.length && total > 0 && state.page > 1) {
        state.page = Math.ceil(total / PAGE_SIZE);
        go(state, true);
        return;
      }
      showPage(state, r.data, total);
    }, function () {
      if (mine !== asked) { return; }
      $("error").textContent = "网络错误，请稍后再试 / network error, try again";
    });
  }

  // ------------------------------------------------------------ controls
  $("registry-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var state = readState();
    state.filters = formFilters();
    state.page = 1;
    go(state);
  });

  $("f-clear").addEventListener("click", function () {
    var state = readState();
    Object.keys(FILTERS).forEach(function (k) { state.filters[k] = ""; });
    state.page = 1;
    go(state);
    $("f-q").focus();
  });

  document.querySelectorAll("#stations button.sort").forEach(function (button) {
    button.addEventListener("click", function () {
      var state = readState();
      var key = button.getAttribute("data-sort");
      if (state.sort === key) {
        state.order = state.order === "asc" ? "desc" : "asc";
      } else {
        state.sort = key;
        state.order = defaultOrder(key);
      }
      state.page = 1;
      go(state);
    });
  });

  $("prev").addEventListener("click", function () {
    var state = readState();
    state.page = Math.max(1, state.page - 1);
    go(state);
  });

  $("next").addEventListener("click", function () {
    var state = readState();
    state.page += 1;
    go(state);
  });

  window.addEventListener("popstate", function () { show(readState()); });

  show(readState());
}());
