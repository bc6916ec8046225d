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
      lineOnly: "直线距离：步行网络不连通", navApple: "苹果地图", mapLabel: "地图",
      kindLabel: "类型", servicesLabel: "服务", legend: "图例",
      cluster: "{n} 个站点，放大查看", routeWalk: "地图上的蓝线是步行路线",
      routeStraight: "地图上的虚线是直线方向：步行网络不连通", routeNone: "无法获取步行路线",
      verified: "最近核实：{d}", neverVerified: "尚未核实", notice: "注意：{what}（{d} 起）",
      reportOpen: "报告问题", reportTitle: "报告问题", reportCategory: "问题类别（必选）",
      reportService: "缺失的服务", reportDetails: "补充说明（可不填，500 字以内）",
      reportPhoto: "照片（可不填）", reportPhone: "手机号（可不填）", reportSend: "提交",
      reportCancel: "取消", reportSending: "正在提交…",
      reportPrivacy: "手机号只用于工作人员联系您核实情况：工作人员只看到打码后的号码，{days} 天后自动删除。不收集其他个人信息。",
      reportPick: "请选择问题类别", reportNetwork: "网络错误，请稍后再试"
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
      lineOnly: "straight line: the walk network does not connect", navApple: "Apple Maps",
      mapLabel: "Map", kindLabel: "Kind", servicesLabel: "Services", legend: "Legend",
      cluster: "{n} stations: zoom in", routeWalk: "The blue line on the map is the walking route",
      routeStraight: "The dashed line on the map is the straight direction: the walk network does not connect",
      routeNone: "The walking route is not available",
      verified: "Last verified: {d}", neverVerified: "Not verified yet",
      notice: "Notice: {what} (since {d})", reportOpen: "Report a problem",
      reportTitle: "Report a problem", reportCategory: "What is wrong (required)",
      reportService: "Which service is missing", reportDetails: "Details (optional, up to 500 characters)",
      reportPhoto: "Photo (optional)", reportPhone: "Mobile number (optional)", reportSend: "Send",
      reportCancel: "Cancel", reportSending: "Sending…",
      reportPrivacy: "Your number is only for staff to call you back: staff see it masked, and it is erased after {days} days. Nothing else about you is kept.",
      reportPick: "Choose what is wrong", reportNetwork: "Network error: try again later"
    }
  };
  var FILTER_SERVICES = ["drinking_water", "toilet", "hot_water", "phone_charging",
    "cooling", "heating", "nursing_chair", "books"];

  var lang = localStorage.getItem("yizhan.lang") === "en" ? "en" : "zh";
  var state = { origin: null, answer: null, services: {}, sheet: null, opener: null };
  // iPhones and iPads open no geo: link; they get Apple Maps instead (#14).
  var IOS = /iPad|iPhone|iPod/.test(navigator.userAgent) ||
    (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

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
  var map = L.map("map", { zoomControl: true, attributionControl: true, maxZoom: 19 }).setView([22.54, 114.05], 13);
  // Our vector tiles (internet ones optional), without their station dots: this page
  // draws every station as a marker of its kind.
  window.YizhanBasemap.add(map, Object.assign({}, CONFIG.basemap, { stations: false }));
  /* Every public station in view, before locating: kind icons, clustered when zoomed out. */
  var SVGNS = "http://www.w3.org/2000/svg";
  var SHAPES = { // a distinct shape per kind, not only a colour
    love_station: ["path", { d: "M15 27 C4 19 2 13 2 9.5 A6.5 6.5 0 0 1 15 7 A6.5 6.5 0 0 1 28 9.5 C28 13 26 19 15 27 Z" }],
    mother_baby_room: ["circle", { cx: "15", cy: "15", r: "12" }],
    worker_bookshop: ["rect", { x: "4", y: "4", width: "22", height: "22", rx: "3" }]
  };
  function shape(kind) {
    var svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("viewBox", "0 0 30 30");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "kind-shape");
    var spec = SHAPES[kind] || SHAPES.mother_baby_room;
    var node = document.createElementNS(SVGNS, spec[0]);
    Object.keys(spec[1]).forEach(function (k) { node.setAttribute(k, spec[1][k]); });
    svg.appendChild(node);
    return svg;
  }
  function kindIcon(kind, number) {
    var box = el("span", "kind-" + kind);
    box.appendChild(shape(kind));
    if (number) { box.appendChild(el("span", "num", number)); }
    return L.divIcon({ className: "st-icon" + (number ? " numbered" : ""), html: box,
      iconSize: [30, 30], iconAnchor: [15, 15] });
  }
  // A cluster is a button (Enter or a tap zooms in): it says what it holds.
  var ClusterIcon = L.DivIcon.extend({
    createIcon: function (old) {
      var div = L.DivIcon.prototype.createIcon.call(this, old);
      div.setAttribute("aria-label", this.options.label);
      div.title = this.options.label;
      return div;
    }
  });
  function clusterIcon(cluster) {
    var n = cluster.getChildCount(), box = el("span", "cluster-count", n);
    box.setAttribute("aria-hidden", "true");
    return new ClusterIcon({ className: "st-cluster", html: box, iconSize: [40, 40],
      label: t("cluster", { n: n }) });
  }
  var stationLayer = L.markerClusterGroup({ iconCreateFunction: clusterIcon,
    showCoverageOnHover: false, maxClusterRadius: 45, disableClusteringAtZoom: 16,
    spiderfyOnMaxZoom: false }).addTo(map);
  stationLayer.on("clusterkeypress", function (e) {
    if (isActivation(e)) { L.DomEvent.preventDefault(e.originalEvent); e.layer.zoomToBounds(); }
  });
  var known = {}; // id -> feature of the public stations fetched so far
  var resultLayer = L.layerGroup().addTo(map);
  var routeLayer = L.layerGroup().addTo(map);
  var meMarker = null;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(lang === "en" ? body.message_en : body.message); }
        return body;
      });
    });
  }

  function stationFromFeature(f) {
    var s = Object.assign({}, f.properties);
    s.lon = f.geometry.coordinates[0];
    s.lat = f.geometry.coordinates[1];
    return s;
  }
  // A pin is a button: a tap, or Enter or Space when it has the focus (Leaflet itself
  // answers Enter only for popups).
  function isActivation(e) {
    var k = e.originalEvent && e.originalEvent.key;
    return k === "Enter" || k === " ";
  }
  function onActivate(marker, fn) {
    marker.on("click", fn);
    marker.on("keypress", function (e) {
      if (isActivation(e)) { L.DomEvent.preventDefault(e.originalEvent); fn(); }
    });
  }
  function stationTitle(s) { return s.name + " · " + label(CONFIG.kinds, s.kind); }
  function drawStations() {
    undrawn = false;
    stationLayer.clearLayers();
    var wanted = $("kind").value;
    var markers = Object.keys(known).map(function (id) { return known[id]; })
      .filter(function (s) { return !wanted || s.kind === wanted; })
      .map(function (s) {
        var m = L.marker([s.lat, s.lon], { icon: kindIcon(s.kind), title: stationTitle(s),
          keyboard: true });
        onActivate(m, function () { openSheet(s, m.getElement()); });
        return m;
      });
    stationLayer.addLayers(markers);
  }
  function viewBox() {
    // The listing answers boxes up to 2 degrees each way: a wider view asks for its middle.
    var b = map.getBounds(), c = map.getCenter(), half = 0.99;
    var w = Math.max(b.getWest(), c.lng - half), e = Math.min(b.getEast(), c.lng + half);
    var so = Math.max(b.getSouth(), c.lat - half), n = Math.min(b.getNorth(), c.lat + half);
    var sw = MAP_CRS === "gcj02" ? wgsApprox(w, so) : [w, so];
    var ne = MAP_CRS === "gcj02" ? wgsApprox(e, n) : [e, n];
    return [sw[0], sw[1], ne[0], ne[1]].map(function (v) { return v.toFixed(6); }).join(",");
  }
  function wgsApprox(lon, lat) { // GCJ-02 -> WGS-84 within metres: enough for a box
    var g = gcj(lon, lat);
    return [2 * lon - g[0], 2 * lat - g[1]];
  }
  var loading = 0, undrawn = false; // undrawn: stations fetched, not yet on the map
  function loadStations(url, pages) {
    var ticket = ++loading;
    function page(u, left) {
      return getJSON(u).then(function (fc) {
        if (ticket !== loading) { return; }
        fc.features.forEach(function (f) {
          if (!known[f.id]) { undrawn = true; }
          known[f.id] = stationFromFeature(f);
        });
        var next = (fc.links || []).filter(function (l) { return l.rel === "next"; })[0];
        if (next && left > 1) {
          var n = new URL(next.href, location.href);
          return page(n.pathname + n.search, left - 1);
        }
      });
    }
    return page(url || ("/api/v1/stations?" + new URLSearchParams({ bbox: viewBox(),
      crs: MAP_CRS, limit: "1000" }).toString()), pages || 5).then(function () {
      // Redrawn only when the view brought new stations (panning back costs nothing).
      if (ticket === loading && undrawn) { drawStations(); }
    }).catch(function () {});
  }

  /* The legend: each kind's shape and colour, in the active language. */
  var legend = L.control({ position: "bottomleft" });
  legend.onAdd = function () {
    var box = el("div", "legend");
    box.id = "legend";
    return box;
  };
  legend.addTo(map);
  function drawLegend() {
    var box = $("legend");
    box.textContent = "";
    box.setAttribute("aria-label", t("legend"));
    var list = el("ul");
    Object.keys(CONFIG.kinds).forEach(function (code) {
      var item = el("li", "kind-" + code);
      item.appendChild(shape(code));
      item.appendChild(el("span", null, label(CONFIG.kinds, code)));
      list.appendChild(item);
    });
    box.appendChild(list);
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
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (e) {
      e.setAttribute("aria-label", t(e.getAttribute("data-i18n-label")));
    });
    $("lang").textContent = t("lang");
    buildFilters();
    drawLegend();
    if (Object.keys(known).length) { drawStations(); }
    if (state.answer) { render(state.answer); }
    if (state.sheet) { fillSheet(state.sheet); }
    if (!$("report-form").hidden) { buildReport(); }
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
    routeLayer.clearLayers();
    if (!answer.stations.length) { setStatus(t("none")); return; }
    setStatus(t("found", { n: answer.stations.length,
      basis: answer.distance_basis === "walking" ? t("walking") : t("straight") }));
    var bounds = [[state.origin[1], state.origin[0]]];
    answer.stations.forEach(function (s, i) {
      var li = el("li");
      li.tabIndex = 0;
      li.dataset.id = String(s.id);
      var name = el("span", "name");
      name.appendChild(el("span", "num kind-" + s.kind, i + 1));
      name.appendChild(document.createTextNode(". " + s.name));
      li.appendChild(name);
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
      li.addEventListener("click", function () { openSheet(s, li); });
      li.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); openSheet(s, li); }
      });
      list.appendChild(li);
      // Numbered as in the list, in the kind's shape, above the clustered stations.
      var marker = L.marker([s.lat, s.lon], { icon: kindIcon(s.kind, i + 1),
        title: (i + 1) + ". " + stationTitle(s), zIndexOffset: 1000 }).addTo(resultLayer);
      onActivate(marker, function () { openSheet(s, marker.getElement()); });
      bounds.push([s.lat, s.lon]);
    });
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 17 });
  }

  function safeHref(a, url) {
    if (/^(https:|geo:|tel:)/.test(url)) { a.setAttribute("href", url); } else { a.removeAttribute("href"); }
  }

  function fillSheet(s) {
    $("sheet-name").textContent = s.name;
    $("sheet-kind").textContent = label(CONFIG.kinds, s.kind) + (s.district ? " · " + s.district : "");
    $("sheet-distance").textContent = s.distance_m === undefined ? "" : stationDistance(s);
    var o = openText(s);
    $("sheet-open").textContent = o[0];
    $("sheet-open").className = o[1];
    // Hours in words, today's first (#14); as written when they have no words.
    var words = s.hours_words;
    $("sheet-today").textContent = words ? words["today_" + lang] : "";
    var week = words && words["week_" + lang];
    $("sheet-hours").textContent = s.opening_hours ? t("hours") + (week || s.opening_hours) : "";
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
    safeHref($("nav-apple"), s.navigation.apple);
    $("nav-geo").hidden = IOS;
    $("nav-apple").hidden = !IOS;
    fillOperations(s);
  }

  /* The station sheet: focus moves in when it opens and back when it closes; Esc closes. */
  function focusable() {
    return Array.prototype.filter.call($("sheet").querySelectorAll("a[href], button, input, select, textarea"),
      function (e) { return !e.hidden && e.offsetParent !== null; });
  }
  function openSheet(s, opener) {
    state.sheet = s;
    if (opener && !$("sheet").contains(opener)) { state.opener = opener; }
    closeReport(false);
    $("report-result").textContent = "";
    fillSheet(s);
    $("sheet").hidden = false;
    $("sheet-name").focus();
    drawRoute(s);
    loadOperations(s);
  }
  function closeSheet() {
    if ($("sheet").hidden) { return; }
    $("sheet").hidden = true;
    state.sheet = null;
    var back = state.opener;
    state.opener = null;
    if (back && document.body.contains(back)) { back.focus(); }
  }

  /* The way there: the walking path the distance was measured along (#14). */
  function drawRoute(s) {
    routeLayer.clearLayers();
    $("sheet-route").textContent = "";
    if (!state.origin) { return; }
    var p = new URLSearchParams({ lon: state.origin[0], lat: state.origin[1], crs: MAP_CRS });
    getJSON("/api/v1/stations/" + encodeURIComponent(s.id) + "/route?" + p.toString())
      .then(function (feature) {
        if (!state.sheet || state.sheet.id !== s.id) { return; }
        var straight = feature.properties.distance_kind === "straight";
        L.geoJSON(feature, { interactive: false, style: { className: "route-line" +
          (straight ? " straight" : ""), color: "#1f6fb2", weight: 5, opacity: 0.85,
          dashArray: straight ? "6 8" : null } }).addTo(routeLayer);
        $("sheet-route").textContent = straight ? t("routeStraight") : t("routeWalk");
        if (s.distance_m === undefined) { // a pin's station: the route says how far
          $("sheet-distance").textContent = stationDistance(feature.properties);
        }
      }).catch(function () { $("sheet-route").textContent = t("routeNone"); });
  }

  /* Operations (#15): when staff last verified the station, the notices of confirmed
   * problems (categories only), and the public problem report form. */
  function fillOperations(s) {
    if (s.last_verified_on === undefined) {
      $("sheet-verified").textContent = "";
    } else {
      $("sheet-verified").textContent = s.last_verified_on ? t("verified", { d: s.last_verified_on })
        : t("neverVerified");
    }
    var box = $("sheet-notices");
    box.textContent = "";
    (s.notices || []).forEach(function (n) {
      box.appendChild(el("p", "notice", t("notice", { what: lang === "en" ? n.label_en : n.label,
        d: n.since || "" })));
    });
  }
  // The list answers and pins lack these fields: ask for the one station's answer.
  function loadOperations(s) {
    return getJSON("/api/v1/stations/" + encodeURIComponent(s.id) + "?crs=" + MAP_CRS)
      .then(function (one) {
        if (!state.sheet || state.sheet.id !== s.id) { return; }
        s.last_verified_on = one.last_verified_on;
        s.notices = one.notices;
        s.services = one.services;
        fillOperations(s);
      }).catch(function () {});
  }
  function buildReport() {
    var box = $("report-categories");
    var picked = box.querySelector("input:checked");
    var keep = picked ? picked.value : null;
    box.textContent = "";
    Object.keys(CONFIG.problem_categories).forEach(function (code) {
      var input = el("input");
      input.type = "radio";
      input.name = "category";
      input.value = code;
      input.id = "report-cat-" + code;
      input.checked = code === keep;
      input.addEventListener("change", showService);
      var l = el("label", "check");
      l.setAttribute("for", input.id);
      l.appendChild(input);
      l.appendChild(document.createTextNode(" " + label(CONFIG.problem_categories, code)));
      box.appendChild(l);
    });
    $("report-privacy").textContent = t("reportPrivacy", { days: CONFIG.phone_retention_days });
    showService();
  }
  function pickedCategory() {
    var picked = $("report-categories").querySelector("input:checked");
    return picked ? picked.value : "";
  }
  function showService() {
    var select = $("report-service");
    var keep = select.value;
    select.textContent = "";
    ((state.sheet && state.sheet.services) || []).forEach(function (code) {
      var o = el("option", null, label(CONFIG.services, code));
      o.value = code;
      select.appendChild(o);
    });
    if (keep) { select.value = keep; }
    $("report-service-row").hidden = pickedCategory() !== "service_missing";
    if (pickedCategory()) { $("report-error").textContent = ""; }
  }
  function openReport() {
    if (!state.sheet) { return; }
    $("report-form").reset();
    $("report-error").textContent = "";
    $("report-result").textContent = "";
    buildReport();
    $("report-form").hidden = false;
    $("report-open").setAttribute("aria-expanded", "true");
    var first = $("report-categories").querySelector("input");
    if (first) { first.focus(); }
  }
  function closeReport(focusBack) {
    $("report-form").hidden = true;
    $("report-open").setAttribute("aria-expanded", "false");
    if (focusBack) { $("report-open").focus(); }
  }
  function sendReport(e) {
    e.preventDefault();
    var s = state.sheet;
    var code = pickedCategory();
    $("report-error").textContent = "";
    if (!code) {
      $("report-error").textContent = t("reportPick");
      $("report-categories").querySelector("input").focus();
      return;
    }
    var body = new FormData();
    body.append("category", code);
    if (code === "service_missing") { body.append("service", $("report-service").value); }
    if ($("report-details").value.trim()) { body.append("details", $("report-details").value.trim()); }
    if ($("report-phone").value.trim()) { body.append("phone", $("report-phone").value.trim()); }
    var file = $("report-photo").files[0];
    if (file) { body.append("photo", file, file.name || "photo.jpg"); }
    $("report-submit").disabled = true;
    $("report-result").textContent = t("reportSending");
    fetch("/api/v1/stations/" + encodeURIComponent(s.id) + "/problems", {
      method: "POST", body: body, headers: { Accept: "application/json" }
    }).then(function (r) {
      return r.json().then(function (data) {
        $("report-submit").disabled = false;
        var text = lang === "en" ? data.message_en : data.message;
        if (r.status !== 201) {
          $("report-result").textContent = "";
          $("report-error").textContent = text || t("reportNetwork");
          return;
        }
        closeReport(false);
        $("report-result").textContent = text;
        $("report-open").focus();
      });
    }).catch(function () {
      $("report-submit").disabled = false;
      $("report-result").textContent = "";
      $("report-error").textContent = t("reportNetwork");
    });
  }

  /* Deep links: /?station=ID opens that station's sheet; &report=1 its report form (the
   * station's QR page links there, #15). */
  function openFromLink() {
    var q = new URLSearchParams(window.location.search);
    var id = q.get("station");
    if (!id || !/^[0-9]{1,18}$/.test(id)) { return; }
    getJSON("/api/v1/stations/" + id + "?crs=" + MAP_CRS).then(function (s) {
      map.setView([s.lat, s.lon], Math.max(map.getZoom(), 16));
      openSheet(s, null);
      if (q.get("report") === "1") { openReport(); }
    }).catch(function (err) { setStatus(err.message); });
  }

  /* Wiring. */
  $("report-open").addEventListener("click", function () {
    if ($("report-form").hidden) { openReport(); } else { closeReport(true); }
  });
  $("report-cancel").addEventListener("click", function () { closeReport(true); });
  $("report-form").addEventListener("submit", sendReport);
  $("lang").addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh";
    localStorage.setItem("yizhan.lang", lang);
    applyLanguage();
  });
  $("sheet-close").addEventListener("click", closeSheet);
  document.addEventListener("keydown", function (e) {
    if ($("sheet").hidden) { return; }
    if (e.key === "Escape") { e.preventDefault(); closeSheet(); return; }
    if (e.key !== "Tab") { return; }
    // A modal sheet: Tab and Shift+Tab stay inside it until it is closed.
    var items = [$("sheet-name")].concat(focusable());
    var first = items[0], last = items[items.length - 1];
    if (!$("sheet").contains(document.activeElement)) {
      e.preventDefault(); first.focus();
    } else if (e.shiftKey && document.activeElement === first) {
      e.preventDefault(); last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault(); first.focus();
    }
  });
  $("kind").addEventListener("change", function () { drawStations(); search(); });
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

  map.on("moveend", function () { loadStations(); });
  applyLanguage();
  loadContext();
  loadStations();
  openFromLink();
})();
