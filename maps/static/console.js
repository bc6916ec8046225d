// Yizhan staff console: the shell (sign in, sign out) and its first pages (Review,
// Unlocated, My submissions, Users, Targets); later pages have a script of their own,
// console-<page>.js. The helpers ($, el, api, …) are yz.js's, loaded first.
// The session is the HttpOnly cookie set by POST /api/v1/auth/session: this script never
// sees a token. Every change it sends carries X-Requested-With: yizhan (api/auth.py).
// Every text that comes from data is set with textContent (or as a text node): this file
// never assigns HTML.
(function () {
  "use strict";

  var config = window.Yizhan.pageConfig("console-config");
  var PAGE = document.body.getAttribute("data-page");

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;

  // The API with the session cookie; a 401 (the session ended) goes to the sign-in page.
  function api(method, url, body, headers) {
    return Y.api(method, url, body, headers, { onUnauthorized: function () {
      if (PAGE !== "login") { window.location.assign("/console/login"); }
    } });
  }

  // ---------------------------------------------------------------- shell
  var logout = $("logout");
  if (logout) {
    logout.addEventListener("click", function () {
      api("POST", "/api/v1/auth/logout").then(function () {
        window.location.assign("/console/login");
      });
    });
  }

  if (PAGE === "login") {
    $("login-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("login-error").textContent = "";
      $("login-submit").disabled = true;
      api("POST", "/api/v1/auth/session", {
        username: $("login-username").value, password: $("login-password").value
      }).then(function (r) {
        $("login-submit").disabled = false;
        // /console/login sends a signed-in person to their role's landing page (the
        // server decides).
        if (r.status === 200) { window.location.assign("/console/login"); return; }
        $("login-error").textContent = message(r.data, "登录失败 / sign-in failed");
      }, function () {
        $("login-submit").disabled = false;
        $("login-error").textContent = "网络错误，请稍后再试 / network error, try again";
      });
    });
    $("login-username").focus();
  }

  if (PAGE === "review") { reviewPage(); }
  if (PAGE === "unlocated") { unlocatedPage(); }
  if (PAGE === "mine") { minePage(); }
  if (PAGE === "users") { usersPage(); }
  if (PAGE === "targets") { targetsPage(); }

  // ---------------------------------------------------------------- the Review page
  function reviewPage() {
    var TERMS = {};
    ["kinds", "levels", "services", "statuses"].forEach(function (group) {
      TERMS[group] = {};
      config[group].forEach(function (t) { TERMS[group][t.code] = t.zh; });
    });
    var FIELDS = [
      ["kind", "类型", "kind"], ["name", "名称", "name"], ["address", "地址", "address"],
      ["district", "区域", "district"], ["level", "级别", "level"],
      ["host_org", "依托单位", "host organisation"], ["phone", "电话", "phone"],
      ["opening_hours", "开放时间", "opening hours"], ["services", "服务项目", "services"],
      ["status", "状态", "status"], ["status_reason", "状态原因", "status reason"],
      ["opened_on", "开放日期", "opened on"], ["closed_on", "关闭日期", "closed on"],
      ["lon", "经度", "longitude"], ["lat", "纬度", "latitude"], ["source", "来源", "source"]
    ];
    var LABEL = {};
    FIELDS.forEach(function (f) { LABEL[f[0]] = f[1] + " " + f[2]; });
    var NOT_DUPLICATE = "confirmed not a duplicate: ";

    var items = [];
    var current = -1;
    var seq = 0;  // answers for an item no longer shown are dropped
    var map = null;
    var layer = null;

    function value(field, v) {
      if (v === null || v === undefined || v === "") { return "—"; }
      if (field === "kind") { return TERMS.kinds[v] || v; }
      if (field === "level") { return TERMS.levels[v] || v; }
      if (field === "status") { return TERMS.statuses[v] || v; }
      if (field === "services") {
        return v.length ? v.map(function (s) { return TERMS.services[s] || s; }).join("、") : "—";
      }
      if (field === "lon" || field === "lat") { return Number(v).toFixed(6); }
      return String(v);
    }

    // Times in the city's time zone (YIZHAN_TIMEZONE), whatever the browser's.
    var when = Y.cityTime(config.timezone);

    function status(text) { $("status").textContent = text; }

    function load() {
      return Promise.all([api("GET", "/api/v1/review"),
                          api("GET", "/api/v1/review/revisions?limit=500")]).then(function (rs) {
        if (rs[0].status !== 200 || rs[1].status !== 200) {
          status(message(rs[0].status !== 200 ? rs[0].data : rs[1].data, "读取失败 / could not load"));
          return;
        }
        items = rs[0].data.map(function (s) {
          return { type: "draft", id: s.id, station: s, created_at: s.created_at };
        }).concat(rs[1].data.map(function (v) {
          return { type: "revision", id: v.id, revision: v, created_at: v.created_at };
        }));
        items.sort(function (a, b) { return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0; });
        renderQueue();
        select(items.length ? 0 : -1, false);
      });
    }

    function typeLabel(item) {
      if (item.type === "draft") { return "新站点 new station"; }
      return item.revision.kind === "status" ? "状态变更 status change" : "修改申请 revision";
    }

    function itemName(item) {
      return item.type === "draft" ? item.station.name : item.revision.station_name;
    }

    function itemAuthor(item) {
      return item.type === "draft" ? item.station.created_by : item.revision.created_by;
    }

    function renderQueue() {
      var list = $("queue");
      clear(list);
      $("queue-count").textContent = "(" + items.length + ")";
      $("queue-empty").hidden = items.length > 0;
      items.forEach(function (item, i) {
        var head = [el("span", { className: "tag tag-" + item.type }, [typeLabel(item)]), " "];
        // A draft without a position cannot be approved until it is placed: say so here.
        if (item.type === "draft" && item.station.lon === null) {
          head.push(el("span", { className: "tag tag-unlocated" }, ["未定位 unlocated"]), " ");
        }
        var li = el("li", { role: "option", id: "item-" + item.type + "-" + item.id,
                            "aria-selected": "false", "data-index": String(i) }, head.concat([
          el("strong", {}, [itemName(item)]),
          el("div", { className: "hint" }, [itemAuthor(item) + " · " + when(item.created_at)])
        ]));
        li.addEventListener("click", function () { select(i, false); });
        list.appendChild(li);
      });
    }

    function select(i, focusQueue) {
      var list = $("queue");
      Array.prototype.forEach.call(list.children, function (li) {
        li.setAttribute("aria-selected", "false");
      });
      current = i;
      if (i < 0 || i >= items.length) {
        list.removeAttribute("aria-activedescendant");
        $("detail").hidden = true;
        return;
      }
      var li = list.children[i];
      li.setAttribute("aria-selected", "true");
      list.setAttribute("aria-activedescendant", li.id);
      li.scrollIntoView({ block: "nearest" });
      if (focusQueue) { list.focus(); }
      showDetail(items[i]);
    }

    function move(step) {
      if (!items.length) { return; }
      select(Math.min(items.length - 1, Math.max(0, current + step)), true);
    }

    function initMap() {
      if (map) { return; }
      map = L.map("review-map").setView([config.centre[1], config.centre[0]], 16);
      window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
      layer = L.layerGroup().addTo(map);
    }

    function showFields(station) {
      var body = $("fields").tBodies[0];
      clear(body);
      FIELDS.forEach(function (f) {
        body.appendChild(el("tr", {}, [el("th", { scope: "row" }, [LABEL[f[0]]]),
                                       el("td", {}, [value(f[0], station[f[0]])])]));
      });
    }

    function showDiff(revision) {
      var body = $("diff").tBodies[0];
      clear(body);
      revision.diff.forEach(function (d) {
        var moved = JSON.stringify(d.before) !== JSON.stringify(d.published);
        body.appendChild(el("tr", {}, [
          el("th", { scope: "row" }, [LABEL[d.field] || d.field]),
          el("td", {}, [value(d.field, d.before)]),
          el("td", { className: moved ? "moved" : "" },
             [value(d.field, d.published) + (moved ? "（已被他人改动 changed since）" : "")]),
          el("td", { className: "proposed" }, [value(d.field, d.proposed)])
        ]));
      });
      $("diff").hidden = false;
      $("diff-title").hidden = false;
    }

    function showPosition(station, mine) {
      initMap();
      layer.clearLayers();
      $("no-position").hidden = station.lon !== null;
      if (station.lon === null) {
        $("candidates").appendChild(el("li", { className: "hint" }, ["无位置，无法比对 / no position to compare"]));
        return;
      }
      var here = [station.lat, station.lon];
      L.marker(here, { title: station.name, keyboard: false }).addTo(layer);
      map.invalidateSize();
      map.setView(here, 17);
      var url = "/api/v1/staff/stations/nearby?radius_m=" + encodeURIComponent(config.duplicate_radius_m) +
                "&lon=" + encodeURIComponent(station.lon) + "&lat=" + encodeURIComponent(station.lat);
      api("GET", url).then(function (r) {
        if (mine !== seq) { return; }
        var list = $("candidates");
        clear(list);
        var others = r.status === 200 ? r.data.filter(function (s) { return s.id !== station.id; }) : [];
        if (!others.length) {
          list.appendChild(el("li", { className: "hint" },
            [Math.round(config.duplicate_radius_m) + " 米内没有其他站点 / no other station within " +
             Math.round(config.duplicate_radius_m) + " m"]));
        }
        others.forEach(function (s) {
          list.appendChild(el("li", {}, [
            el("strong", {}, [s.name]), " ",
            el("span", { className: "distance" }, [Math.round(s.distance_m) + " 米 m"]), " ",
            el("span", { className: "hint" }, [(TERMS.kinds[s.kind] || s.kind) + " · " + (s.address || "")])
          ]));
          L.circleMarker([s.lat, s.lon], { radius: 7, color: "#c0392b" })
            .bindTooltip(el("span", {}, [s.name + " · " + Math.round(s.distance_m) + " m"]))
            .addTo(layer);
        });
      });
    }

    function showReason(text) {
      var p = $("not-duplicate");
      p.hidden = !text;
      p.textContent = text ? "提交人说明不是重复 / submitter says not a duplicate：" + text : "";
    }

    function showDetail(item) {
      var mine = ++seq;
      $("detail").hidden = false;
      $("detail-title").textContent = typeLabel(item) + "：" + itemName(item);
      $("detail-meta").textContent = "提交人 submitted by " + itemAuthor(item) + " · " + when(item.created_at);
      $("decision-error").textContent = "";
      $("comment").value = "";
      $("diff").hidden = true;
      $("diff-title").hidden = true;
      clear($("candidates"));
      showReason("");
      if (item.type === "draft") {
        showFields(item.station);
        showPosition(item.station, mine);
        api("GET", "/api/v1/stations/" + item.id + "/history").then(function (r) {
          if (mine !== seq || r.status !== 200) { return; }
          r.data.forEach(function (h) {
            if (h.reason && h.reason.indexOf(NOT_DUPLICATE) === 0) {
              showReason(h.reason.slice(NOT_DUPLICATE.length));
            }
          });
        });
        return;
      }
      var revision = item.revision;
      showDiff(revision);
      if (revision.reason) {
        showReason(revision.reason.indexOf(NOT_DUPLICATE) === 0
          ? revision.reason.slice(NOT_DUPLICATE.length) : "");
        if (revision.reason.indexOf(NOT_DUPLICATE) !== 0) {
          $("detail-meta").textContent += " · 理由 reason：" + revision.reason;
        }
      }
      api("GET", "/api/v1/staff/stations/" + revision.station_id).then(function (r) {
        if (mine !== seq) { return; }
        if (r.status !== 200) { $("decision-error").textContent = message(r.data, "读取站点失败"); return; }
        showFields(r.data);
        showPosition(r.data, mine);
      });
    }

    function decide(verdict) {
      if (current < 0) { return; }
      var item = items[current];
      var comment = $("comment").value.trim();
      var url = item.type === "draft" ? "/api/v1/review/" + item.id + "/" + verdict
                                       : "/api/v1/review/revisions/" + item.id + "/" + verdict;
      $("decision-error").textContent = "";
      if (verdict === "reject" && !comment) {
        // The API refuses it too (422); saying so here keeps the queue where it is.
        $("decision-error").textContent = "驳回时必须填写意见 / a comment is required to reject";
        $("comment").focus();
        return;
      }
      $("approve").disabled = true;
      $("reject").disabled = true;
      api("POST", url, { comment: comment || null }).then(function (r) {
        $("approve").disabled = false;
        $("reject").disabled = false;
        if (r.status !== 200) {
          $("decision-error").textContent = message(r.data, "操作失败 / failed");
          return;
        }
        var done = verdict === "approve" ? "已通过 approved" : "已驳回 rejected";
        status(done + "：" + itemName(item));
        items.splice(current, 1);
        renderQueue();
        select(Math.min(current, items.length - 1), true);
        if (!items.length) { $("queue").focus(); }
      }, function () {
        $("approve").disabled = false;
        $("reject").disabled = false;
        $("decision-error").textContent = "网络错误，请稍后再试 / network error, try again";
      });
    }

    $("approve").addEventListener("click", function () { decide("approve"); });
    $("reject").addEventListener("click", function () { decide("reject"); });
    $("decision").addEventListener("submit", function (ev) { ev.preventDefault(); });

    document.addEventListener("keydown", function (ev) {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName);
      var inQueue = ev.target === $("queue");
      if ((ev.key === "j" && !typing) || (ev.key === "ArrowDown" && inQueue)) {
        ev.preventDefault(); move(1);
      } else if ((ev.key === "k" && !typing) || (ev.key === "ArrowUp" && inQueue)) {
        ev.preventDefault(); move(-1);
      } else if (ev.key === "Enter" && inQueue && current >= 0) {
        ev.preventDefault(); $("comment").focus();
      }
    });

    load();
  }

  // The city's time zone (YIZHAN_TIMEZONE), whatever the browser's.
  function cityTime(iso) {
    if (!iso) { return ""; }
    return new Intl.DateTimeFormat("zh-CN", {
      timeZone: config.timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false }).format(new Date(iso));
  }

  // ---------------------------------------------------------------- the Unlocated page
  // A pasted "lon,lat" (Amap's and Baidu's pickers copy longitude first): [lon, lat], or
  // a sentence saying what is wrong.
  function parseCoordinate(text) {
    var m = /^\s*(-?\d+(?:\.\d+)?)\s*[,，;；\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(text || "");
    if (!m) {
      return "请粘贴“经度,纬度”，如 113.6253,34.7466 / paste “longitude,latitude”, e.g. 113.6253,34.7466";
    }
    var lon = Number(m[1]);
    var lat = Number(m[2]);
    if (Math.abs(lat) > 90 && Math.abs(lon) <= 90) {
      return "顺序似乎是“纬度,经度”：请先写经度 / this looks like “latitude,longitude”: put the longitude first";
    }
    if (Math.abs(lon) > 180 || Math.abs(lat) > 90) {
      return "经度须在 ±180、纬度须在 ±90 之内 / longitude must be within ±180 and latitude within ±90";
    }
    return [lon, lat];
  }

  function unlocatedPage() {
    var KIND = {};
    config.kinds.forEach(function (t) { KIND[t.code] = t.zh + " " + t.en; });
    var items = [];
    var current = null;
    var map = null;
    var pin = null;
    var pending = null;  // the last locate body, resent when the duplicates are confirmed

    function status(text) { $("status").textContent = text; }
    function fail(text) { $("place-error").textContent = text; }

    function load(keep) {
      return api("GET", "/api/v1/staff/stations/unlocated?limit=500").then(function (r) {
        if (r.status !== 200) { status(message(r.data, "读取失败 / could not load")); return; }
        items = r.data.items;
        var list = $("unlocated");
        clear(list);
        $("unlocated-count").textContent = "(" + r.data.total + ")";
        $("unlocated-empty").hidden = items.length > 0;
        items.forEach(function (s) {
          var button = el("button", { type: "button", className: "pick", id: "unlocated-" + s.id,
                                      "aria-pressed": "false" }, [
            el("strong", {}, [s.name]),
            el("span", { className: "hint" }, [(s.address || "（无地址 no address）") +
              (s.district ? " · " + s.district : "")])
          ]);
          button.addEventListener("click", function () { show(s.id); });
          list.appendChild(el("li", {}, [button]));
        });
        var again = keep && items.filter(function (s) { return s.id === keep; })[0];
        if (again) { show(again.id); } else { show(items.length ? items[0].id : null); }
      }, function () { status("网络错误，请稍后再试 / network error, try again"); });
    }

    function initMap() {
      if (map) { return; }
      map = L.map("place-map").setView([config.centre[1], config.centre[0]], 16);
      window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
      pin = L.marker([config.centre[1], config.centre[0]],
                     { draggable: true, keyboard: true, title: "图钉 pin" }).addTo(map);
      pin.on("drag dragend", showPin);
      map.on("click", function (ev) { pin.setLatLng(ev.latlng); showPin(); });
      // Keyboard: the focused pin moves 5 m per arrow key (50 m with Shift).
      pin.getElement().setAttribute("aria-label", "图钉：方向键移动 pin: arrow keys move it");
      pin.getElement().addEventListener("keydown", function (ev) {
        var step = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[ev.key];
        if (!step) { return; }
        ev.preventDefault();
        ev.stopPropagation();
        var metres = ev.shiftKey ? 50 : 5;
        var at = pin.getLatLng();
        var dLat = step[1] * metres / 111320;
        var dLon = step[0] * metres / (111320 * Math.cos(at.lat * Math.PI / 180));
        pin.setLatLng([at.lat + dLat, at.lng + dLon]);
        showPin();
      });
    }

    function showPin() {
      var at = pin.getLatLng();
      $("pin-at").textContent = at.lng.toFixed(6) + ", " + at.lat.toFixed(6) + " (WGS-84)";
      $("pin-at").setAttribute("data-lon", at.lng.toFixed(6));
      $("pin-at").setAttribute("data-lat", at.lat.toFixed(6));
    }

    function show(id) {
      current = items.filter(function (s) { return s.id === id; })[0] || null;
      Array.prototype.forEach.call($("unlocated").querySelectorAll("button.pick"), function (b) {
        b.setAttribute("aria-pressed", String(current !== null && b.id === "unlocated-" + current.id));
      });
      hideDuplicate();
      fail("");
      $("place").hidden = current === null;
      if (current === null) { return; }
      $("place-title").textContent = current.name;
      var body = $("place-fields").tBodies[0];
      clear(body);
      [["地址 address", current.address], ["文件所写区县 district in the file", current.district],
       ["类型 kind", KIND[current.kind] || current.kind],
       ["来源 source", [current.source, current.external_id].filter(Boolean).join(" · ")],
       ["登记人 registered by", current.created_by + " · " + cityTime(current.created_at)]
      ].forEach(function (row) {
        body.appendChild(el("tr", {}, [el("th", { scope: "row" }, [row[0]]),
                                       el("td", {}, [row[1] ? String(row[1]) : "—"])]));
      });
      initMap();
      map.invalidateSize();
      map.setView([config.centre[1], config.centre[0]], 16);
      pin.setLatLng([config.centre[1], config.centre[0]]);
      showPin();
      $("coord").value = "";
    }

    function hideDuplicate() {
      pending = null;
      Y.hideDuplicates();
    }

    var showDuplicate = Y.showDuplicates;

    function locate(body) {
      if (current === null) { return; }
      var station = current;
      fail("");
      status("");
      pending = body;
      var buttons = [$("place-pin"), $("place-coord"), $("duplicate-confirm")];
      buttons.forEach(function (b) { b.disabled = true; });
      api("POST", "/api/v1/staff/stations/" + station.id + "/locate", body,
          { "If-Match": 'W/"' + station.version + '"' }).then(function (r) {
        buttons.forEach(function (b) { b.disabled = false; });
        var code = r.data && r.data.code;
        if (r.status === 200 || r.status === 202) {
          hideDuplicate();
          status("已定位：" + station.name + "（" + Number(r.data.lon).toFixed(6) + ", " +
                 Number(r.data.lat).toFixed(6) + "），已送审核 / placed; it goes to review");
          load(null).then(function () { $("unlocated").focus(); });
        } else if (r.status === 409 && code === "possible_duplicate") {
          showDuplicate(r.data);
        } else if (r.status === 409) {
          hideDuplicate();
          status(message(r.data, "该站点已有位置 / it already has a position") +
                 "。列表已刷新 / the list was reloaded.");
          load(null);
        } else if (r.status === 412) {
          hideDuplicate();
          load(station.id).then(function () {
            var still = items.some(function (s) { return s.id === station.id; });
            status(still
              ? "该站点刚被他人修改，已重新载入，请再放置一次 / someone changed it meanwhile: " +
                "reloaded, place it again"
              : "“" + station.name + "”刚被他人修改，已不在未定位列表中（可能已被定位），列表已重新载入 / " +
                "someone changed it meanwhile and it is no longer unlocated (probably placed): " +
                "the list was reloaded");
          });
        } else {
          fail(message(r.data, "定位失败 / could not place it"));
        }
      }, function () {
        buttons.forEach(function (b) { b.disabled = false; });
        fail("网络错误，请稍后再试 / network error, try again");
      });
    }

    config.datums.forEach(function (d, i) {
      var id = "datum-" + d.code;
      var input = el("input", { type: "radio", name: "datum", id: id, value: d.code });
      if (i === 0) { input.checked = true; }
      $("datums").appendChild(el("label", { "for": id, className: "datum" },
                                 [input, " " + d.zh + " ", el("small", { lang: "en" }, [d.en])]));
    });

    $("place-pin").addEventListener("click", function () {
      var at = pin.getLatLng();
      locate({ lon: Number(at.lng.toFixed(7)), lat: Number(at.lat.toFixed(7)), crs: "wgs84" });
    });
    $("place-coord").addEventListener("click", function () {
      var parsed = parseCoordinate($("coord").value);
      if (typeof parsed === "string") { fail(parsed); $("coord").focus(); return; }
      var datum = document.querySelector("input[name=datum]:checked");
      locate({ lon: parsed[0], lat: parsed[1], crs: datum ? datum.value : "gcj02" });
    });
    $("coord").addEventListener("keydown", function (ev) {
      if (ev.key === "Enter") { ev.preventDefault(); $("place-coord").click(); }
    });
    $("duplicate-confirm").addEventListener("click", function () {
      var reason = $("duplicate-reason").value.trim();
      if (!reason) {
        fail("请填写不是重复的理由 / say why it is not a duplicate");
        $("duplicate-reason").focus();
        return;
      }
      if (!pending) { return; }
      var body = {};
      Object.keys(pending).forEach(function (k) { body[k] = pending[k]; });
      body.confirm_not_duplicate = true;
      body.reason = reason;
      locate(body);
    });

    load(null);
  }

  // ---------------------------------------------------------------- My submissions
  function minePage() {
    var STATE = {
      pending_review: "待审核 pending review", approved: "已审核 approved", rejected: "已驳回 rejected",
      pending: "待审核 pending review", withdrawn: "已撤回 withdrawn"
    };
    var STATUS = {};
    config.statuses.forEach(function (t) { STATUS[t.code] = t.zh; });
    // Codes named as people know them (a change showed love_station, water, 22.539898299999997).
    var TERM = { kind: {}, level: {}, services: {}, status: STATUS };
    config.kinds.forEach(function (t) { TERM.kind[t.code] = t.zh; });
    config.levels.forEach(function (t) { TERM.level[t.code] = t.zh; });
    config.services.forEach(function (t) { TERM.services[t.code] = t.zh; });
    var FIELD = {
      name: "名称", address: "地址", district: "区域", level: "级别", host_org: "依托单位",
      phone: "电话", opening_hours: "开放时间", services: "服务项目", status: "状态",
      status_reason: "状态原因", opened_on: "开放日期", closed_on: "关闭日期",
      lon: "经度", lat: "纬度", kind: "类型"
    };

    function show(v) {
      if (v === null || v === undefined || v === "") { return "—"; }
      if (Array.isArray(v)) { return v.join("、") || "—"; }
      return String(v);
    }

    function stateCell(state) {
      return el("td", {}, [el("span", { className: "tag state-" + state }, [STATE[state] || state])]);
    }

    // What a field worker does next with a submission in ``state``.
    function nextStep(kind, row) {
      if (row.state === "pending" || row.review_state === "pending_review") {
        return ["等待审核 / waiting for a reviewer"];
      }
      if (row.state === "approved" || row.review_state === "approved") {
        return [kind === "station" ? "已发布 / published" : "已生效 / in effect"];
      }
      if (row.state === "withdrawn") { return ["已撤回 / withdrawn"]; }
      // A rejected submission is corrected on the station's page (console-station.js).
      var id = kind === "station" ? row.id : row.station_id;
      var correct = el("a", { href: "/console/stations/" + id, className: "correct" },
                       ["更正 ", el("small", { lang: "en" }, ["correct"])]);
      if (kind === "station" && row.lon === null) {
        return [correct, " · ", el("a", { href: "/console/unlocated" }, ["在“未定位”页放置它，它会重新送审 / place it on the Unlocated page: it goes back to review"])];
      }
      if (kind === "revision") {
        return [correct, " ", el("span", { className: "hint" }, ["按审核意见更正后重新提交 / correct it as the comment says and resubmit"])];
      }
      return [correct, " ", el("span", { className: "hint" }, ["按审核意见更正，保存后重新送审 / correct it as the comment says: saving sends it back to review"])];
    }

    function shown(field, v) {
      if (v === null || v === undefined || v === "") { return "—"; }
      if (field === "lon" || field === "lat") { return Number(v).toFixed(6); }
      if (field === "services" && Array.isArray(v)) {
        return v.map(function (c) { return TERM.services[c] || c; }).join("、") || "—";
      }
      if (TERM[field]) { return TERM[field][v] || show(v); }
      return show(v);
    }

    // The fields the revision changes (a status change also sends the fields it leaves
    // as they were: "关闭日期：— → —" said nothing).
    function changes(revision) {
      return revision.diff.filter(function (d) {
        return JSON.stringify(d.before === undefined ? null : d.before) !==
               JSON.stringify(d.proposed === undefined ? null : d.proposed);
      }).map(function (d) {
        return (FIELD[d.field] || d.field) + "：" + shown(d.field, d.before) + " → " +
          shown(d.field, d.proposed);
      }).join("；") + (revision.reason ? "（理由 reason：" + revision.reason + "）" : "");
    }

    function comment(text, by, at) {
      if (!text) { return el("td", { className: "hint" }, ["—"]); }
      return el("td", { className: "comment" }, [
        el("q", {}, [text]),
        by ? el("div", { className: "hint" }, [by + (at ? " · " + cityTime(at) : "")]) : ""
      ].filter(Boolean));
    }

    function row(id, state, cells) {
      return el("tr", { id: id, className: state === "rejected" ? "rejected" : "" }, cells);
    }

    var states = ["pending", "rejected", "approved", "withdrawn"];
    Promise.all([api("GET", "/api/v1/staff/stations?mine=true&limit=500")].concat(states.map(function (s) {
      return api("GET", "/api/v1/staff/revisions?mine=true&limit=500&state=" + s);
    }))).then(function (rs) {
      var bad = rs.filter(function (r) { return r.status !== 200; })[0];
      if (bad) { $("status").textContent = message(bad.data, "读取失败 / could not load"); return; }
      var stations = rs[0].data.slice().sort(function (a, b) { return a.created_at < b.created_at ? 1 : -1; });
      var body = $("drafts").tBodies[0];
      $("drafts-count").textContent = "(" + stations.length + ")";
      if (!stations.length) {
        body.appendChild(el("tr", {}, [el("td", { colspan: "5", className: "hint" }, ["还没有登记 / nothing registered yet"])]));
      }
      stations.forEach(function (s) {
        body.appendChild(row("mine-station-" + s.id, s.review_state, [
          el("th", { scope: "row" }, [s.name, el("div", { className: "hint" }, ["#" + s.id + " · " + cityTime(s.created_at)])]),
          el("td", {}, [show(s.address) + (s.lon === null ? "（未定位 unlocated）" : "")]),
          stateCell(s.review_state),
          comment(s.review_comment, null, null),
          el("td", {}, nextStep("station", s))
        ]));
      });
      var revisions = [];
      rs.slice(1).forEach(function (r) { revisions = revisions.concat(r.data); });
      revisions.sort(function (a, b) { return a.created_at < b.created_at ? 1 : -1; });
      var rbody = $("revisions").tBodies[0];
      $("revisions-count").textContent = "(" + revisions.length + ")";
      if (!revisions.length) {
        rbody.appendChild(el("tr", {}, [el("td", { colspan: "5", className: "hint" }, ["还没有提出修改 / no change proposed yet"])]));
      }
      revisions.forEach(function (v) {
        rbody.appendChild(row("mine-revision-" + v.id, v.state, [
          el("th", { scope: "row" }, [v.station_name, el("div", { className: "hint" }, ["#" + v.station_id + " · " + cityTime(v.created_at)])]),
          el("td", {}, [changes(v)]),
          stateCell(v.state),
          comment(v.comment, v.decided_by, v.decided_at),
          el("td", {}, nextStep("revision", v))
        ]));
      });
    }, function () { $("status").textContent = "网络错误，请稍后再试 / network error, try again"; });
  }

  // Options for a <select>: "中文 english" labels, the code as the value.
  function fillSelect(select, terms, chosen) {
    clear(select);
    terms.forEach(function (t) {
      var option = el("option", { value: t.code }, [t.zh + (t.en ? " " + t.en : "")]);
      if (t.code === chosen) { option.selected = true; }
      select.appendChild(option);
    });
  }

  // ---------------------------------------------------------------- the Users page (admins)
  function usersPage() {
    var ROLE_ZH = {};
    var ROLE_TERMS = config.roles.map(function (r) {
      ROLE_ZH[r.code] = r.zh;
      return { code: r.code, zh: r.zh, en: r.en };
    });
    var when = Y.cityTime(config.timezone, "从未 never");

    function status(text) { $("status").textContent = text; }
    function fail(r, fallback) { $("users-error").textContent = message(r.data, fallback); }

    // A generated password: shown here once, in a read-only field with a copy button.
    function showOnce(name, password, what) {
      $("once").hidden = false;
      $("once-for").textContent = what + "：" + name;
      $("once-password").value = password;
      $("copy-done").textContent = "";
      $("once-password").focus();
      $("once-password").select();
    }

    $("once-close").addEventListener("click", function () {
      $("once-password").value = "";
      $("once").hidden = true;
      $("new-name").focus();
    });

    $("copy-password").addEventListener("click", function () {
      var field = $("once-password");
      function copied() { $("copy-done").textContent = "已复制 / copied"; }
      function byHand() {
        field.focus();
        field.select();
        var ok = false;
        try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
        if (ok) { copied(); } else { $("copy-done").textContent = "请按 Ctrl+C 复制 / press Ctrl+C to copy"; }
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, byHand);
      } else {
        byHand();
      }
    });

    // The row's button that had the focus gets it back after the table is redrawn.
    function refocus(name, cls) {
      Array.prototype.forEach.call($("users").tBodies[0].rows, function (tr) {
        if (tr.getAttribute("data-name") !== name) { return; }
        var again = cls ? tr.getElementsByClassName(cls)[0] : null;
        if (again) { again.focus(); }
      });
    }

    function send(method, url, body, done) {
      var from = document.activeElement;
      var tr = from && from.closest ? from.closest("tr[data-name]") : null;
      var name = tr ? tr.getAttribute("data-name") : null;
      var cls = from && from.classList ? from.classList[0] : null;
      $("users-error").textContent = "";
      status("");
      return api(method, url, body).then(function (r) {
        var ok = r.status === 200 || r.status === 201;
        // Redrawn either way: a refused role change shows the role the account has.
        if (!ok) { fail(r, "操作失败 / failed"); }
        return load().then(function () {
          if (name) { refocus(name, cls); }
          if (ok) { done(r.data); }
        });
      }, function () {
        $("users-error").textContent = "网络错误，请稍后再试 / network error, try again";
      });
    }

    function userUrl(name, action) {
      return "/api/v1/admin/users/" + encodeURIComponent(name) + (action ? "/" + action : "");
    }

    function row(u) {
      var role = el("select", { "aria-label": "角色 role: " + u.name, className: "role" });
      fillSelect(role, ROLE_TERMS, u.role);
      var saveRole = el("button", { type: "button", className: "save-role" }, ["改角色 ", el("small", { lang: "en" }, ["change role"])]);
      saveRole.addEventListener("click", function () {
        send("PATCH", userUrl(u.name), { role: role.value }, function (d) {
          status(d.changed ? "已改角色 role changed：" + u.name + " → " + ROLE_ZH[d.user.role]
                           : "角色未变 role unchanged：" + u.name);
        });
      });
      var toggle = u.active
        ? el("button", { type: "button", className: "toggle danger" }, ["停用 ", el("small", { lang: "en" }, ["disable"])])
        : el("button", { type: "button", className: "toggle" }, ["启用 ", el("small", { lang: "en" }, ["enable"])]);
      toggle.addEventListener("click", function () {
        send("POST", userUrl(u.name, u.active ? "disable" : "enable"), undefined, function () {
          status((u.active ? "已停用 disabled：" : "已启用 enabled：") + u.name);
        });
      });
      var reset = el("button", { type: "button", className: "reset" }, ["重置密码 ", el("small", { lang: "en" }, ["reset password"])]);
      reset.addEventListener("click", function () {
        send("POST", userUrl(u.name, "password"), undefined, function (d) {
          status("已重置密码，该用户的登录已结束 / password reset, its logins ended：" + u.name);
          showOnce(u.name, d.password, "重置后的密码 reset password for");
        });
      });
      var me = u.name === config.me ? [" ", el("span", { className: "tag" }, ["我 me"])] : [];
      return el("tr", { "data-name": u.name }, [
        el("th", { scope: "row" }, [el("strong", {}, [u.name])].concat(me)),
        el("td", {}, [el("div", { className: "actions" }, [role, saveRole])]),
        el("td", { className: u.active ? "active" : "active off" }, [u.active ? "启用 active" : "已停用 disabled"]),
        el("td", { className: "last-login" }, [when(u.last_login_at)]),
        el("td", {}, [el("div", { className: "actions" }, [toggle, reset])])
      ]);
    }

    function load() {
      return api("GET", "/api/v1/admin/users").then(function (r) {
        if (r.status !== 200) { fail(r, "读取失败 / could not load"); return; }
        var body = $("users").tBodies[0];
        clear(body);
        r.data.forEach(function (u) { body.appendChild(row(u)); });
        $("users-count").textContent = "(" + r.data.length + ")";
      });
    }

    fillSelect($("new-role"), ROLE_TERMS, "field_staff");
    $("add-user").addEventListener("submit", function (ev) {
      ev.preventDefault();
      var name = $("new-name").value.trim();
      if (!name) {
        $("users-error").textContent = "请填写用户名 / enter a name";
        $("new-name").focus();
        return;
      }
      $("add-submit").disabled = true;
      send("POST", "/api/v1/admin/users", { name: name, role: $("new-role").value }, function (d) {
        $("new-name").value = "";
        status("已添加用户 account added：" + d.user.name + "（" + ROLE_ZH[d.user.role] + "）");
        showOnce(d.user.name, d.password, "新用户的密码 password of the new account");
      }).then(function () { $("add-submit").disabled = false; });
    });

    load();
  }

  // ---------------------------------------------------------------- the Targets page
  function targetsPage() {
    var KIND_ZH = {};
    var METRIC_ZH = {};
    config.kinds.forEach(function (t) { KIND_ZH[t.code] = t.zh; });
    config.metrics.forEach(function (t) { METRIC_ZH[t.code] = t.zh; });
    fillSelect($("t-kind"), config.kinds);
    fillSelect($("t-metric"), config.metrics);
    var removing = null;

    function status(text) { $("status").textContent = text; }

    // A share as a percentage ("95%"), a count as a number of stations.
    function shown(t) {
      if (t.unit === "share") { return String(Math.round(t.value * 10000) / 100) + "%"; }
      return String(t.value);
    }

    function describe(t) {
      return KIND_ZH[t.kind] + " · " + METRIC_ZH[t.metric] + " · " + shown(t) +
             (t.unit === "count" ? " 座" : "") + " · 截止 by " + t.deadline;
    }

    function edit(t) {
      $("t-kind").value = t.kind;
      $("t-metric").value = t.metric;
      $("t-value").value = shown(t);
      $("t-deadline").value = t.deadline;
      $("t-starts").value = t.starts_on || "";
      $("t-note").value = t.note || "";
      $("t-reason").value = "";
      $("target-error").textContent = "";
      $("t-value").focus();
    }

    function askRemove(t) {
      removing = t;
      $("remove").hidden = false;
      $("remove-what").textContent = describe(t);
      $("remove-reason").value = "";
      $("remove-error").textContent = "";
      $("remove-reason").focus();
    }

    function row(t) {
      var change = el("button", { type: "button", className: "edit" }, ["修改 ", el("small", { lang: "en" }, ["change"])]);
      change.addEventListener("click", function () { edit(t); });
      var drop = el("button", { type: "button", className: "drop danger" }, ["删除 ", el("small", { lang: "en" }, ["remove"])]);
      drop.addEventListener("click", function () { askRemove(t); });
      return el("tr", { "data-key": t.kind + "/" + t.metric + "/" + t.deadline }, [
        el("td", {}, [KIND_ZH[t.kind]]),
        el("td", {}, [METRIC_ZH[t.metric]]),
        el("td", { className: "value" }, [shown(t) + (t.unit === "count" ? " 座" : "")]),
        el("td", {}, [t.starts_on || "—"]),
        el("td", { className: "deadline" }, [t.deadline]),
        el("td", { className: "target-note" }, [t.note || ""]),
        el("td", {}, [el("div", { className: "actions" }, [change, drop])])
      ]);
    }

    function load() {
      return api("GET", "/api/v1/targets").then(function (r) {
        if (r.status !== 200) { status(message(r.data, "读取失败 / could not load")); return; }
        var body = $("targets").tBodies[0];
        clear(body);
        r.data.forEach(function (t) { body.appendChild(row(t)); });
        $("targets-count").textContent = "(" + r.data.length + ")";
        $("targets-empty").hidden = r.data.length > 0;
      });
    }

    function orNull(id) { var v = $(id).value.trim(); return v ? v : null; }

    $("target-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      $("target-error").textContent = "";
      if (!orNull("t-value") || !orNull("t-deadline")) {
        $("target-error").textContent = "请填写目标值和截止日期 / enter a value and a deadline";
        (orNull("t-value") ? $("t-deadline") : $("t-value")).focus();
        return;
      }
      $("target-submit").disabled = true;
      api("PUT", "/api/v1/targets", {
        kind: $("t-kind").value, metric: $("t-metric").value, value: orNull("t-value"),
        deadline: orNull("t-deadline"), starts_on: orNull("t-starts"), note: orNull("t-note"),
        reason: orNull("t-reason")
      }).then(function (r) {
        $("target-submit").disabled = false;
        if (r.status !== 200) {
          $("target-error").textContent = message(r.data, "保存失败 / could not save");
          return;
        }
        status("已保存目标 target saved：" + describe(r.data));
        $("t-reason").value = "";
        load();
      }, function () {
        $("target-submit").disabled = false;
        $("target-error").textContent = "网络错误，请稍后再试 / network error, try again";
      });
    });

    $("remove-cancel").addEventListener("click", function () {
      removing = null;
      $("remove").hidden = true;
      $("t-kind").focus();
    });

    $("remove-form").addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!removing) { return; }
      var reason = $("remove-reason").value.trim();
      if (!reason) {
        $("remove-error").textContent = "删除目标需要填写原因 / removing a target needs a reason";
        $("remove-reason").focus();
        return;
      }
      var t = removing;
      api("POST", "/api/v1/targets/remove",
          { kind: t.kind, metric: t.metric, deadline: t.deadline, reason: reason }).then(function (r) {
        if (r.status !== 200) {
          $("remove-error").textContent = message(r.data, "删除失败 / could not remove");
          return;
        }
        removing = null;
        $("remove").hidden = true;
        status("已删除目标 target removed：" + describe(t));
        load();
      });
    });

    load();
  }
})();
