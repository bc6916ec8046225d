// The coverage report's map. maps/coverage_report.py inlines this file into the
// self-contained HTML report. Names come from imports, OSM and staff edits: they are
// only ever set as textContent (tooltips and icons are DOM elements, never HTML strings).
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('map-data').textContent);
  var map = L.map('map', { attributionControl: false });

  // An element of the given tag holding the joined parts as plain text.
  function el(tag, parts, style) {
    var node = document.createElement(tag);
    node.textContent = parts.join('');
    if (style) node.setAttribute('style', style);
    return node;
  }
  // Tooltip content: a span whose text is the joined arguments.
  function text() {
    return el('span', Array.prototype.slice.call(arguments).map(function (p) {
      return p === null || p === undefined ? '' : String(p);
    }));
  }
  function shade(share) {
    if (share === null || share === undefined) return '#a0aec0';
    var r = Math.round(220 * (1 - share)), g = Math.round(160 * share + 40);
    return 'rgb(' + r + ',' + g + ',80)';
  }
  function pct(share) {
    return share === null || share === undefined ? '—' : (share * 100).toFixed(1) + '%';
  }

  var districts = L.geoJSON(data.key_districts, {
    style: function (f) {
      return { color: '#2d3748', weight: 2, fillColor: shade(f.properties.area_share), fillOpacity: 0.25 };
    },
    onEachFeature: function (f, l) {
      l.bindTooltip(text(f.properties.district, ' 面积覆盖率 ', pct(f.properties.area_share)));
    }
  }).addTo(map);
  var areaGaps = L.geoJSON(data.area_gap, {
    style: { color: '#c53030', weight: 0, fillColor: '#c53030', fillOpacity: 0.18 }
  }).addTo(map);
  var covered = L.geoJSON(data.street_covered, { style: { color: '#2b6cb0', weight: 4 } }).addTo(map);
  var gaps = L.geoJSON(data.street_gap, {
    style: { color: '#e53e3e', weight: 4 },
    onEachFeature: function (f, l) {
      l.bindTooltip(text(f.properties.street, ' 未覆盖 ', Math.round(f.properties.measure), ' 米'));
    }
  }).addTo(map);
  var colours = { love_station: '#d53f8c', mother_baby_room: '#805ad5', worker_bookshop: '#dd6b20' };
  var stations = L.featureGroup(data.stations.map(function (s) {
    return L.circleMarker([s.lat, s.lon], {
      radius: 6, color: '#fff', weight: 1.5, fillColor: colours[s.kind] || '#718096', fillOpacity: 1
    }).bindTooltip(text(s.kind_zh, '：', s.name));
  })).addTo(map);
  var sites = L.featureGroup((data.sites || []).map(function (s) {
    return L.marker([s.lat, s.lon], {
      icon: L.divIcon({ className: 'site', html: text(s.rank), iconSize: [20, 20] })
    }).bindTooltip(text('建议新址 ', s.rank, '：', s.street, '，', s.district));
  })).addTo(map);

  var all = L.featureGroup([covered, gaps, stations, sites]);
  var bounds = all.getBounds();
  if (!bounds.isValid()) bounds = districts.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [20, 20] }); else map.setView([0, 0], 2);

  // The legend, built node by node: a swatch or dot and its label per line.
  var legend = L.control({ position: 'bottomright' });
  legend.onAdd = function () {
    var d = L.DomUtil.create('div', 'legend');
    var lines = [
      [['i', 'background:#2b6cb0', '', '已覆盖主要街道']],
      [['i', 'background:#e53e3e', '', '未覆盖主要街道']],
      [['i', 'background:#c53030;opacity:.3;height:10px', '', '重点区域未覆盖']],
      [['i', 'background:rgb(0,200,80);opacity:.4;height:10px', '', '重点区域（颜色：面积覆盖率）']],
      [['span', 'color:#d53f8c', '●', ' 爱心驿站 '], ['span', 'color:#805ad5', '●', ' 母婴室 '],
       ['span', 'color:#dd6b20', '●', ' 职工书屋']],
      [['span', 'color:#2b6cb0', '●', ' 建议新址（序号 = 建设顺序）']]
    ];
    lines.forEach(function (line, i) {
      if (i) d.appendChild(document.createElement('br'));
      line.forEach(function (item) {
        d.appendChild(el(item[0], [item[2]], item[1]));
        d.appendChild(document.createTextNode(item[3]));
      });
    });
    return d;
  };
  legend.addTo(map);
  L.control.layers(null, {
    '重点区域': districts, '区域缺口': areaGaps, '已覆盖街道': covered,
    '未覆盖街道': gaps, '站点': stations, '建议新址': sites
  }, { collapsed: false }).addTo(map);
  window.reportMapReady = true;
})();
