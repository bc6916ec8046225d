/* Yizhan's basemap: our own vector tiles (/tiles/{z}/{x}/{y}.mvt, made by PostGIS from the
   imported streets, districts and public stations) drawn in Leaflet by protomaps-leaflet
   (vendored in /static/yizhan/vendor/protomaps-leaflet), the internet basemaps as optional
   layers in a layer switch, and an automatic fall back to ours when their tiles fail
   (offline, intranet). window.YizhanBasemap.add(map, config) is all a page calls. */
(function () {
  "use strict";

  var OURS_LABEL = "驿站底图 Yizhan";
  var LABELS = { osm: "OpenStreetMap", tianditu: "天地图 Tianditu", tiles: "在线底图 Online" };
  // Failed tiles, with none loaded, before an internet basemap is given up for ours.
  var FAILURES_BEFORE_FALLBACK = 2;

  var KIND_COLOURS = {
    love_station: "#c62828",
    mother_baby_room: "#ad1457",
    worker_bookshop: "#1565c0"
  };
  var STREET_STYLE = {
    motorway: ["#e8a33d", 4], trunk: ["#f0b54a", 4], primary: ["#f5c76a", 3.5],
    secondary: ["#fbe0a2", 3], tertiary: ["#ffffff", 2.5]
  };

  function streetStyle(f) {
    return STREET_STYLE[f.props["class"]] || (f.props.is_main ? ["#ffffff", 2.5] : ["#ffffff", 1.5]);
  }

  function paintRules(P, stations) {
    var rules = [
      { dataLayer: "districts", symbolizer: new P.PolygonSymbolizer({ fill: "#eef1e6", opacity: 1 }) },
      { dataLayer: "districts", filter: function (z, f) { return f.props.is_key === true; },
        symbolizer: new P.PolygonSymbolizer({ fill: "#f7dfc9", opacity: 0.8 }) },
      { dataLayer: "districts", symbolizer: new P.LineSymbolizer({ color: "#9e8f6b", width: 1.2,
        dash: [4, 3] }) },
      { dataLayer: "streets", symbolizer: new P.LineSymbolizer({
        color: "#b9b2a4", lineCap: "round", lineJoin: "round",
        width: function (z, f) { return streetStyle(f)[1] * (z >= 16 ? 2.4 : z >= 14 ? 1.6 : 1) + 1.2; }
      }) },
      { dataLayer: "streets", symbolizer: new P.LineSymbolizer({
        lineCap: "round", lineJoin: "round",
        color: function (z, f) { return streetStyle(f)[0]; },
        width: function (z, f) { return streetStyle(f)[1] * (z >= 16 ? 2.4 : z >= 14 ? 1.6 : 1); }
      }) },
    ];
    // From zoom 13: at city scale a page's own markers say where stations are. A page
    // that draws every station itself (the public map) asks for none.
    if (stations !== false) {
      rules.push({ dataLayer: "stations", minzoom: 13, symbolizer: new P.CircleSymbolizer({
        radius: 3, stroke: "#ffffff", width: 1,
        fill: function (z, f) { return KIND_COLOURS[f.props.kind] || "#555555"; }
      }) });
    }
    return rules;
  }

  function labelRules(P) {
    return [
      { dataLayer: "streets", minzoom: 13,
        filter: function (z, f) { return !!f.props.name && (z >= 15 || f.props.is_main); },
        symbolizer: new P.LineLabelSymbolizer({
          labelProps: ["name"], fill: "#3b3325", stroke: "#ffffff", width: 3,
          font: "13px \"Noto Sans CJK SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif"
        }) }
    ];
  }

  /* Our vector tiles as a Leaflet layer. */
  function vectorLayer(vector, stations) {
    var P = window.protomapsL;
    // protomaps draws a data tile over a 512 px square: display zoom z reads data zoom z-1.
    return P.leafletLayer({
      url: vector.url,
      paintRules: paintRules(P, stations),
      labelRules: labelRules(P),
      backgroundColor: "#f4f1ea",
      attribution: vector.attribution,
      minZoom: vector.min_zoom + 1,
      maxDataZoom: vector.max_zoom,
      maxZoom: 20
    });
  }

  function rasterGroup(layers) {
    return L.layerGroup(layers.map(function (layer) {
      return L.tileLayer(layer.url, { attribution: layer.attribution,
        subdomains: layer.subdomains || "abc", maxZoom: 19 });
    }));
  }

  /* Give up an internet basemap for ours when its tiles fail and none loaded. */
  function fallBackOnFailure(map, group, ours) {
    var failed = 0, loaded = 0;
    group.on("add", function () { failed = 0; loaded = 0; });
    group.eachLayer(function (tiles) {
      tiles.on("tileload", function () { loaded += 1; });
      tiles.on("tileerror", function () {
        failed += 1;
        if (loaded === 0 && failed >= FAILURES_BEFORE_FALLBACK && map.hasLayer(group)) {
          map.removeLayer(group);
          map.addLayer(ours);
          map.fire("basemapfallback");
          var box = map.getContainer();
          box.setAttribute("data-basemap", "yizhan");
          box.setAttribute("data-basemap-fallback", "true");
        }
      });
    });
  }

  /* Add the basemap of `config` to `map`: config.vector (our tiles), config.layers (the
     configured internet basemap, first shown when given), config.optional (internet
     basemaps offered in the switch), config.crs ("gcj02": Amap's shifted tiles alone, as
     our WGS-84 tiles would not line up with them), config.stations (false: no station
     dots, the page draws its own markers). Returns {ours, bases}. */
  function add(map, config) {
    var layers = config.layers || [];
    var box = map.getContainer();
    if (config.crs === "gcj02" || !config.vector || !window.protomapsL) {
      if (layers.length) { rasterGroup(layers).addTo(map); }
      box.setAttribute("data-basemap", config.name || "none");
      return { ours: null, bases: {} };
    }
    var ours = vectorLayer(config.vector, config.stations);
    var bases = {};
    bases[OURS_LABEL] = ours;
    var first = ours;
    if (layers.length) {
      first = rasterGroup(layers);
      bases[LABELS[config.name] || config.name] = first;
    }
    (config.optional || []).forEach(function (choice) {
      bases[LABELS[choice.name] || choice.name] = rasterGroup(choice.layers);
    });
    Object.keys(bases).forEach(function (label) {
      if (bases[label] !== ours) { fallBackOnFailure(map, bases[label], ours); }
    });
    map.on("baselayerchange", function (e) {
      box.setAttribute("data-basemap", e.layer === ours ? "yizhan" : e.name);
    });
    first.addTo(map);
    box.setAttribute("data-basemap", first === ours ? "yizhan" : config.name);
    if (Object.keys(bases).length > 1) {
      L.control.layers(bases, null, { position: "topright" }).addTo(map);
    }
    return { ours: ours, bases: bases };
  }

  window.YizhanBasemap = { add: add, vectorLayer: vectorLayer };
})();
