// Yizhan console: one station's page (/console/stations/{id}), for all staff. Its fields,
// its review state, a small map with its pin, its history as field diffs; for editors an
// edit form (PATCH with If-Match), status changes (temporarily closed, closed on a date,
// reopened; POST …/status with If-Match), and correcting a rejected submission.
// A 412 (someone changed the station since it was loaded) opens the conflict screen:
// what the other person changed, field by field, next to the unsaved changes, with
// "keep mine and save again" and "discard mine"; nothing is overwritten silently.
// Every text from data is set as a text node (yz.js's el) or with textContent.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var ID = config.station_id;
  var when = Y.cityTime(config.timezone);

  function api(method, url, body, headers) {
    return Y.api(method, url, body, headers, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  var TERMS = {};
  ["kinds", "levels", "services", "statuses"].forEach(function (group) {
    TERMS[group] = {};
    config[group].forEach(function (t) { TERMS[group][t.code] = t.zh + " " + t.en; });
  });
  var LABEL = {
    kind: "类型 kind", name: "名称 name", address: "地址 address", district: "区域 district",
    level: "级别 level", host_org: "依托单位 host organisation", phone: "电话 phone",
    opening_hours: "开放时间 opening hours", services: "服务项目 services", status: "状态 status",
    status_reason: "状态原因 status reason", opened_on: "开放日期 opened on",
    closed_on: "关闭日期 closed on", lon: "经度 longitude", lat: "纬度 latitude",
    source: "来源 source", external_id: "外部编号 external id",
    review_state: "审核状态 review state", review_comment: "审核意见 reviewer's comment",
    is_demo: "演示数据 demo data"
  };
  var SHOWN = ["name", "kind", "status", "status_reason", "closed_on", "address", "district",
               "level", "host_org", "phone", "opening_hours", "services", "opened_on", "lon",
               "lat", "source", "external_id"];
  var EDITABLE = ["name", "kind", "address", "district", "level", "host_org", "phone",
                  "opening_hours", "opened_on", "services"];
  var REVIEW = { pending_review: "待审核 pending review", approved: "已发布 published",
                 rejected: "已驳回 rejected" };
  var ACTION = { create: "登记 registered", update: "修改 changed" };
  var STATUS_CHOICES = [
    { code: "temporarily_closed", zh: "暂停开放", en: "temporarily closed" },
    { code: "closed", zh: "关闭", en: "closed on a date" },
    { code: "open", zh: "恢复开放", en: "reopened" }
  ];
  var NONE = "—";

  var station = null;     // the station as loaded (its version is the If-Match)
  var pending = null;     // the change being sent: {type, body, base, what}
  var map = null;
  var pin = null;

  function value(field, v) {
    if (v === null || v === undefined || v === "") { return NONE; }
    if (v === true || v === false) { return v ? "是 yes" : "否 no"; }
    if (field === "kind") { return TERMS.kinds[v] || v; }
    if (field === "level") { return TERMS.levels[v] || v; }
    if (field === "status") { return TERMS.statuses[v] || v; }
    if (field === "review_state") { return REVIEW[v] || v; }
    if (field === "services") {
      return v.length ? v.map(function (s) { return TERMS.services[s] || s; }).join("、") : NONE;
    }
    if (field === "lon" || field === "lat") { return Number(v).toFixed(6); }
    return String(v);
  }

  function same(a, b) {
    var norm = function (v) { return v === undefined || v === "" ? null : v; };
    return JSON.stringify(norm(a)) === JSON.stringify(norm(b));
  }

  function say(text) { $("status").textContent = text; }
  function fail(text) { $("page-error").textContent = text; }

  function small(text) { return el("small", { lang: "en" }, [text]); }

  // ------------------------------------------------------------ loading and showing
  function load() {
    return Promise.all([api("GET", "/api/v1/staff/stations/" + ID),
                        api("GET", "/api/v1/stations/" + ID + "/history")]).then(function (rs) {
      if (rs[0].status !== 200) {
        fail(message(rs[0].data, "读取失败 / could not load"));
        return null;
      }
      station = rs[0].data;
      showStation();
      if (rs[1].status === 200) { showHistory(rs[1].data); }
      return station;
    }, function () { fail("网络错误，请稍后再试 / network error, try again"); });
  }

  function showStation() {
    document.title = station.name + " · 驿站控制台 Yizhan console";
    $("station-name").textContent = station.name;
    $("station-id").textContent = "#" + station.id;
    var tags = $("station-tags");
    clear(tags);
    tags.appendChild(el("span", { className: "tag state-" + station.review_state, id: "review-state" },
                        [value("review_state", station.review_state)]));
    tags.appendChild(document.createTextNode(" "));
    tags.appendChild(el("span", { className: "tag", id: "status-tag" }, [value("status", station.status)]));
    if (station.pending_revisions) {
      tags.appendChild(document.createTextNode(" "));
      tags.appendChild(el("span", { className: "tag tag-draft" },
        [station.pending_revisions + " 项修改待审核 change(s) waiting for review"]));
    }
    var body = $("fields").tBodies[0];
    clear(body);
    SHOWN.forEach(function (f) {
      body.appendChild(el("tr", { "data-field": f }, [el("th", { scope: "row" }, [LABEL[f]]),
                                                      el("td", {}, [value(f, station[f])])]));
    });
    body.appendChild(el("tr", {}, [el("th", { scope: "row" }, ["登记 registered by"]),
      el("td", {}, [station.created_by + " · " + when(station.created_at)])]));
    body.appendChild(el("tr", {}, [el("th", { scope: "row" }, ["最近修改 last change"]),
      el("td", {}, [station.updated_by + " · " + when(station.updated_at)])]));
    showMap();
    showPoster();
    $("actions").hidden = !mayChange();
    $("status-card").hidden = !mayChange();
    showStatusChoices();
    showRejected();
  }

  // The QR poster (issue 15) of a published, placed station that is open or temporarily
  // closed: the station's own page /s/{id} is shown for those.
  function showPoster() {
    var shown = station.review_state === "approved" && station.lon !== null &&
      (station.status === "open" || station.status === "temporarily_closed");
    $("poster-links").hidden = !shown;
    var base = "/api/v1/staff/stations/" + station.id + "/poster.";
    $("poster-pdf").setAttribute("href", base + "pdf");
    $("poster-png").setAttribute("href", base + "png");
  }

  // Whether this person may change the station (the server decides; this only spares
  // them a form it would refuse): editors, but field staff not someone else's draft.
  function mayChange() {
    if (!config.editor) { return false; }
    return config.role !== "field_staff" || station.review_state === "approved" ||
           station.created_by === config.user;
  }

  function showMap() {
    var located = station.lon !== null && station.lon !== undefined;
    $("no-position").hidden = located;
    $("station-map").hidden = !located;
    if (!located) { return; }
    var here = [station.lat, station.lon];
    if (!map) {
      map = L.map("station-map", { keyboard: false }).setView(here, 17);
      window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
      pin = L.marker(here, { title: station.name, keyboard: false }).addTo(map);
    }
    pin.setLatLng(here);
    map.invalidateSize();
    map.setView(here, 17);
  }

  function showHistory(entries) {
    var list = $("history");
    clear(list);
    entries.slice().reverse().forEach(function (h) {
      var rows = h.changes.map(function (c) {
        return el("tr", { "data-field": c.field }, [
          el("th", { scope: "row" }, [LABEL[c.field] || c.field]),
          el("td", { className: "from" }, [value(c.field, c.from)]),
          el("td", { "aria-hidden": "true" }, ["→"]),
          el("td", { className: "to proposed" }, [value(c.field, c.to)])
        ]);
      });
      var head = [el("strong", {}, [ACTION[h.action] || h.action]), " ",
                  el("span", { className: "actor" }, [h.actor]), " · ",
                  el("time", { datetime: h.at }, [when(h.at)]),
                  h.version ? " · v" + h.version : ""];
      var parts = [el("div", {}, head)];
      if (h.reason) { parts.push(el("div", { className: "why" }, ["理由 why：" + h.reason])); }
      if (rows.length) {
        parts.push(el("table", { className: "grid diff" }, [el("tbody", {}, rows)]));
      }
      list.appendChild(el("li", { "data-version": String(h.version) }, parts));
    });
  }

  // ------------------------------------------------------------ rejected submissions
  function showRejected() {
    var mineDraft = station.review_state === "rejected";
    $("rejected-draft").hidden = !mineDraft;
    if (mineDraft) {
      $("rejected-comment").textContent = station.review_comment || NONE;
      $("rejected-by").textContent = "";
      $("correct-draft").hidden = !mayChange();
    }
    $("rejected").hidden = !mineDraft;
    var list = $("rejected-revisions");
    clear(list);
    if (!mayChange()) { return; }
    var states = ["rejected", "pending", "approved"];
    Promise.all(states.map(function (s) {
      return api("GET", "/api/v1/staff/revisions?mine=true&limit=500&station_id=" + ID + "&state=" + s);
    })).then(function (rs) {
      if (rs.some(function (r) { return r.status !== 200; })) { return; }
      var later = rs[1].data.concat(rs[2].data);
      // A rejected change already followed by another of mine is settled.
      var open = rs[0].data.filter(function (v) {
        return !later.some(function (o) { return o.created_at > v.created_at; }) &&
               !rs[0].data.some(function (o) { return o.created_at > v.created_at; });
      });
      open.forEach(function (v) {
        var button = el("button", { type: "button", className: "primary correct-revision",
                                    id: "correct-revision-" + v.id },
                        ["更正后重新提交 ", small("correct and resubmit")]);
        button.addEventListener("click", function () { correctRevision(v); });
        list.appendChild(el("li", { id: "rejected-revision-" + v.id }, [
          el("div", {}, [(v.kind === "status" ? "状态变更 status change" : "修改申请 change") +
                         " · " + when(v.created_at)]),
          el("div", {}, [v.diff.map(function (d) {
            return (LABEL[d.field] || d.field) + "：" + value(d.field, d.before) + " → " + value(d.field, d.proposed);
          }).join("；")]),
          el("p", {}, ["审核意见 reviewer's comment：", el("q", { className: "comment" }, [v.comment || NONE]),
                       " ", el("span", { className: "hint" }, [(v.decided_by || "") + " · " + when(v.decided_at)])]),
          button
        ]));
      });
      if (open.length) { $("rejected").hidden = false; }
    });
  }

  function correctRevision(v) {
    if (v.kind === "status") {
      var proposed = {};
      v.diff.forEach(function (d) { proposed[d.field] = d.proposed; });
      var radio = $("status-" + proposed.status);
      if (radio) { radio.checked = true; }
      $("status-reason").value = proposed.status_reason || "";
      $("closed-on").value = proposed.closed_on || "";
      showClosedOn();
      $("status-reason").focus();
      return;
    }
    var values = {};
    EDITABLE.forEach(function (f) { values[f] = station[f]; });
    v.diff.forEach(function (d) {
      if (EDITABLE.indexOf(d.field) >= 0 || d.field === "lon" || d.field === "lat") { values[d.field] = d.proposed; }
    });
    openEdit(values, "按审核意见更正后重新提交：" + (v.comment || "") +
             " / correct it as the reviewer says and resubmit");
  }

  // ------------------------------------------------------------ the edit form
  function fillSelect(select, terms, chosen, empty) {
    clear(select);
    if (empty) { select.appendChild(el("option", { value: "" }, [NONE])); }
    terms.forEach(function (t) {
      var option = el("option", { value: t.code }, [t.zh + " " + t.en]);
      if (t.code === chosen) { option.selected = true; }
      select.appendChild(option);
    });
    if (!chosen && empty) { select.value = ""; }
  }

  config.services.forEach(function (t) {
    var id = "e-service-" + t.code;
    $("e-services").appendChild(el("label", { "for": id, className: "choice" }, [
      el("input", { type: "checkbox", id: id, value: t.code }), " " + t.zh + " ", small(t.en)]));
  });

  function openEdit(values, note) {
    fillSelect($("e-kind"), config.kinds, values.kind, false);
    fillSelect($("e-level"), config.levels, values.level, true);
    ["name", "address", "district", "host_org", "phone", "opening_hours", "opened_on"].forEach(function (f) {
      $("e-" + f).value = values[f] === null || values[f] === undefined ? "" : values[f];
    });
    Array.prototype.forEach.call($("e-services").querySelectorAll("input"), function (box) {
      box.checked = (values.services || []).indexOf(box.value) >= 0;
    });
    fillPosition(values);
    $("e-reason").value = "";
    $("edit-note").hidden = !note;
    $("edit-note").textContent = note || "";
    $("edit-error").textContent = "";
    hideDuplicate();
    $("edit").hidden = false;
    $("e-name").focus();
  }

  function closeEdit() {
    $("edit").hidden = true;
    if (pin) { pin.dragging.disable(); showMap(); }
    hideDuplicate();
  }

  function formValues() {
    var v = {};
    ["name", "address", "district", "host_org", "phone", "opening_hours", "opened_on"].forEach(function (f) {
      var text = $("e-" + f).value.trim();
      v[f] = text === "" ? null : text;
    });
    v.kind = $("e-kind").value;
    v.level = $("e-level").value || null;
    v.services = Array.prototype.filter.call($("e-services").querySelectorAll("input"),
      function (box) { return box.checked; }).map(function (box) { return box.value; });
    return v;
  }

  // Only the fields changed from the station as loaded are sent.
  function changedFields(values) {
    var body = {};
    EDITABLE.forEach(function (f) {
      if (!same(values[f], station[f])) { body[f] = values[f]; }
    });
    return body;
  }

  config.datums.forEach(function (d) {
    $("e-crs").appendChild(el("option", { value: d.code }, [d.zh + " " + d.en]));
  });

  // The position fields: shown for a located station (an unlocated one is placed on the
  // Unlocated page); the pin can be dragged while the form is open, which writes its
  // WGS-84 position into the fields.
  function fillPosition(values) {
    var located = station.lon !== null && station.lon !== undefined;
    $("e-position").hidden = !located;
    if (!located) { return; }
    $("e-lon").value = Number(values.lon === undefined ? station.lon : values.lon).toFixed(6);
    $("e-lat").value = Number(values.lat === undefined ? station.lat : values.lat).toFixed(6);
    $("e-crs").value = "wgs84";
    if (pin) {
      pin.dragging.enable();
      pin.off("dragend").on("dragend", function () {
        var at = pin.getLatLng();
        $("e-lon").value = at.lng.toFixed(6);
        $("e-lat").value = at.lat.toFixed(6);
        $("e-crs").value = "wgs84";
      });
    }
  }

  // The position to send: null when unchanged; an error text when it cannot be read.
  function positionChange() {
    if ($("e-position").hidden) { return null; }
    var lon = Number($("e-lon").value.trim()), lat = Number($("e-lat").value.trim());
    if ($("e-lon").value.trim() === "" || $("e-lat").value.trim() === "" ||
        !isFinite(lon) || !isFinite(lat)) {
      return "经度和纬度须为数字 / longitude and latitude must be numbers";
    }
    var crs = $("e-crs").value;
    if (crs === "wgs84" && lon.toFixed(6) === Number(station.lon).toFixed(6) &&
        lat.toFixed(6) === Number(station.lat).toFixed(6)) { return null; }
    return { lon: lon, lat: lat, crs: crs };
  }

  $("open-edit").addEventListener("click", function () { openEdit(station, ""); });
  $("correct-draft").addEventListener("click", function () {
    openEdit(station, "按审核意见更正：" + (station.review_comment || "") +
             " / correct it as the reviewer says; saving sends it back to review");
  });
  $("edit-cancel").addEventListener("click", function () { closeEdit(); $("open-edit").focus(); });

  $("edit-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("edit-error").textContent = "";
    var body = changedFields(formValues());
    var moved = positionChange();
    if (typeof moved === "string") {
      $("edit-error").textContent = moved;
      $("e-lon").focus();
      return;
    }
    if (moved) { body.lon = moved.lon; body.lat = moved.lat; body.crs = moved.crs; }
    if (!Object.keys(body).length) {
      $("edit-error").textContent = "没有改动 / nothing changed";
      return;
    }
    if (body.name === null) {
      $("edit-error").textContent = "名称不能为空 / the name is required";
      $("e-name").focus();
      return;
    }
    var reason = $("e-reason").value.trim();
    if (reason) { body.reason = reason; }
    send({ type: "edit", body: body, base: station });
  });

  var hideDuplicate = Y.hideDuplicates, showDuplicate = Y.showDuplicates;

  $("duplicate-confirm").addEventListener("click", function () {
    var reason = $("duplicate-reason").value.trim();
    if (!reason) {
      $("edit-error").textContent = "请填写不是重复的理由 / say why it is not a duplicate";
      $("duplicate-reason").focus();
      return;
    }
    if (!pending || pending.type !== "edit") { return; }
    var body = {};
    Object.keys(pending.body).forEach(function (k) { body[k] = pending.body[k]; });
    body.confirm_not_duplicate = true;
    body.reason = reason;
    send({ type: "edit", body: body, base: pending.base });
  });

  // ------------------------------------------------------------ status changes
  function showStatusChoices() {
    var box = $("status-choices");
    if (box.childNodes.length) { return; }
    STATUS_CHOICES.forEach(function (c) {
      var id = "status-" + c.code;
      var input = el("input", { type: "radio", name: "new-status", id: id, value: c.code });
      input.addEventListener("change", showClosedOn);
      box.appendChild(el("label", { "for": id, className: "choice big" }, [input, " " + c.zh + " ", small(c.en)]));
    });
    $("status-" + (station.status === "open" ? "temporarily_closed" : "open")).checked = true;
    showClosedOn();
  }

  function chosenStatus() {
    var checked = document.querySelector("input[name=new-status]:checked");
    return checked ? checked.value : null;
  }

  function showClosedOn() {
    var status = chosenStatus();
    $("closed-on-box").hidden = status !== "closed";
    $("status-reason-need").textContent = status === "open" ? "（可选 optional）" : "（必填 required）";
  }

  $("status-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("status-error").textContent = "";
    var status = chosenStatus();
    var reason = $("status-reason").value.trim();
    if (status !== "open" && !reason) {
      $("status-error").textContent = "请填写原因 / a reason is required";
      $("status-reason").focus();
      return;
    }
    var body = { status: status, reason: reason || null };
    if (status === "closed" && $("closed-on").value) { body.closed_on = $("closed-on").value; }
    send({ type: "status", body: body, base: station });
  });

  // ------------------------------------------------------------ sending, 202, 409, 412
  function errorBox(change) { return change.type === "edit" ? $("edit-error") : $("status-error"); }

  function buttons(disabled) {
    ["edit-submit", "status-submit", "duplicate-confirm", "conflict-keep"].forEach(function (id) {
      $(id).disabled = disabled;
    });
  }

  function send(change) {
    pending = change;
    buttons(true);
    say("");
    errorBox(change).textContent = "";
    var url = change.type === "edit" ? "/api/v1/stations/" + ID : "/api/v1/stations/" + ID + "/status";
    var method = change.type === "edit" ? "PATCH" : "POST";
    return api(method, url, change.body, { "If-Match": 'W/"' + change.base.version + '"' }).then(function (r) {
      buttons(false);
      var code = r.data && r.data.code;
      if (r.status === 200 || r.status === 202) {
        done(change, r);
      } else if (r.status === 409 && code === "possible_duplicate" && change.type === "edit") {
        showDuplicate(r.data);
      } else if (r.status === 412) {
        showConflict(change);
      } else {
        // The message names every field problem (422) or the refusal (403, 409 …).
        errorBox(change).textContent = message(r.data, "保存失败 / could not save");
      }
    }, function () {
      buttons(false);
      errorBox(change).textContent = "网络错误，请稍后再试 / network error, try again";
    });
  }

  function done(change, r) {
    pending = null;
    closeEdit();
    $("conflict").hidden = true;
    if (change.type === "status") { $("status-reason").value = ""; $("closed-on").value = ""; }
    var text;
    if (r.status === 202) {
      text = "已提交审核 / sent for review：审核通过后生效 / it takes effect once a reviewer approves it";
    } else if (r.headers.get("Location")) {
      text = "已生效，等待审核确认 / in effect now; a reviewer will confirm it";
    } else if (change.type === "edit" && change.base.review_state === "rejected" &&
               r.data.review_state === "pending_review") {
      text = "已保存并重新送审 / saved and sent back to review";
    } else {
      text = "已保存 / saved";
    }
    load().then(function () { say(text); $("status").scrollIntoView({ block: "nearest" }); });
  }

  // The conflict screen: the other person's changes since the version this page loaded
  // (from the history), next to the unsaved change.
  function showConflict(change) {
    Promise.all([api("GET", "/api/v1/staff/stations/" + ID),
                 api("GET", "/api/v1/stations/" + ID + "/history")]).then(function (rs) {
      if (rs[0].status !== 200 || rs[1].status !== 200) {
        errorBox(change).textContent = message(rs[0].status !== 200 ? rs[0].data : rs[1].data,
                                               "读取失败 / could not load");
        return;
      }
      var now = rs[0].data;
      var theirs = {};
      var who = [];
      rs[1].data.forEach(function (h) {
        if (h.version === null || h.version <= change.base.version) { return; }
        if (who.indexOf(h.actor) < 0) { who.push(h.actor); }
        h.changes.forEach(function (c) {
          if (!theirs[c.field]) { theirs[c.field] = { from: c.from, to: c.to, by: [] }; }
          theirs[c.field].to = c.to;
          if (theirs[c.field].by.indexOf(h.actor) < 0) { theirs[c.field].by.push(h.actor); }
        });
      });
      var mine = change.type === "edit" ? change.body : {
        status: change.body.status, status_reason: change.body.reason,
        closed_on: change.body.closed_on || null
      };
      var fields = [];
      Object.keys(LABEL).forEach(function (f) {
        var changedByThem = theirs[f] && !same(theirs[f].from, theirs[f].to);
        if (changedByThem || Object.prototype.hasOwnProperty.call(mine, f)) { fields.push(f); }
      });
      var body = $("conflict-table").tBodies[0];
      clear(body);
      fields.forEach(function (f) {
        var t = theirs[f] && !same(theirs[f].from, theirs[f].to) ? theirs[f] : null;
        var m = Object.prototype.hasOwnProperty.call(mine, f);
        body.appendChild(el("tr", { "data-field": f, className: t && m ? "both" : "" }, [
          el("th", { scope: "row" }, [LABEL[f]]),
          el("td", { className: "loaded" }, [value(f, change.base[f])]),
          el("td", { className: t ? "theirs moved" : "theirs" },
             t ? [value(f, t.to), el("div", { className: "hint" }, [t.by.join("、")])] : ["（未改 unchanged）"]),
          el("td", { className: m ? "mine proposed" : "mine" }, [m ? value(f, mine[f]) : "（未改 unchanged）"])
        ]));
      });
      $("conflict-who").textContent = "修改人 changed by：" + (who.join("、") || NONE) + " · 版本 version " +
        change.base.version + " → " + now.version;
      pending = { type: change.type, body: change.body, base: now, loaded: change.base };
      $("conflict").hidden = false;
      $("conflict").focus();
      $("conflict").scrollIntoView({ block: "start" });
    });
  }

  $("conflict-keep").addEventListener("click", function () {
    if (!pending) { return; }
    send({ type: pending.type, body: pending.body, base: pending.base });
  });

  $("conflict-discard").addEventListener("click", function () {
    var type = pending ? pending.type : "edit";
    pending = null;
    $("conflict").hidden = true;
    closeEdit();
    if (type === "status") { $("status-reason").value = ""; $("closed-on").value = ""; }
    load().then(function () {
      say("已放弃您的修改，显示的是最新内容 / your changes were discarded; this is the latest version");
      $("open-edit").focus();
    });
  });

  // ------------------------------------------------------------ inspections (#15)
  // The station's inspections, newest first, for the roles that inspect (editors); the
  // "inspect" link opens the Inspect page with this station chosen.
  function loadInspections() {
    if (!config.editor) { return; }
    api("GET", "/api/v1/staff/stations/" + ID + "/inspections").then(function (r) {
      if (r.status !== 200) { return; }
      $("inspections-card").hidden = false;
      $("inspect-link").setAttribute("href", "/console/inspect?station=" + ID);
      var list = $("inspections");
      clear(list);
      if (!r.data.length) { list.appendChild(el("li", { className: "hint" }, ["尚无巡查 no inspection yet"])); }
      r.data.forEach(function (i) {
        var parts = [el("strong", {}, [i.passed ? "合格 passed" : "不合格 failed"]), " · ",
                     el("time", { datetime: i.inspected_at }, [when(i.inspected_at)]), " · ",
                     el("span", { className: "actor" }, [i.inspector])];
        if (i.distance_m !== null) {
          parts.push(" · ", el("span", { className: i.far ? "distance far" : "distance" },
                               ["距站点 " + Math.round(i.distance_m) + " 米 m"]));
        }
        var lines = [el("div", {}, parts)];
        if (i.warning) { lines.push(el("div", { className: "warn" }, [i.warning.message + " / " + i.warning.message_en])); }
        var failed = i.checklist.filter(function (a) { return a.ok === false; });
        if (failed.length) {
          lines.push(el("div", {}, ["不合格项 failed：" + failed.map(function (a) {
            return a.zh + (a.note ? "（" + a.note + "）" : "");
          }).join("、")]));
        }
        if (i.problems.length) {
          lines.push(el("div", { className: "hint" }, ["问题 problems：" + i.problems.map(function (p) {
            return p.receipt + " " + p.category_zh;
          }).join("、")]));
        }
        if (i.photos.length) { lines.push(el("div", { className: "hint" }, ["照片 photos：" + i.photos.length])); }
        if (i.comment) { lines.push(el("div", { className: "why" }, ["说明 comment：" + i.comment])); }
        list.appendChild(el("li", { "data-inspection": String(i.id) }, lines));
      });
    });
  }

  load();
  loadInspections();
}());
