// Yizhan console, the planner workspace (planners, admins; issue 16). For an as-of date
// and a kind (kept in the address: ?as_of=&kind=): the coverage map (covered and
// uncovered main-street stretches of GET /api/v1/coverage/stretches and /gaps, key
// districts of /ogc/collections/districts shaded by their coverage, the stations of
// GET /api/v1/coverage/stations), the headline figures (GET /api/v1/coverage/runs, or
// "not computed" with POST /api/v1/coverage/runs), the trend chart drawn here as SVG with
// the target lines and standing (GET /api/v1/coverage/trend), the gaps grouped by street
// (a row zooms the map to its street) and the report links. What-if: click the map (or
// "add at the map centre") for a hypothetical station, drag it (or move it with the arrow
// keys), click a station (or its switch in the list) to switch it off; each change asks
// POST /api/v1/whatif and shows the change in coverage and the newly covered stretches;
// undo, clear, save by name, open, compare saved scenarios (/api/v1/scenarios).
// The registry's planned stations (GET /api/v1/coverage/stations?include=planned) are
// drawn hollow: a click (or the switch in their list) switches one on as planned (an
// "add" change at its position carrying its id "p<id>" and its name), dragging it (or the
// arrow keys, or "move to the map centre") places that same "add" elsewhere, and a click
// again switches it back off (the change is dropped).
// Every text from data is set as a text node (Yizhan.el) or with textContent.
(function () {
  "use strict";

  var Y = window.Yizhan;
  var $ = Y.$, el = Y.el, clear = Y.clear, message = Y.message;
  var config = Y.pageConfig("console-config");
  var SVG = "http://www.w3.org/2000/svg";
  var KIND = {}, METRIC = {};
  config.kinds.forEach(function (t) { KIND[t.code] = t; });
  config.metrics.forEach(function (t) { METRIC[t.code] = t; });
  // Metres an arrow key moves a focused hypothetical station (Shift: ten times).
  var STEP_M = 5;

  function api(method, url, body, headers) {
    return Y.api(method, url, body, headers || {}, { onUnauthorized: function () {
      window.location.assign("/console/login");
    } });
  }

  function network() { $("ws-error").textContent = "网络错误，请稍后再试 / network error, try again"; }
  function status(text) { $("ws-status").textContent = text; }

  function pct(share) {
    return share === null || share === undefined ? "—" : (share * 100).toFixed(1) + "%";
  }

  // A change of coverage, given by the what-if API in percentage points: "+1.2 个百分点".
  function points(delta) {
    if (delta === null || delta === undefined) { return "—"; }
    var v = delta;
    var text = (v > 0 ? "+" : v < 0 ? "−" : "±") + Math.abs(v).toFixed(1);
    return text + " 个百分点";
  }

  function metres(m) {
    if (m === null || m === undefined) { return "—"; }
    return (m > 0 ? "+" : "") + Math.round(m) + " 米";
  }

  // ---------------------------------------------------------------- the question
  var q = { as_of: config.today, kind: KIND.love_station ? "love_station" : config.kinds[0].code };

  function query(question) {
    return "as_of=" + encodeURIComponent(question.as_of) + "&kind=" + encodeURIComponent(question.kind);
  }

  function fromAddress() {
    var params = new URLSearchParams(window.location.search);
    var day = params.get("as_of"), kind = params.get("kind");
    q = { as_of: /^\d{4}-\d{2}-\d{2}$/.test(day || "") ? day : config.today,
          kind: kind && KIND[kind] ? kind : q.kind };
    $("ws-as-of").value = q.as_of;
    $("ws-kind").value = q.kind;
  }

  // ---------------------------------------------------------------- the map
  var map = L.map("ws-map", { keyboard: true }).setView([config.centre[1], config.centre[0]], 13);
  window.YizhanBasemap.add(map, config.basemap);
  var districtLayer = L.geoJSON(null, { interactive: false }).addTo(map);
  var streetLayer = L.geoJSON(null, { interactive: false }).addTo(map);
  // What a scenario newly covers (blue) and newly leaves uncovered (purple, dashed).
  var gainLayer = L.geoJSON(null, { interactive: false, className: "ws-gain",
                                    style: { color: "#1565c0", weight: 7, opacity: 0.8 } }).addTo(map);
  var lossLayer = L.geoJSON(null, { interactive: false, className: "ws-loss",
                                    style: { color: "#6a1b9a", weight: 7, opacity: 0.8, dashArray: "6 4" } }).addTo(map);
  var stationLayer = L.featureGroup().addTo(map);
  var addedLayer = L.featureGroup().addTo(map);
  var plannedLayer = L.featureGroup().addTo(map);
  var districtShapes = null;   // the OGC districts, read once
  var districtShare = {};      // key district name -> covered share of the shown snapshot
  var gapBounds = {};          // street -> bounds of its uncovered stretches
  var stations = [];           // operating stations of the question
  var planned = [];            // the registry's planned stations of the kind

  // A tooltip's content as a text node (Leaflet sets a string as HTML).
  function tip(text) { return el("span", {}, [text]); }

  function districtStyle(f) {
    if (!f.properties.is_key) { return { stroke: false, fill: false }; }
    var share = districtShare[f.properties.name];
    var known = share !== undefined && share !== null;
    // Darker green for better covered; a grey outline for a district not computed.
    return { color: "#4a6b3a", weight: 1.5, dashArray: "4 3",
             fillColor: known ? "#2e7d32" : "#9e9e9e",
             fillOpacity: known ? 0.08 + 0.4 * share : 0.08 };
  }

  function streetStyle(f) {
    if (f.properties.role === "street_covered") { return { color: "#2e7d32", weight: 4, opacity: 0.9 }; }
    return { color: "#c62828", weight: 4, opacity: 0.9 };  // street_gap
  }

  function loadDistricts() {
    if (districtShapes) { return Promise.resolve(districtShapes); }
    return api("GET", "/ogc/collections/districts/items?limit=1000").then(function (r) {
      districtShapes = r.status === 200 ? r.data : { type: "FeatureCollection", features: [] };
      return districtShapes;
    });
  }

  function drawDistricts() {
    loadDistricts().then(function (fc) {
      districtLayer.clearLayers();
      districtLayer.options.style = districtStyle;
      districtLayer.addData(fc);
    }, network);
  }

  function drawStreets(covered, gaps) {
    streetLayer.clearLayers();
    streetLayer.options.style = streetStyle;
    var features = covered.features.filter(function (f) { return f.properties.role === "street_covered"; })
      .concat(gaps.features.filter(function (f) { return f.properties.role === "street_gap"; }));
    streetLayer.addData({ type: "FeatureCollection", features: features });
  }

  // ---------------------------------------------------------------- what-if state
  var changes = [];     // the scenario's changes, in the contract's form
  var history = [];     // earlier states of ``changes`` (undo)
  var serial = 0;       // hypothetical stations' ids: h1, h2, ...
  var asked = 0;        // the latest what-if request (older answers are dropped)
  var openScenario = null;  // the saved scenario being edited (its id), or null
  var openName = "";        // its name: saving under another name saves a new scenario
  var openEtag = null;      // its version (If-Match: someone else's save is never overwritten)

  function snapshot() { return JSON.parse(JSON.stringify(changes)); }

  function change(next) {
    history.push(snapshot());
    changes = next;
    redrawChanges();
    runWhatIf();
  }

  function removedIds() {
    var out = {};
    changes.forEach(function (c) { if (c.op === "remove") { out[c.station_id] = true; } });
    return out;
  }

  function addAt(latlng) {
    serial += 1;
    var next = snapshot();
    next.push({ op: "add", id: "h" + serial, lon: round(latlng.lng), lat: round(latlng.lat), crs: "wgs84" });
    change(next);
  }

  function round(v) { return Math.round(v * 1e7) / 1e7; }

  function moveAdded(id, latlng) {
    var next = snapshot();
    next.forEach(function (c) {
      if (c.op === "add" && c.id === id) { c.lon = round(latlng.lng); c.lat = round(latlng.lat); }
    });
    change(next);
  }

  function toggleStation(id) {
    var next = snapshot();
    if (removedIds()[id]) {
      next = next.filter(function (c) { return !(c.op === "remove" && c.station_id === id); });
    } else {
      next.push({ op: "remove", station_id: id });
    }
    change(next);
  }

  // Where the scenario moves each station (its last move), by id.
  function movedTo() {
    var out = {};
    changes.forEach(function (c) {
      if (c.op === "move" && c.station_id) { out[c.station_id] = { lon: c.lon, lat: c.lat }; }
    });
    return out;
  }

  function moveStation(id, latlng) {
    var next = snapshot().filter(function (c) { return !(c.op === "move" && c.station_id === id); });
    next.push({ op: "move", station_id: id, lon: round(latlng.lng), lat: round(latlng.lat), crs: "wgs84" });
    change(next);
  }

  // ---------------------------------------------------------------- planned stations
  // A planned station switched on is the "add" change whose client id is "p<id>".
  function plannedKey(id) { return "p" + id; }

  function plannedOn() {
    var out = {};
    changes.forEach(function (c) { if (c.op === "add") { out[c.id] = c; } });
    var on = {};
    planned.forEach(function (p) { if (out[plannedKey(p.id)]) { on[p.id] = out[plannedKey(p.id)]; } });
    return on;
  }

  function isPlannedChange(c) {
    return c.op === "add" && planned.some(function (p) { return plannedKey(p.id) === c.id; });
  }

  function switchPlanned(p) {
    var key = plannedKey(p.id);
    var next = snapshot();
    if (plannedOn()[p.id]) {
      next = next.filter(function (c) { return !(c.op === "add" && c.id === key); });
    } else {
      next.push({ op: "add", id: key, name: p.name, lon: round(p.lon), lat: round(p.lat), crs: "wgs84" });
    }
    change(next);
  }

  // Place a planned station at ``latlng``: its "add" there (switched on if it was off;
  // placed again, the one change is replaced).
  function placePlanned(p, latlng) {
    var key = plannedKey(p.id);
    var next = snapshot(), found = false;
    next.forEach(function (c) {
      if (c.op === "add" && c.id === key) { c.lon = round(latlng.lng); c.lat = round(latlng.lat); found = true; }
    });
    if (!found) {
      next.push({ op: "add", id: key, name: p.name, lon: round(latlng.lng), lat: round(latlng.lat), crs: "wgs84" });
    }
    change(next);
  }

  function statusWords(p) {
    return p.status_label + " " + p.status_label_en +
      (p.opens_on ? " · 预计开放 " + p.opens_on + " expected opening" : "");
  }

  function arrowKeys(marker, attr, value, onMove) {
    var icon = marker.getElement();
    if (!icon) { return; }
    icon.setAttribute(attr, value);
    icon.addEventListener("keydown", function (ev) {
      var step = ev.shiftKey ? STEP_M * 10 : STEP_M;
      var d = { ArrowUp: [0, step], ArrowDown: [0, -step], ArrowLeft: [-step, 0], ArrowRight: [step, 0] }[ev.key];
      if (!d) { return; }
      ev.preventDefault();
      ev.stopPropagation();
      onMove(nudge(marker.getLatLng(), d[0], d[1]));
      var again = document.querySelector("[" + attr + '="' + CSS.escape(value) + '"]');
      if (again) { again.focus(); }
    });
  }

  function drawPlanned() {
    plannedLayer.clearLayers();
    var on = plannedOn();
    planned.forEach(function (p) {
      var c = on[p.id];
      var moved = c && (c.lon !== round(p.lon) || c.lat !== round(p.lat));
      var marker = L.marker([c ? c.lat : p.lat, c ? c.lon : p.lon], {
        draggable: true, keyboard: true,
        title: "规划站点 planned station " + p.name + (c ? "（已启用 switched on）" : ""),
        icon: L.divIcon({ className: "ws-planned" + (c ? " is-on" : "") + (moved ? " is-moved" : ""),
                          iconSize: [22, 22], iconAnchor: [11, 11] })
      }).bindTooltip(tip(p.name + " · " + statusWords(p) +
                         (c ? "（已启用 switched on）" : "（点击启用 click to switch on）")));
      marker.on("click", function (ev) { L.DomEvent.stopPropagation(ev); switchPlanned(p); });
      marker.on("dragend", function () { placePlanned(p, marker.getLatLng()); });
      marker.addTo(plannedLayer);
      if (moved) {  // where the registry plans it: a faint ring
        L.circleMarker([p.lat, p.lon], { radius: 9, weight: 2, color: "#00838f", dashArray: "3 3",
                                         fill: false, interactive: false, className: "ws-planned-home" })
          .addTo(plannedLayer);
      }
      arrowKeys(marker, "data-planned", String(p.id), function (ll) { placePlanned(p, ll); });
    });
    var list = $("ws-planned-list");
    clear(list);
    planned.forEach(function (p) {
      var box = el("input", { type: "checkbox", id: "ws-on-" + p.id, "data-planned": String(p.id) });
      box.checked = !!on[p.id];
      box.addEventListener("change", function () { switchPlanned(p); });
      var move = el("button", { type: "button", className: "ws-move", "data-planned": String(p.id) },
                    ["移到地图中心 ", el("small", { lang: "en" }, ["move to the map centre"])]);
      move.addEventListener("click", function () { placePlanned(p, map.getCenter()); });
      list.appendChild(el("li", { "data-planned": String(p.id) }, [
        box, el("label", { "for": "ws-on-" + p.id }, [
          p.name + " #" + p.id + " · ",
          el("span", { className: "ws-planned-state" }, [statusWords(p)]),
          " · 按规划启用 ", el("small", { lang: "en" }, ["switch on as planned"])]),
        move
      ]));
    });
    $("ws-planned-empty").hidden = planned.length > 0;
  }

  function drawStations() {
    stationLayer.clearLayers();
    var off = removedIds(), moved = movedTo();
    stations.forEach(function (s) {
      var isOff = !!off[s.id], to = moved[s.id];
      L.circleMarker([to ? to.lat : s.lat, to ? to.lon : s.lon], {
        radius: 7, weight: 2, color: "#ffffff",
        fillColor: isOff ? "#757575" : to ? "#ef6c00" : "#c62828", fillOpacity: isOff ? 0.5 : 1,
        className: "ws-station" + (isOff ? " is-off" : "") + (to ? " is-moved" : "")
      }).bindTooltip(tip(s.name + (isOff ? "（已关闭 switched off）" : to ? "（已移动 moved）" : "")))
        .on("click", function (ev) { L.DomEvent.stopPropagation(ev); toggleStation(s.id); })
        .addTo(stationLayer);
    });
    var list = $("ws-station-list");
    clear(list);
    stations.forEach(function (s) {
      var box = el("input", { type: "checkbox", id: "ws-off-" + s.id, "data-station": String(s.id) });
      box.checked = !!off[s.id];
      box.addEventListener("change", function () { toggleStation(s.id); });
      var move = el("button", { type: "button", className: "ws-move", "data-station": String(s.id) },
                    ["移到地图中心 ", el("small", { lang: "en" }, ["move to the map centre"])]);
      move.addEventListener("click", function () { moveStation(s.id, map.getCenter()); });
      list.appendChild(el("li", {}, [
        box, el("label", { "for": "ws-off-" + s.id }, [s.name + " #" + s.id + " · 关闭 ",
                                                      el("small", { lang: "en" }, ["switch off"])]),
        move
      ]));
    });
  }

  // A metre step as degrees at the map's latitude.
  function nudge(latlng, dx, dy) {
    var lat = latlng.lat + dy / 111320;
    var lon = latlng.lng + dx / (111320 * Math.cos(latlng.lat * Math.PI / 180));
    return L.latLng(lat, lon);
  }

  function drawAdded() {
    addedLayer.clearLayers();
    changes.forEach(function (c) {
      if (c.op !== "add" || isPlannedChange(c)) { return; }
      var marker = L.marker([c.lat, c.lon], { draggable: true, keyboard: true,
                                              title: "假设站点 hypothetical station " + c.id,
                                              alt: "假设站点 " + c.id });
      marker.on("dragend", function () { moveAdded(c.id, marker.getLatLng()); });
      marker.addTo(addedLayer);
      arrowKeys(marker, "data-added", c.id, function (ll) { moveAdded(c.id, ll); });
    });
  }

  function changeText(c) {
    var byId = {};
    stations.forEach(function (s) { byId[s.id] = s; });
    var p = c.op === "add" && planned.filter(function (x) { return plannedKey(x.id) === c.id; })[0];
    if (p || (c.op === "add" && /^p\d+$/.test(c.id) && c.name)) {
      return "按规划启用 " + (p ? p.name : c.name) + (p ? "（" + p.status_label + "）" : "") + "（" +
        c.lon.toFixed(5) + ", " + c.lat.toFixed(5) + "） / switch on planned #" + c.id.slice(1);
    }
    if (c.op === "add") {
      return "新增假设站点 " + c.id + "（" + c.lon.toFixed(5) + ", " + c.lat.toFixed(5) + "） / add " + c.id;
    }
    if (c.op === "remove") {
      var s = byId[c.station_id];
      return "关闭 " + (s ? s.name : "#" + c.station_id) + " / switch off #" + c.station_id;
    }
    var m = byId[c.station_id];
    return "移动 " + (m ? m.name : "#" + (c.station_id || c.id)) + " 到（" + c.lon.toFixed(5) + ", " +
      c.lat.toFixed(5) + "） / move #" + (c.station_id || c.id);
  }

  function redrawChanges() {
    var list = $("ws-changes");
    clear(list);
    changes.forEach(function (c) { list.appendChild(el("li", {}, [changeText(c)])); });
    $("ws-changes-empty").hidden = changes.length > 0;
    $("ws-undo").disabled = history.length === 0;
    $("ws-clear").disabled = changes.length === 0;
    drawAdded();
    drawStations();
    drawPlanned();
  }

  function showDelta(result) {
    var d = result ? result.delta : null;
    $("ws-delta-street").textContent = d ? points(d.main_street_share) : "—";
    $("ws-delta-key").textContent = d ? points(d.key_district_share) : "—";
    $("ws-delta-m").textContent = d ? metres(d.main_street_m) : "—";
    ["ws-delta-street", "ws-delta-key"].forEach(function (id, i) {
      var v = d ? d[i === 0 ? "main_street_share" : "key_district_share"] : null;
      $(id).className = "v" + (v > 0 ? " up" : v < 0 ? " down" : "");
    });
    if (result) {
      $("ws-whatif-meta").textContent = "方案：主要街道 " + pct(result.scenario.main_street_share) +
        "（现状 " + pct(result.base.main_street_share) + "），重点区域 " +
        pct(result.scenario.key_district_share) + "（现状 " + pct(result.base.key_district_share) +
        "） · " + Math.round(result.elapsed_ms) + " ms / scenario vs base" +
        (result.note ? " · " + result.note + (result.note_en ? " / " + result.note_en : "") : "");
    } else {
      $("ws-whatif-meta").textContent = "";
    }
    gainLayer.clearLayers();
    lossLayer.clearLayers();
    if (result && result.newly_covered) { gainLayer.addData(result.newly_covered); }
    if (result && result.newly_uncovered) { lossLayer.addData(result.newly_uncovered); }
  }

  function runWhatIf() {
    if (!changes.length) { showDelta(null); return; }
    asked += 1;
    var mine = asked;
    status("正在计算方案… / computing the scenario…");
    api("POST", "/api/v1/whatif", { as_of: q.as_of, kind: q.kind, changes: changes }).then(function (r) {
      if (mine !== asked) { return; }
      if (r.status === 200) {
        status("方案已更新 / scenario updated");
        $("ws-error").textContent = "";
        showDelta(r.data);
        return;
      }
      status("");
      $("ws-error").textContent = message(r.data, "无法计算方案 / the scenario could not be computed");
    }, network);
  }

  function resetWhatIf() {
    changes = [];
    history = [];
    openScenario = null;
    openName = "";
    openEtag = null;
    asked += 1;
    showDelta(null);
    redrawChanges();
  }

  // ---------------------------------------------------------------- figures, gaps, trend
  function showFigures(snap) {
    var s = snap.summary;
    $("ws-not-computed").hidden = true;
    $("ws-figures").hidden = false;
    $("ws-fig-key").textContent = pct(s.key_district_share);
    $("ws-fig-street").textContent = pct(s.main_street_share);
    $("ws-fig-stations").textContent = String(s.stations);
    $("ws-fig-meta").textContent = "截至 " + s.as_of + " · 步行 " + s.distance_m + " 米 · " +
      s.mode_label + " / as of " + s.as_of + ", within " + s.distance_m + " m walking";
    $("ws-fig-note").textContent = s.note ? s.note + (s.note_en ? " / " + s.note_en : "") : "";
    districtShare = {};
    snap.districts.forEach(function (d) { if (d.is_key) { districtShare[d.district] = d.area_share; } });
    drawDistricts();
  }

  function showNotComputed() {
    $("ws-figures").hidden = true;
    $("ws-fig-meta").textContent = "";
    $("ws-fig-note").textContent = "";
    $("ws-not-computed").hidden = false;
    districtShare = {};
    drawDistricts();
    streetLayer.clearLayers();
    showGaps({ features: [] });
  }

  function gapRow(g) {
    var zoom = el("button", { type: "button", className: "link-button", "data-street": g.street }, [g.street]);
    zoom.addEventListener("click", function () { zoomTo(g.street); });
    var row = el("tr", { "data-street": g.street }, [
      el("th", { scope: "row" }, [zoom]),
      el("td", { className: "num" }, [String(Math.round(g.total))]),
      el("td", { className: "num" }, [String(g.pieces)]),
      el("td", { className: "num" }, [String(Math.round(g.longest))])
    ]);
    row.addEventListener("click", function (ev) { if (ev.target === row || ev.target.tagName === "TD") { zoomTo(g.street); } });
    return row;
  }

  function zoomTo(street) {
    var b = gapBounds[street];
    if (!b) { return; }
    map.fitBounds(b, { padding: [20, 20], maxZoom: 17, animate: false });
    status("地图已缩放到 " + street + " / the map shows " + street);
  }

  function showGaps(gaps) {
    var by = {};
    gapBounds = {};
    gaps.features.forEach(function (f) {
      if (f.properties.role !== "street_gap") { return; }
      var name = f.properties.street || "（无名 unnamed）";
      var g = by[name] || (by[name] = { street: name, total: 0, pieces: 0, longest: 0 });
      g.total += f.properties.length_m;
      g.pieces += 1;
      g.longest = Math.max(g.longest, f.properties.length_m);
      var b = L.geoJSON(f).getBounds();
      gapBounds[name] = gapBounds[name] ? gapBounds[name].extend(b) : b;
    });
    var groups = Object.keys(by).map(function (k) { return by[k]; });
    groups.sort(function (a, b) { return b.total - a.total || (a.street < b.street ? -1 : 1); });
    var body = $("ws-gaps").querySelector("tbody");
    clear(body);
    groups.forEach(function (g) { body.appendChild(gapRow(g)); });
    $("ws-gaps-empty").hidden = groups.length > 0;
  }

  function loadMapData() {
    return Promise.all([
      api("GET", "/api/v1/coverage/stretches?" + query(q)),
      api("GET", "/api/v1/coverage/gaps?" + query(q))
    ]).then(function (rs) {
      if (rs[0].status !== 200 || rs[1].status !== 200) {
        $("ws-error").textContent = message((rs[0].status !== 200 ? rs[0] : rs[1]).data,
                                            "无法读取覆盖地图 / the coverage map could not be read");
        return;
      }
      drawStreets(rs[0].data, rs[1].data);
      showGaps(rs[1].data);
    }, network);
  }

  function loadStations() {
    return api("GET", "/api/v1/coverage/stations?" + query(q) + "&include=planned").then(function (r) {
      stations = r.status === 200 ? r.data.stations : [];
      planned = r.status === 200 ? r.data.planned || [] : [];
      drawStations();
      drawAdded();
      drawPlanned();
    }, network);
  }

  function loadFigures() {
    return api("GET", "/api/v1/coverage/runs?" + query(q)).then(function (r) {
      if (r.status === 200 && r.data.length) {
        showFigures(r.data[0]);
        return loadMapData();
      }
      if (r.status === 200) { showNotComputed(); return null; }
      $("ws-error").textContent = message(r.data, "无法读取覆盖率 / coverage could not be read");
      return null;
    }, network);
  }

  function compute() {
    var button = $("ws-compute");
    button.disabled = true;
    $("ws-error").textContent = "";
    status("正在计算… / computing…");
    api("POST", "/api/v1/coverage/runs", { as_of: q.as_of, kind: q.kind }).then(function (r) {
      button.disabled = false;
      if (r.status === 200) {
        status("已计算 " + q.as_of + " 的覆盖率 / coverage computed");
        showFigures(r.data);
        loadMapData();
        loadTrend();
        $("ws-fig-key").focus();
        return;
      }
      status("");
      $("ws-error").textContent = message(r.data, "计算失败 / computing failed");
    }, function () { button.disabled = false; status(""); network(); });
  }

  // The trend as an SVG line chart: main streets and key districts by month end, a
  // dashed line per coverage target of the kind at its value.
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  var SERIES = [
    { key: "main_street_share", metric: "main_street_coverage", colour: "#c62828",
      zh: "主要街道", en: "main streets" },
    { key: "key_district_share", metric: "key_district_coverage", colour: "#1565c0",
      zh: "重点区域", en: "key districts" }
  ];

  function drawTrend(trend) {
    var box = $("ws-trend");
    clear(box);
    var pts = trend.points.filter(function (p) { return p.main_street_share !== null || p.key_district_share !== null; });
    $("ws-trend-empty").hidden = pts.length > 0;
    var targets = trend.targets.filter(function (t) { return t.metric !== "new_stations"; });
    var W = 640, H = 260, L0 = 48, R0 = 16, T0 = 16, B0 = 40;
    var t0 = pts.length ? Date.parse(pts[0].as_of) : Date.parse(trend.as_of);
    var t1 = Date.parse(trend.as_of);
    targets.forEach(function (t) { t1 = Math.max(t1, Date.parse(t.deadline)); });
    if (t1 <= t0) { t1 = t0 + 86400000; }
    function x(day) { return L0 + (W - L0 - R0) * (Date.parse(day) - t0) / (t1 - t0); }
    function y(share) { return T0 + (H - T0 - B0) * (1 - share); }
    var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-labelledby": "ws-trend-svg-title ws-trend-svg-desc", "class": "ws-trend-svg" });
    chart.appendChild(svg("title", { id: "ws-trend-svg-title" }, "覆盖率趋势 coverage trend"));
    var desc = pts.map(function (p) {
      return p.as_of + ": " + pct(p.main_street_share) + " / " + pct(p.key_district_share);
    }).join("; ");
    chart.appendChild(svg("desc", { id: "ws-trend-svg-desc" }, "主要街道 / 重点区域 main streets / key districts: " + desc));
    [0, 0.25, 0.5, 0.75, 1].forEach(function (v) {
      chart.appendChild(svg("line", { x1: L0, x2: W - R0, y1: y(v), y2: y(v), stroke: "#ddd" }));
      chart.appendChild(svg("text", { x: L0 - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11 }, (v * 100) + "%"));
    });
    chart.appendChild(svg("text", { x: L0, y: H - 12, "font-size": 11 }, pts.length ? pts[0].as_of : trend.as_of));
    chart.appendChild(svg("text", { x: W - R0, y: H - 12, "font-size": 11, "text-anchor": "end" }, new Date(t1).toISOString().slice(0, 10)));
    targets.forEach(function (t) {
      var s = SERIES.filter(function (d) { return d.metric === t.metric; })[0];
      if (!s) { return; }
      var line = svg("line", { x1: L0, x2: x(t.deadline), y1: y(t.value), y2: y(t.value), stroke: s.colour,
                               "stroke-dasharray": "6 4", "stroke-width": 1.5, "class": "target-line",
                               "data-metric": t.metric });
      chart.appendChild(line);
      chart.appendChild(svg("circle", { cx: x(t.deadline), cy: y(t.value), r: 4, fill: "none", stroke: s.colour }));
      chart.appendChild(svg("text", { x: x(t.deadline) - 4, y: y(t.value) - 6, "text-anchor": "end", "font-size": 11, fill: s.colour },
                            "目标 target " + pct(t.value) + " · " + t.deadline));
    });
    SERIES.forEach(function (s) {
      var ps = pts.filter(function (p) { return p[s.key] !== null; });
      if (!ps.length) { return; }
      chart.appendChild(svg("polyline", {
        points: ps.map(function (p) { return x(p.as_of) + "," + y(p[s.key]); }).join(" "),
        fill: "none", stroke: s.colour, "stroke-width": 2, "class": "series", "data-series": s.key
      }));
      ps.forEach(function (p) { chart.appendChild(svg("circle", { cx: x(p.as_of), cy: y(p[s.key]), r: 2.5, fill: s.colour })); });
    });
    box.appendChild(chart);
    var legend = el("p", { className: "hint" }, []);
    SERIES.forEach(function (s) {
      legend.appendChild(el("span", { className: "ws-key ws-key-" + s.key }, [s.zh + " ", el("small", { lang: "en" }, [s.en])]));
      legend.appendChild(document.createTextNode(" "));
    });
    legend.appendChild(document.createTextNode("虚线：目标 "));
    legend.appendChild(el("small", { lang: "en" }, ["dashed: targets"]));
    box.appendChild(legend);
  }

  function showTargets(trend) {
    var p = $("ws-targets");
    clear(p);
    trend.targets.concat(trend.count_targets).forEach(function (t) {
      var v = t.metric === "new_stations" ? t.value + " 座" : pct(t.value);
      var m = METRIC[t.metric] || { zh: t.metric, en: "" };
      p.appendChild(el("span", { className: "ws-target", "data-metric": t.metric, "data-status": t.status }, [
        "目标 ", el("small", { lang: "en" }, ["target"]), " " + m.zh + " ", el("small", { lang: "en" }, [m.en]),
        " " + v + " · " + t.deadline + " ",
        el("span", { className: "badge badge-" + t.status }, [t.status_label]), " ",
        el("small", {}, [t.projection || ""])
      ]));
    });
  }

  function loadTrend() {
    return api("GET", "/api/v1/coverage/trend?" + query(q)).then(function (r) {
      if (r.status !== 200) {
        $("ws-error").textContent = message(r.data, "无法读取趋势 / the trend could not be read");
        return;
      }
      drawTrend(r.data);
      showTargets(r.data);
    }, network);
  }

  // ---------------------------------------------------------------- scenarios
  function scenarioRow(s) {
    var pick = el("input", { type: "checkbox", id: "ws-pick-" + s.id, "data-scenario": String(s.id) });
    pick.addEventListener("change", updateCompare);
    var open = el("button", { type: "button", className: "ws-open", "data-scenario": String(s.id) },
                  ["打开 ", el("small", { lang: "en" }, ["open"])]);
    open.addEventListener("click", function () { openSaved(s.id); });
    var archive = el("button", { type: "button", className: "ws-archive", "data-scenario": String(s.id) },
                     ["归档 ", el("small", { lang: "en" }, ["archive"])]);
    archive.addEventListener("click", function () { archiveSaved(s.id, s.version); });
    return el("tr", { "data-scenario": String(s.id) }, [
      el("td", {}, [el("label", { className: "ws-pick" }, [pick, " 选择 ", el("small", { lang: "en" }, ["choose"])])]),
      el("th", { scope: "row" }, [s.name]),
      el("td", {}, [s.as_of || ""]),
      el("td", { className: "num" }, [String((s.changes || []).length)]),
      el("td", {}, [open, " ", archive])
    ]);
  }

  function listOf(data) { return Array.isArray(data) ? data : (data && (data.items || data.scenarios)) || []; }

  function loadScenarios() {
    return api("GET", "/api/v1/scenarios").then(function (r) {
      var body = $("ws-scenarios").querySelector("tbody");
      clear(body);
      if (r.status !== 200) { return; }
      var items = listOf(r.data);
      items.forEach(function (s) { body.appendChild(scenarioRow(s)); });
      $("ws-scenarios-empty").hidden = items.length > 0;
      updateCompare();
    }, network);
  }

  function chosen() {
    return Array.prototype.map.call(
      document.querySelectorAll("#ws-scenarios input[data-scenario]:checked"),
      function (b) { return b.getAttribute("data-scenario"); });
  }

  function updateCompare() {
    var n = chosen().length;
    $("ws-compare").disabled = n < 2 || n > 3;
  }

  function save(ev) {
    ev.preventDefault();
    var name = $("ws-name").value.trim();
    $("ws-error").textContent = "";
    if (!name) {
      $("ws-error").textContent = "请填写方案名称 / enter the scenario's name";
      $("ws-name").focus();
      return;
    }
    if (!changes.length) {
      $("ws-error").textContent = "方案还没有变更 / the scenario has no changes yet";
      return;
    }
    var body = { name: name, as_of: q.as_of, kind: q.kind, changes: changes };
    var update = openScenario && name === openName;
    var req = update ? api("PUT", "/api/v1/scenarios/" + openScenario, body,
                           openEtag ? { "If-Match": openEtag } : {})
                     : api("POST", "/api/v1/scenarios", body);
    req.then(function (r) {
      if (r.status === 200 || r.status === 201) {
        openScenario = r.data && r.data.id ? r.data.id : openScenario;
        openName = name;
        openEtag = r.headers.get("ETag");
        status("方案「" + name + "」已保存 / scenario saved");
        loadScenarios();
        return;
      }
      if (r.status === 412) {
        $("ws-error").textContent = message(r.data, "方案已被他人修改 / changed meanwhile") +
          " — 请重新打开方案后再修改，本次未保存 / reopen the scenario and change it again; nothing was saved";
        return;
      }
      $("ws-error").textContent = message(r.data, "保存失败 / saving failed");
    }, network);
  }

  function openSaved(id) {
    api("GET", "/api/v1/scenarios/" + id).then(function (r) {
      if (r.status !== 200) {
        $("ws-error").textContent = message(r.data, "无法打开方案 / the scenario could not be opened");
        return;
      }
      var s = r.data;
      var differs = (s.as_of && s.as_of !== q.as_of) || (s.kind && s.kind !== q.kind);
      var apply = function () {
        changes = JSON.parse(JSON.stringify(s.changes || []));
        history = [];
        changes.forEach(function (c) {
          var m = c.op === "add" && /^h(\d+)$/.exec(String(c.id));
          if (m) { serial = Math.max(serial, Number(m[1])); }
        });
        openScenario = s.id;
        openName = s.name;
        openEtag = r.headers.get("ETag");
        $("ws-name").value = s.name;
        redrawChanges();
        runWhatIf();
        status("已打开方案「" + s.name + "」 / scenario opened");
        $("ws-whatif-title").focus();
      };
      if (differs) {
        q = { as_of: s.as_of || q.as_of, kind: s.kind || q.kind };
        $("ws-as-of").value = q.as_of;
        $("ws-kind").value = q.kind;
        window.history.pushState(null, "", "?" + query(q));
        show(false).then(apply);
      } else {
        apply();
      }
    }, network);
  }

  // Archive the listed version (If-Match): a scenario saved again since is not archived
  // unseen; the list is reloaded to show it.
  function archiveSaved(id, version) {
    api("POST", "/api/v1/scenarios/" + id + "/archive", undefined,
        { "If-Match": 'W/"' + version + '"' }).then(function (r) {
      if (r.status === 200 || r.status === 204) {
        status("方案已归档 / scenario archived");
        if (String(openScenario) === String(id)) { openScenario = null; }
        loadScenarios();
        return;
      }
      $("ws-error").textContent = message(r.data, "归档失败 / archiving failed");
      if (r.status === 412) { loadScenarios(); }
    }, network);
  }

  function compare() {
    var ids = chosen();
    api("GET", "/api/v1/scenarios/compare?ids=" + ids.join(",")).then(function (r) {
      if (r.status !== 200) {
        $("ws-error").textContent = message(r.data, "无法比较 / the comparison failed");
        return;
      }
      showComparison(listOf(r.data));
    }, network);
  }

  var COMPARE_ROWS = [
    { zh: "截至", en: "as of", v: function (s) { return s.as_of || ""; } },
    { zh: "变更数", en: "changes", v: function (s) { return String((s.changes || s.stations || []).length); } },
    { zh: "主要街道（方案）", en: "main streets, scenario", v: function (s) { return pct(result(s).scenario.main_street_share); } },
    { zh: "主要街道变化", en: "main streets, change", v: function (s) { return points(result(s).delta.main_street_share); } },
    { zh: "重点区域（方案）", en: "key districts, scenario", v: function (s) { return pct(result(s).scenario.key_district_share); } },
    { zh: "重点区域变化", en: "key districts, change", v: function (s) { return points(result(s).delta.key_district_share); } },
    { zh: "新增覆盖街道", en: "main street gained", v: function (s) { return metres(result(s).delta.main_street_m); } }
  ];

  // A compared scenario's figures: its own result object, or the fields on it.
  function result(s) {
    var r = s.result || s.figures || s;
    return { base: r.base || {}, scenario: r.scenario || {}, delta: r.delta || {} };
  }

  function showComparison(items) {
    var table = $("ws-comparison");
    var head = table.querySelector("thead tr");
    var body = table.querySelector("tbody");
    clear(head);
    clear(body);
    head.appendChild(el("th", { scope: "col" }, ["指标 ", el("small", { lang: "en" }, ["figure"])]));
    items.forEach(function (s) { head.appendChild(el("th", { scope: "col", "data-scenario": String(s.id) }, [s.name])); });
    COMPARE_ROWS.forEach(function (row) {
      var tr = el("tr", {}, [el("th", { scope: "row" }, [row.zh + " ", el("small", { lang: "en" }, [row.en])])]);
      items.forEach(function (s) { tr.appendChild(el("td", { "data-scenario": String(s.id) }, [row.v(s)])); });
      body.appendChild(tr);
    });
    table.hidden = false;
    table.setAttribute("tabindex", "-1");
    table.focus();
  }

  // ---------------------------------------------------------------- the page
  function reportLinks() {
    $("ws-report-html").setAttribute("href", config.report + "?" + query(q));
    $("ws-report-xlsx").setAttribute("href", config.report + "?" + query(q) + "&format=xlsx");
  }

  // Show the question's figures, map, trend and gaps; ``keepWhatIf`` false starts a new
  // scenario (a scenario belongs to one date and kind).
  function show(keepWhatIf) {
    $("ws-error").textContent = "";
    status("");
    if (!keepWhatIf) { resetWhatIf(); }
    reportLinks();
    return Promise.all([loadFigures(), loadStations(), loadTrend()]);
  }

  config.kinds.forEach(function (t) {
    $("ws-kind").appendChild(el("option", { value: t.code }, [t.zh + " " + t.en]));
  });
  $("ws-whatif-title").setAttribute("tabindex", "-1");
  $("ws-plan-link").setAttribute("href", config.plan);
  fromAddress();
  $("ws-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var day = $("ws-as-of").value;
    if (!day) {
      $("ws-error").textContent = "请填写截至日期 / enter the as-of date";
      $("ws-as-of").focus();
      return;
    }
    q = { as_of: day, kind: $("ws-kind").value };
    window.history.pushState(null, "", "?" + query(q));
    show(false);
  });
  window.addEventListener("popstate", function () { fromAddress(); show(false); });
  $("ws-compute").addEventListener("click", compute);
  map.on("click", function (ev) { addAt(ev.latlng); });
  $("ws-add-centre").addEventListener("click", function () { addAt(map.getCenter()); });
  $("ws-undo").addEventListener("click", function () {
    if (!history.length) { return; }
    changes = history.pop();
    redrawChanges();
    runWhatIf();
  });
  $("ws-clear").addEventListener("click", function () {
    if (!changes.length) { return; }
    history.push(snapshot());
    changes = [];
    redrawChanges();
    runWhatIf();
  });
  $("ws-save-form").addEventListener("submit", save);
  $("ws-compare").addEventListener("click", compare);
  show(false);
  loadScenarios();
}());
