// Yizhan console: the Inspect page (/console/inspect), phone first, for field staff,
// reviewers and admins. Choose a station (search by name or address, or the nearest to
// the phone's position), answer the station standard's checklist with big three-way
// toggles (合格 ok / 不合格 failed / 未检查 not checked; a note for a failed item), add
// photos (the camera; previewed, removable, each tied to an item if wanted), the GPS
// position with its distance from the station and the warning beyond the limit, submit
// (POST …/inspections as multipart), and read the result: passed or not, the problems
// opened and those already open. /console/inspect?station=ID preselects a station.
// Every text from data is set as a text node (yz.js's el) or with textContent.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var WARN_M = config.warn_m;
  var CATEGORY = {};
  config.categories.forEach(function (t) { CATEGORY[t.code] = t.zh + " " + t.en; });
  var STATE = {};
  config.states.forEach(function (t) { STATE[t.code] = t.zh + " " + t.en; });
  var CHOICES = [
    { value: "ok", zh: "合格", en: "ok" },
    { value: "failed", zh: "不合格", en: "failed" },
    { value: "skip", zh: "未检查", en: "not checked" }
  ];

  var station = null;    // the chosen station (from …/standard)
  var items = [];        // its checklist
  var maxPhotos = 0;
  var photos = [];       // [{file, url}]
  var position = null;   // {lon, lat, accuracy} of the phone, WGS-84
  var sending = false;

  function api(method, url, body) {
    return Y.api(method, url, body, {}, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function small(text) { return el("small", { lang: "en" }, [text]); }
  function say(text) { $("status").textContent = text; }
  function fail(text) { $("page-error").textContent = text; }
  function offline() { fail("网络错误，请稍后再试 / network error, try again"); }

  // ------------------------------------------------------------ choosing a station
  function showChoices(rows, withDistance) {
    var list = $("choices");
    clear(list);
    if (!rows.length) {
      list.appendChild(el("li", { className: "hint" }, ["没有找到站点 no station found"]));
      return;
    }
    rows.forEach(function (s) {
      var parts = [el("strong", {}, [s.name])];
      if (withDistance) {
        parts.push(" ", el("span", { className: "distance" }, [Math.round(s.distance_m) + " 米 m"]));
      }
      if (s.address) { parts.push(el("br"), el("span", { className: "hint" }, [s.address])); }
      var button = el("button", { type: "button", className: "choice-button",
                                  "data-station": String(s.id) }, parts);
      button.addEventListener("click", function () { choose(s.id); });
      list.appendChild(el("li", {}, [button]));
    });
  }

  function search(event) {
    event.preventDefault();
    var q = $("search-q").value.trim();
    fail("");
    var url = "/api/v1/staff/stations?sort=name&limit=20" + (q ? "&q=" + encodeURIComponent(q) : "");
    api("GET", url).then(function (r) {
      if (r.status !== 200) { fail(message(r.data, "搜索失败 / search failed")); return; }
      showChoices(r.data, false);
    }, offline);
  }

  // The phone's position (WGS-84, as the browser gives it): resolves {lon, lat, accuracy}.
  function locate() {
    return new Promise(function (resolve, reject) {
      if (!navigator.geolocation) {
        reject(new Error("这台设备不能定位 / this device cannot locate"));
        return;
      }
      navigator.geolocation.getCurrentPosition(function (p) {
        resolve({ lon: p.coords.longitude, lat: p.coords.latitude,
                  accuracy: Math.round(p.coords.accuracy) });
      }, function (e) {
        reject(new Error("无法定位（" + e.message + "）/ could not locate; allow location and try again"));
      }, { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 });
    });
  }

  function nearest() {
    fail("");
    say("正在定位… locating…");
    locate().then(function (p) {
      position = p;
      var url = "/api/v1/staff/stations/nearby?radius_m=3000&lon=" + p.lon + "&lat=" + p.lat;
      return api("GET", url).then(function (r) {
        say("");
        if (r.status !== 200) { fail(message(r.data, "查询失败 / could not list")); return; }
        showChoices(r.data.slice(0, 10), true);
        var first = $("choices").querySelector("button");
        if (first) { first.focus(); }
      });
    }, function (e) { say(""); fail(e.message); });
  }

  function choose(id) {
    fail("");
    api("GET", "/api/v1/staff/stations/" + id + "/standard").then(function (r) {
      if (r.status !== 200) { fail(message(r.data, "读取失败 / could not load")); return; }
      station = r.data.station;
      items = r.data.items;
      maxPhotos = r.data.max_photos;
      WARN_M = r.data.warn_m;
      showForm(r.data.standard);
      var url = new URL(window.location.href);
      url.searchParams.set("station", String(station.id));
      window.history.replaceState(null, "", url.pathname + url.search);
    }, offline);
  }

  // ------------------------------------------------------------ the form
  function showForm(standardName) {
    $("choose").hidden = true;
    $("result").hidden = true;
    $("inspect-form").hidden = false;
    $("chosen-name").textContent = station.name;
    $("chosen-id").textContent = "#" + station.id;
    $("chosen-address").textContent = station.address || "";
    $("chosen-hours").textContent = station.opening_hours ?
      "开放时间 opening hours：" + station.opening_hours : "";
    $("station-link").setAttribute("href", "/console/stations/" + station.id);
    $("standard-name").textContent = standardName;
    $("photo-limit").textContent = "（最多 " + maxPhotos + " 张 up to " + maxPhotos + "）";
    $("form-error").textContent = "";
    $("comment").value = "";
    buildChecklist();
    photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    photos = [];
    showPhotos();
    showPosition();
    document.title = "巡查 " + station.name + " · 驿站控制台 Yizhan console";
    $("chosen-name").scrollIntoView();
  }

  function buildChecklist() {
    var box = $("checklist");
    clear(box);
    items.forEach(function (item, n) {
      var name = "item-" + n;
      var toggles = el("div", { className: "toggles" }, []);
      CHOICES.forEach(function (c) {
        var id = name + "-" + c.value;
        var input = el("input", { type: "radio", name: name, id: id, value: c.value,
                                  className: "toggle-input" });
        input.addEventListener("change", function () { answered(n); });
        toggles.appendChild(input);
        toggles.appendChild(el("label", { "for": id, className: "toggle toggle-" + c.value },
                               [c.zh, " ", small(c.en)]));
      });
      var noteId = name + "-note";
      var note = el("div", { className: "item-note", id: name + "-note-box", hidden: "hidden" }, [
        el("label", { "for": noteId }, ["问题说明 ", small("what is wrong")]),
        el("textarea", { id: noteId, rows: "2", maxlength: "300" })
      ]);
      box.appendChild(el("fieldset", { className: "check-item", id: name, "data-item": item.code }, [
        el("legend", {}, [item.zh, " ", small(item.en)]), toggles, note
      ]));
    });
    // A standard without the opening-hours item: asked apart (optional), as the
    // inspection's open_at_hours, which the evaluation reads.
    var hasHours = items.some(function (item) { return item.code === "open_at_hours"; });
    if (!hasHours) {
      var hours = el("div", { className: "toggles" }, []);
      CHOICES.forEach(function (c) {
        var id = "hours-" + c.value;
        hours.appendChild(el("input", { type: "radio", name: "hours", id: id, value: c.value,
                                        className: "toggle-input" }));
        hours.appendChild(el("label", { "for": id, className: "toggle toggle-" + c.value },
                             [c.zh, " ", small(c.en)]));
      });
      box.appendChild(el("fieldset", { className: "check-item", id: "hours" }, [
        el("legend", {}, ["按公布时间开放（可选） ", small("open at the published hours (optional)")]),
        hours
      ]));
    }
    countAnswers();
  }

  function answerOf(n) {
    var checked = document.querySelector('input[name="item-' + n + '"]:checked');
    return checked ? checked.value : null;
  }

  function answered(n) {
    var failed = answerOf(n) === "failed";
    var box = $("item-" + n + "-note-box");
    box.hidden = !failed;
    $("item-" + n).classList.toggle("is-failed", failed);
    countAnswers();
  }

  function countAnswers() {
    var done = items.filter(function (_, n) { return answerOf(n) !== null; }).length;
    $("checklist-count").textContent = "已填写 " + done + " / " + items.length + " 项 answered";
  }

  // ------------------------------------------------------------ photos
  function addPhotos() {
    var input = $("photo-input");
    var room = maxPhotos - photos.length;
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > room) {
      $("form-error").textContent = "照片最多 " + maxPhotos + " 张 / at most " + maxPhotos + " photos";
    }
    files.slice(0, Math.max(room, 0)).forEach(function (f) {
      photos.push({ file: f, url: URL.createObjectURL(f), item: "" });
    });
    input.value = "";
    showPhotos();
  }

  function showPhotos() {
    var list = $("photo-list");
    clear(list);
    photos.forEach(function (p, n) {
      var selectId = "photo-item-" + n;
      var select = el("select", { id: selectId }, [el("option", { value: "" }, ["（不指定 none）"])]);
      items.forEach(function (item) {
        var option = el("option", { value: item.code }, [item.zh + " " + item.en]);
        if (item.code === p.item) { option.selected = true; }
        select.appendChild(option);
      });
      select.addEventListener("change", function () { p.item = select.value; });
      var remove = el("button", { type: "button", className: "danger", id: "photo-remove-" + n },
                      ["删除 ", small("remove")]);
      remove.addEventListener("click", function () {
        URL.revokeObjectURL(p.url);
        photos.splice(n, 1);
        showPhotos();
        $("photo-input").focus();
      });
      list.appendChild(el("li", { className: "photo" }, [
        el("img", { src: p.url, alt: "照片 " + (n + 1) + " photo " + (n + 1) + ": " + p.file.name }),
        el("div", { className: "photo-meta" }, [
          el("label", { "for": selectId }, ["显示的检查项 ", small("shows")]), select, remove
        ])
      ]));
    });
    $("photo-input").disabled = photos.length >= maxPhotos;
  }

  // ------------------------------------------------------------ position
  // Metres between two WGS-84 points (haversine; the server computes its own on the spheroid).
  function metres(a, b) {
    var rad = Math.PI / 180;
    var dLat = (b.lat - a.lat) * rad, dLon = (b.lon - a.lon) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
            Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * 6371008.8 * Math.asin(Math.sqrt(h));
  }

  function showPosition() {
    var text = $("position-text");
    var warning = $("distance-warning");
    warning.hidden = true;
    if (!position) {
      text.textContent = "尚未定位 not located yet";
      return;
    }
    var line = "经度 lon " + position.lon.toFixed(6) + "，纬度 lat " + position.lat.toFixed(6) +
               "（精度 accuracy ±" + position.accuracy + " 米 m）";
    if (station && station.lon !== null && station.lon !== undefined) {
      var d = Math.round(metres(position, station));
      line += "；距站点 " + d + " 米 / " + d + " m from the station";
      if (d > WARN_M) {
        warning.hidden = false;
        warning.textContent = "距站点超过 " + Math.round(WARN_M) + " 米：请确认您在站点现场（仍可提交，记录会带有提示）。 / More than " +
          Math.round(WARN_M) + " m from the station: are you on the spot? (You may still submit; the record keeps the warning.)";
      }
    } else if (station) {
      line += "；站点尚未定位，无法计算距离 / the station has no position: no distance";
    }
    text.textContent = line;
  }

  function relocate() {
    $("position-text").textContent = "正在定位… locating…";
    locate().then(function (p) { position = p; showPosition(); },
                  function (e) { showPosition(); $("form-error").textContent = e.message; });
  }

  // A photo scaled down to the longest side the server keeps and re-encoded as JPEG, so
  // a phone sends a few hundred KB instead of a camera's megabytes (the server cleans it
  // again and strips what is left of its metadata). Anything the browser cannot decode
  // (or a browser without createImageBitmap) is sent as it is, for the server to judge.
  function shrink(file) {
    var side = config.photo_max_side;
    if (!window.createImageBitmap || !HTMLCanvasElement.prototype.toBlob) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, side / Math.max(bmp.width, bmp.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(bmp.width * scale));
      canvas.height = Math.max(1, Math.round(bmp.height * scale));
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      if (bmp.close) { bmp.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob && blob.size < file.size ? blob : file);
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  // ------------------------------------------------------------ submitting
  function submit(event) {
    event.preventDefault();
    if (sending) { return; }
    var error = $("form-error");
    error.textContent = "";
    var missing = items.filter(function (_, n) { return answerOf(n) === null; });
    if (missing.length) {
      error.textContent = "还有 " + missing.length + " 项未填写：" + missing[0].zh + " / " +
        missing.length + " item(s) unanswered: " + missing[0].en;
      var first = items.indexOf(missing[0]);
      document.getElementById("item-" + first + "-ok").focus();
      return;
    }
    var checklist = items.map(function (item, n) {
      var a = answerOf(n);
      var note = a === "failed" ? $("item-" + n + "-note").value.trim() : "";
      return { item: item.code, ok: a === "ok" ? true : a === "failed" ? false : null,
               note: note || null };
    });
    var form = new FormData();
    form.append("checklist", JSON.stringify(checklist));
    if (position) {
      form.append("lon", String(position.lon));
      form.append("lat", String(position.lat));
      form.append("accuracy", String(position.accuracy));
    }
    var hours = document.querySelector('input[name="hours"]:checked');
    if (hours && hours.value !== "skip") { form.append("open_at_hours", String(hours.value === "ok")); }
    var comment = $("comment").value.trim();
    if (comment) { form.append("comment", comment); }
    sending = true;
    $("submit").disabled = true;
    say("正在提交… sending…");
    Promise.all(photos.map(function (p) { return shrink(p.file); })).then(function (blobs) {
      blobs.forEach(function (blob, n) {
        form.append("photos", blob, photos[n].file.name);
        form.append("photo_items", photos[n].item || "");
      });
      return api("POST", "/api/v1/staff/stations/" + station.id + "/inspections", form);
    }).then(function (r) {
      sending = false;
      $("submit").disabled = false;
      say("");
      if (r.status !== 201) {
        error.textContent = message(r.data, "提交失败（" + r.status + "）/ not recorded (" + r.status + ")");
        return;
      }
      showResult(r.data);
    }, function () {
      sending = false;
      $("submit").disabled = false;
      say("");
      error.textContent = "网络错误，巡查没有提交，请重试 / network error: not recorded, try again";
    });
  }

  // A problem: its receipt, category, the failed item it stands for, its state.
  function problemLine(p) {
    var item = items.filter(function (i) { return i.code === p.item; })[0];
    var parts = [el("strong", {}, [p.receipt]), " ", CATEGORY[p.category] || p.category];
    if (item) { parts.push("：" + item.zh + " " + item.en); }
    parts.push(" ", el("span", { className: "hint" }, ["· " + (STATE[p.state] || p.state)]));
    return el("li", { "data-receipt": p.receipt }, parts);
  }

  function showResult(data) {
    var ins = data.inspection;
    $("inspect-form").hidden = true;
    $("result").hidden = false;
    var verdict = $("result-verdict");
    verdict.className = "verdict " + (ins.passed ? "passed" : "failed");
    verdict.textContent = ins.passed ?
      "合格：所有已检查项均合格 / passed: every checked item ok" :
      "不合格：" + ins.failed_items.length + " 项不合格 / failed: " + ins.failed_items.length + " item(s)";
    var warning = $("result-warning");
    warning.hidden = !data.warning;
    warning.textContent = data.warning ? data.warning.message + " / " + data.warning.message_en : "";
    var opened = $("result-opened");
    clear(opened);
    data.opened.forEach(function (p) { opened.appendChild(problemLine(p)); });
    if (!data.opened.length) { opened.appendChild(el("li", { className: "hint" }, ["无 none"])); }
    var existing = $("result-existing");
    clear(existing);
    data.already_open.forEach(function (p) { existing.appendChild(problemLine(p)); });
    if (!data.already_open.length) { existing.appendChild(el("li", { className: "hint" }, ["无 none"])); }
    $("result-station").setAttribute("href", "/console/stations/" + station.id);
    photos.forEach(function (p) { URL.revokeObjectURL(p.url); });
    photos = [];
    $("result").focus();
  }

  function again() {
    station = null;
    $("result").hidden = true;
    $("inspect-form").hidden = true;
    $("choose").hidden = false;
    window.history.replaceState(null, "", "/console/inspect");
    $("search-q").focus();
  }

  $("search-form").addEventListener("submit", search);
  $("nearest").addEventListener("click", nearest);
  $("change-station").addEventListener("click", again);
  $("again").addEventListener("click", again);
  $("photo-input").addEventListener("change", addPhotos);
  $("locate").addEventListener("click", relocate);
  $("inspect-form").addEventListener("submit", submit);
  if (config.station_id) { choose(config.station_id); }
}());
