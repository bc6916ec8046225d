/* Yizhan map page: find the nearest stations. Plain JavaScript, no build step.
 * Station text is only ever written with textContent; links only get https:, geo: or tel:. */
(function () {
  "use strict";

  var CONFIG = JSON.parse(document.getElementById("config").textContent);
  var MAP_CRS = CONFIG.basemap.crs; // "wgs84" or "gcj02" (Amap tiles)
  var TEXT = {
    zh: {
      title: "驿站 · 找最近的驿站", locate: "定位我", hint: "或在地图上点选您的位置",
      openNow: "现在开放", close: "关闭", navAmap: "高德导航", navBaidu: "百度导航",
      navGeo: "其他地图", allKinds: "全部类型", locating: "正在定位…",
      noGeo: "无法获取您的位置，请在地图上点选您的位置。", searching: "正在查找…",
      none: "附近没有符合条件的站点。", found: "离您最近的 {n} 个站点（{basis}）",
      walking: "按步行距离", straight: "按直线距离", m: "{d} 米", km: "{d} 公里",
      walk: "步行约 {t} 分钟", open: "开放中", closed: "未开放", unknown: "开放时间未知",
      opensAt: "{t} 开放", closesAt: "{t} 关闭", you: "您的位置", phone: "电话 ",
      hours: "开放时间：", lang: "English", langCode: "zh-CN",
      lineOnly: "直线距离：步行网络不连通"
    },
    en: {
      title: "Yizhan · nearest station", locate: "Locate me", hint: "or tap the map where you are",
      openNow: "Open now", close: "Close", navAmap: "Amap", navBaidu: "Baidu",
      navGeo: "Other map app", allKinds: "All kinds", locating: "Locating…",
      noGeo: "Your position is not available: tap the map where you are.",
      searching: "Searching…", none: "No matching station nearby.",
      found: "The {n} nearest stations ({basis})", walking: "walking distance",
      straight: "straight-line distance", m: "{d} m", km: "{d} km", walk: "{t} min walk",
      open: "Open", closed: "Closed", unknown: "Hours unknown", opensAt: "opens {t}",
      closesAt: "closes {t}", you: "You are here", phone: "Phone ", hours: "Hours: ",
      lang: "中文", langCode: "en",
      lineOnly: "straight line: the walk network does not connect"
    }
  };
  var FILTER_SERVICES = ["drinking_water", "toilet", "hot_water", "phone_charging",
    "cooling", "heating", "nursing_chair", "books"];

  var lang = localStorage.getItem("yizhan.lang") === "en" ? "en" : "zh";
  var state = { origin: null, answer: null, services: {} };

  function t(key, vars) {
    var s = TEXT[lang][key];
    Object.keys(vars || {}).forEach(function (k) { s = s.replace("{" + k + "}", vars[k]); });
    return s;
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  function label(vocab, code) { return vocab[code] ? vocab[code][lang] : code; }

  /* WGS-84 -> GCJ-02 (the public forward formula, as geo/crs.py), for Amap tiles. */
  var A = 6378245.0, EE = 0.00669342162296594323;
  function outside(lon, lat) { return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271; }
  function gcj(lon, lat) {
    if (MAP_CRS !== "gcj02" || outside(lon, lat)) { return [lon, lat]; }
    var x = lon - 105.0, y = lat - 35.0, sx = Math.sqrt(Math.abs(x)), P = Math.PI;
    var dlat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx +
      (20 * Math.sin(6 * x * P) + 20 * Math.sin(2 * x * P)) * 2 / 3 +
      (20 * Math.sin(y * P) + 40 * Math.sin(y / 3 * P)) * 2 / 3 +
      (160 * Math.sin(y / 12 * P) + 320 * Math.sin(y * P / 30)) * 2 / 3;
    var dlon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx +
      (20 * Math.sin(6 * x * P) + 20 * Math.sin(2 * x * P)) * 2 / 3 +
      (20 * Math.sin(x * P) + 40 * Math.sin(x / 3 * P)) * 2 / 3 +
      (150 * Math.sin(x / 12 * P) + 300 * Math.sin(x / 30 * P)) * 2 / 3;
    var rad = lat / 180 * P, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sm = Math.sqrt(magic);
    dlat = (dlat * 180) / ((A * (1 - EE)) / (magic * sm) * P);
    dlon = (dlon * 180) / (A / sm * Math.cos(rad) * P);
    return [lon + dlon, lat + dlat];
  }
  function shiftGeoJSON(geojson) {
    if (MAP_CRS !== "gcj02") { return geojson; }
    function walk(c) { return typeof c[0] === "number" ? gcj(c[0], c[1]) : c.map(walk); }
    geojson.features.forEach(function (f) { f.geometry.coordinates = walk(f.geometry.coordinates); });
    return geojson;
  }

  /* The map. */
  var map = L.map("map", { zoomControl: true, attributionControl: true }).setView([22.54, 114.05], 13);
  window.YizhanBasemap.add(map, CONFIG.basemap); // our vector tiles; internet ones optional
  var resultLayer = L.layerGroup().addTo(map);
  var meMarker = null;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(lang === "en" ? body.message_en : body.message); }
        return body;
      });
    });
  }

  function loadContext() {
    getJSON("/ogc/collections/stations").then(function (c) {
      var b = c.extent.spatial.bbox[0];
      if (b[0] > -180 && !state.origin) {
        var sw = gcj(b[0], b[1]), ne = gcj(b[2], b[3]);
        map.fitBounds([[sw[1], sw[0]], [ne[1], ne[0]]], { padding: [20, 20] });
      }
    }).catch(function () {});
    if (CONFIG.basemap.name !== "none") { return; }
    getJSON("/ogc/collections/districts/items?limit=1000").then(function (fc) {
      L.geoJSON(shiftGeoJSON(fc), { style: { color: "#7d6608", weight: 1, fillOpacity: 0.05 },
        interactive: false }).addTo(map);
    }).catch(function () {});
    getJSON("/ogc/collections/main_streets/items?limit=1000").then(function (fc) {
      L.geoJSON(shiftGeoJSON(fc), { style: { color: "#888", weight: 3 }, interactive: false })
        .addTo(map);
    }).catch(function () {});
  }

  /* Controls. */
  function buildFilters() {
    var kind = $("kind"), current = kind.value;
    kind.textContent = "";
    var all = el("option", null, t("allKinds"));
    all.value = "";
    kind.appendChild(all);
    Object.keys(CONFIG.kinds).forEach(function (code) {
      var o = el("option", null, label(CONFIG.kinds, code));
      o.value = code;
      kind.appendChild(o);
    });
    kind.value = current || "";
    var box = $("services");
    box.textContent = "";
    FILTER_SERVICES.forEach(function (code) {
      var b = el("button", "chip", label(CONFIG.services, code));
      b.type = "button";
      b.setAttribute("aria-pressed", state.services[code] ? "true" : "false");
      b.addEventListener("click", function () {
        state.services[code] = !state.services[code];
        b.setAttribute("aria-pressed", state.services[code] ? "true" : "false");
        search();
      });
      box.appendChild(b);
    });
  }

  function applyLanguage() {
    document.documentElement.lang = t("langCode");
    document.title = t("title");
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (e) {
      e.textContent = t(e.getAttribute("data-i18n"));
    });
    $("lang").textContent = t("lang");
    buildFilters();
    if (state.answer) { render(state.answer); }
  }

  function setStatus(text) { $("status").textContent = text || ""; }

  /* Searching. */
  function setOrigin(lon, lat) {
    state.origin = [lon, lat]; // in MAP_CRS
    if (meMarker) { meMarker.remove(); }
    meMarker = L.marker([lat, lon], { icon: L.divIcon({ className: "me", iconSize: [16, 16] }),
      title: t("you") }).addTo(map);
    search();
  }

  function search() {
    if (!state.origin) { return; }
    var p = new URLSearchParams({ lon: state.origin[0], lat: state.origin[1], crs: MAP_CRS,
      limit: "5" });
    if ($("kind").value) { p.set("kind", $("kind").value); }
    var wanted = Object.keys(state.services).filter(function (k) { return state.services[k]; });
    if (wanted.length) { p.set("services", wanted.join(",")); }
    if ($("open-now").checked) { p.set("open_now", "true"); }
    setStatus(t("searching"));
    getJSON("/api/v1/stations/nearest?" + p.toString()).then(function (answer) {
      state.answer = answer;
      render(answer);
    }).catch(function (err) { setStatus(err.message); });
  }

  function distanceText(m) {
    return m < 1000 ? t("m", { d: Math.round(m) }) : t("km", { d: (m / 1000).toFixed(1) });
  }
  // A station the walk network cannot reach from here is ranked by straight line (#12).
  function stationDistance(s) {
    var text = distanceText(s.distance_m) + " · " +
      t("walk", { t: Math.max(1, Math.round(s.walking_min)) });
    return s.distance_note ? text + " · " + t("lineOnly") : text;
  }
  function clock(iso) { return iso ? iso.slice(11, 16) : ""; }
  function openText(s) {
    if (s.open_now === true) {
      return [t("open") + (s.closes_at ? " · " + t("closesAt", { t: clock(s.closes_at) }) : ""), "open"];
    }
    if (s.open_now === false) {
      return [t("closed") + (s.opens_at ? " · " + t("opensAt", { t: clock(s.opens_at) }) : ""), "closed"];
    }
    return [t("unknown"), "muted"];
  }

  function render(answer) {
    var list = $("results");
    list.textContent = "";
    resultLayer.clearLayers();
    if (!answer.stations.length) { setStatus(t("none")); return; }
    setStatus(t("found", { n: answer.stations.length,
      basis: answer.distance_basis === "walking" ? t("walking") : t("straight") }));
    var bounds = [[state.origin[1], state.origin[0]]];
    answer.stations.forEach(function (s, i) {
      var li = el("li");
      li.tabIndex = 0;
      li.dataset.id = String(s.id);
      li.appendChild(el("span", "name", (i + 1) + ". " + s.name));
      var meta = el("span", "meta");
      meta.appendChild(el("span", s.distance_note ? "straight" : null, stationDistance(s) + " · "));
      var o = openText(s);
      meta.appendChild(el("span", o[1], o[0]));
      li.appendChild(meta);
      var chips = el("div", "chips");
      s.services.slice(0, 6).forEach(function (code) {
        chips.appendChild(el("span", "badge", label(CONFIG.services, code)));
      });
      li.appendChild(chips);
      li.addEventListener("click", function () { openSheet(s); });
      li.addEventListener("keydown", function (e) { if (e.key === "Enter") { openSheet(s); } });
      list.appendChild(li);
      var marker = L.marker([s.lat, s.lon], { title: s.name }).addTo(resultLayer);
      marker.on("click", function () { openSheet(s); });
      bounds.push([s.lat, s.lon]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 });
  }

  function safeHref(a, url) {
    if (/^(https:|geo:|tel:)/.test(url)) { a.setAttribute("href", url); } else { a.removeAttribute("href"); }
  }

  function openSheet(s) {
    $("sheet-name").textContent = s.name;
    $("sheet-kind").textContent = label(CONFIG.kinds, s.kind) + (s.district ? " · " + s.district : "");
    $("sheet-distance").textContent = stationDistance(s);
    var o = openText(s);
    $("sheet-open").textContent = o[0];
    $("sheet-open").className = o[1];
    $("sheet-hours").textContent = s.opening_hours ? t("hours") + s.opening_hours : "";
    $("sheet-address").textContent = s.address || "";
    var phone = $("sheet-phone");
    phone.textContent = s.phone ? t("phone") + s.phone : "";
    if (s.phone) { safeHref(phone, "tel:" + s.phone.replace(/[^0-9+]/g, "")); }
    var chips = $("sheet-services");
    chips.textContent = "";
    s.services.forEach(function (code) { chips.appendChild(el("span", "badge", label(CONFIG.services, code))); });
    safeHref($("nav-amap"), s.navigation.amap);
    safeHref($("nav-baidu"), s.navigation.baidu);
    safeHref($("nav-geo"), s.navigation.geo);
    $("sheet").hidden = false;
  }

  /* Wiring. */
  $("lang").addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("yizhan.lang", lang);
    applyLanguage();
  });
  $("sheet-close").addEventListener("click", function () { $("sheet").hidden = true; });
  $("kind").addEventListener("change", search);
  $("open-now").addEventListener("change", search);
  map.on("click", function (e) { setOrigin(e.latlng.lng, e.latlng.lat); });
  $("locate").addEventListener("click", function () {
    if (!navigator.geolocation) { setStatus(t("noGeo")); return; }
    setStatus(t("locating"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      var p = gcj(pos.coords.longitude, pos.coords.latitude);
      setOrigin(p[0], p[1]);
    }, function () { setStatus(t("noGeo")); }, { enableHighAccuracy: true, timeout: 10000 });
  });

  applyLanguage();
  loadContext();
})();
