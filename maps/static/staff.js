// Yizhan field staff page: log in, place the pin, see nearby stations, register one,
// follow my submissions. Every text that comes from data is set with textContent (or as
// a text node): this file never assigns HTML.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("staff-config").textContent);
  var STATES = { pending_review: "待审核", approved: "已通过", rejected: "已驳回" };
  var KIND_ZH = {};
  config.kinds.forEach(function (k) { KIND_ZH[k.code] = k.zh; });
  var map = null;
  var pin = null;
  var nearbyLayer = null;

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, api = Y.api;

  // ---------------------------------------------------------------- login
  function showLogin() {
    $("login-view").hidden = false;
    $("app-view").hidden = true;
    $("who").hidden = true;
    $("console-links").hidden = true;
  }

  // Links to the console pages of the signed-in person's role (the server lists them
  // per role in the config); this form itself is left out.
  function showConsoleLinks(role) {
    var list = $("console-links").querySelector("ul");
    clear(list);
    (config.console[role] || []).forEach(function (p, i) {
      if (p.path === "/staff") { return; }
      var lead = i === 0 ? "进入控制台：" : "";
      list.appendChild(el("li", {}, [el("a", { href: p.path, className: i === 0 ? "landing" : "" }, [
        lead + p.zh + " ", el("small", { lang: "en" }, [(i === 0 ? "open the console: " : "") + p.en])
      ])]));
    });
    $("console-links").hidden = !list.firstChild;
  }

  function showApp(user) {
    $("login-view").hidden = true;
    $("app-view").hidden = false;
    $("who").hidden = false;
    $("who-name").textContent = user.name + "（" + user.role_zh + "）";
    showConsoleLinks(user.role);
    initMap();
    loadMine();
  }

  $("login-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    $("login-error").textContent = "";
    api("POST", "/api/v1/auth/session", {
      username: $("login-username").value, password: $("login-password").value
    }).then(function (r) {
      if (r.status === 200) { showApp(r.data); return; }
      $("login-error").textContent = (r.data && r.data.message) || "登录失败";
    });
  });

  $("logout").addEventListener("click", function () {
    api("POST", "/api/v1/auth/logout").then(showLogin);
  });

  // ---------------------------------------------------------------- map and position
  function initMap() {
    if (map) { return; }
    map = L.map("map").setView([config.centre[1], config.centre[0]], 15);
    window.YizhanBasemap.add(map, config.basemap); // our tiles (YIZHAN_TILE_URL's first when set)
    nearbyLayer = L.layerGroup().addTo(map);
    map.on("click", function (e) { placePin(e.latlng.lat, e.latlng.lng); });
  }

  function placePin(lat, lon) {
    if (!pin) {
      pin = L.marker([lat, lon], { draggable: true, title: "新站点位置" }).addTo(map);
      pin.on("dragend", function () {
        var p = pin.getLatLng();
        setPosition(p.lat, p.lng);
      });
    } else {
      pin.setLatLng([lat, lon]);
    }
    map.setView([lat, lon], Math.max(map.getZoom(), 17));
    setPosition(lat, lon);
  }

  function setPosition(lat, lon) {
    $("f-lat").value = lat.toFixed(7);
    $("f-lon").value = lon.toFixed(7);
    $("position").textContent = lon.toFixed(6) + ", " + lat.toFixed(6);
    loadNearby(lat, lon);
  }

  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { $("locate-status").textContent = "此浏览器不能定位"; return; }
    $("locate-status").textContent = "定位中…";
    navigator.geolocation.getCurrentPosition(function (pos) {
      $("locate-status").textContent = "精度约 " + Math.round(pos.coords.accuracy) + " 米";
      placePin(pos.coords.latitude, pos.coords.longitude);
    }, function (err) {
      $("locate-status").textContent = "无法定位：" + err.message + "（可点地图放置图钉）";
    }, { enableHighAccuracy: true, timeout: 15000 });
  });

  function stationLine(s, extra) {
    var li = el("li", {}, [
      el("strong", {}, [s.name]), " ",
      el("span", { className: "hint" }, [(KIND_ZH[s.kind] || s.kind) + (extra || "")])
    ]);
    if (s.review_state) {
      li.appendChild(el("span", { className: "state state-" + s.review_state },
                        [STATES[s.review_state] || s.review_state]));
    }
    if (s.address) { li.appendChild(el("div", { className: "hint" }, [s.address])); }
    return li;
  }

  function loadNearby(lat, lon) {
    var url = "/api/v1/staff/stations/nearby?radius_m=300&lon=" + encodeURIComponent(lon) +
              "&lat=" + encodeURIComponent(lat);
    api("GET", url).then(function (r) {
      var list = $("nearby");
      clear(list);
      nearbyLayer.clearLayers();
      if (r.status !== 200) { return; }
      if (!r.data.length) { list.appendChild(el("li", { className: "hint" }, ["300 米内没有已登记的站点"])); }
      r.data.forEach(function (s) {
        list.appendChild(stationLine(s, " · " + Math.round(s.distance_m) + " 米"));
        var label = el("span", {}, [s.name]);  // a node, so Leaflet does not parse HTML
        L.circleMarker([s.lat, s.lon], { radius: 7, color: "#c0392b" })
          .bindTooltip(label).addTo(nearbyLayer);
      });
    });
  }

  // ---------------------------------------------------------------- the form
  function fillChoices() {
    config.kinds.forEach(function (k) {
      $("f-kind").appendChild(el("option", { value: k.code }, [k.zh]));
    });
    $("f-level").appendChild(el("option", { value: "" }, ["（不填）"]));
    config.levels.forEach(function (k) {
      $("f-level").appendChild(el("option", { value: k.code }, [k.zh]));
    });
    config.services.forEach(function (s) {
      var box = el("input", { type: "checkbox", name: "services", value: s.code });
      $("f-services").appendChild(el("label", {}, [box, s.zh]));
    });
  }

  function formBody() {
    var body = { kind: $("f-kind").value, name: $("f-name").value, crs: "wgs84",
                 lon: $("f-lon").value === "" ? null : Number($("f-lon").value),
                 lat: $("f-lat").value === "" ? null : Number($("f-lat").value) };
    [["address", "f-address"], ["opening_hours", "f-hours"], ["phone", "f-phone"],
     ["host_org", "f-host"], ["level", "f-level"], ["opened_on", "f-opened"]].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) { body[p[0]] = v; }
    });
    body.services = Array.prototype.map.call(
      document.querySelectorAll("#f-services input:checked"), function (b) { return b.value; });
    if ($("f-confirm").checked) {
      body.confirm_not_duplicate = true;
      body.reason = $("f-reason").value;
    }
    return body;
  }

  function clearErrors() {
    document.querySelectorAll("[data-error-for]").forEach(function (p) { p.textContent = ""; });
    $("form-error").textContent = "";
    $("form-ok").textContent = "";
  }

  function showFieldErrors(data) {
    var shown = false;
    ((data && data.details) || []).forEach(function (d) {
      var field = (d.field || "").split(".").pop();
      var target = document.querySelector('[data-error-for="' + CSS.escape(field) + '"]');
      if (target) { target.textContent = d.message; shown = true; }
    });
    if (!shown) { $("form-error").textContent = (data && data.message) || "提交失败"; }
    else { $("form-error").textContent = "请修改标红的项目"; }
  }

  function showDuplicates(data) {
    var list = $("duplicates");
    clear(list);
    ((data.details && data.details.candidates) || []).forEach(function (c) {
      list.appendChild(stationLine(c, " · " + Math.round(c.distance_m) + " 米"));
    });
    $("duplicate-box").hidden = false;
    $("form-error").textContent = data.message;
  }

  $("station-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearErrors();
    if ($("f-lon").value === "") {
      $("form-error").textContent = "请先确定位置：点“使用我的位置”或点地图";
      return;
    }
    $("submit").disabled = true;
    api("POST", "/api/v1/stations", formBody()).then(function (r) {
      $("submit").disabled = false;
      if (r.status === 201) {
        $("form-ok").textContent = "已提交：" + r.data.name + "（" + (STATES[r.data.review_state] || "") + "）";
        $("station-form").reset();
        $("duplicate-box").hidden = true;
        loadMine();
        loadNearby(r.data.lat, r.data.lon);
      } else if (r.status === 409) {
        showDuplicates(r.data);
      } else if (r.status === 401) {
        showLogin();
      } else {
        showFieldErrors(r.data);
      }
    }, function () {
      $("submit").disabled = false;
      $("form-error").textContent = "网络错误，请稍后再试";
    });
  });

  // ---------------------------------------------------------------- my submissions
  function loadMine() {
    api("GET", "/api/v1/staff/stations?mine=true&limit=50").then(function (r) {
      var list = $("mine");
      clear(list);
      if (r.status !== 200) { return; }
      if (!r.data.length) { list.appendChild(el("li", { className: "hint" }, ["还没有登记"])); }
      r.data.forEach(function (s) {
        var li = stationLine(s);
        if (s.review_comment) {
          li.appendChild(el("div", { className: "hint" }, ["审核意见：" + s.review_comment]));
        }
        list.appendChild(li);
      });
    });
  }

  fillChoices();
  // Without a session cookie nobody is signed in: no need to ask (and log a 401).
  if (!config.has_session) {
    showLogin();
  } else {
    api("GET", "/api/v1/auth/me").then(function (r) {
      if (r.status === 200) { showApp(r.data); } else { showLogin(); }
    });
  }
})();
