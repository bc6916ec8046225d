/* Yizhan map page, offline (#14): registers the service worker (/sw.js) that keeps the
 * page usable without a network, and, when offline, shows the last nearest answer the
 * worker kept, with its time ("截至 HH:MM as of"). Every text from data is set with
 * textContent. Loaded with `defer`, after the page's own script. */
(function () {
  "use strict";
  var LAST = "yizhan-last";
  var LAST_URL = "/offline/last-nearest";
  var panel = null;

  function el(tag, className, text, lang) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (lang) { node.lang = lang; }
    return node;
  }
  function both(tag, zh, en, className) {
    var node = el(tag, className, zh);
    node.appendChild(document.createTextNode(" "));
    node.appendChild(el("small", null, en, "en"));
    return node;
  }
  function hhmm(iso) { return typeof iso === "string" ? iso.slice(11, 16) : ""; }
  function distance(m) {
    if (typeof m !== "number") { return ""; }
    return m < 1000 ? Math.round(m) + " 米 m" : (m / 1000).toFixed(1) + " 公里 km";
  }

  function station(s) {
    var li = el("li");
    li.appendChild(el("span", "name", s.name));
    li.appendChild(el("span", "muted", " · " + distance(s.distance_m)));
    if (s.address) { li.appendChild(el("p", "muted", s.address)); }
    if (s.phone) {
      var call = el("a", "button", s.phone);
      call.href = "tel:" + String(s.phone).replace(/[^0-9+]/g, "");
      li.appendChild(call);
    }
    return li;
  }

  function render(answer) {
    if (!panel) {
      panel = el("section", "offline");
      panel.id = "offline";
      panel.setAttribute("role", "status");
      panel.setAttribute("aria-live", "polite");
      var results = document.getElementById("results");
      if (results && results.parentNode) { results.parentNode.insertBefore(panel, results); }
      else { document.body.appendChild(panel); }
    }
    panel.textContent = "";
    panel.hidden = false;
    panel.appendChild(both("h2", "离线", "Offline"));
    var stations = answer && Array.isArray(answer.stations) ? answer.stations : [];
    if (!answer) {
      panel.appendChild(both("p", "网络不可用。连接网络后即可查询最近的驿站。",
        "No network. Connect to find the nearest stations."));
      return;
    }
    panel.appendChild(both("p", "网络不可用，以下是上次查询的结果。",
      "No network: this is your last answer."));
    var at = hhmm(answer.at);
    panel.appendChild(both("p", "截至 " + at, "as of " + at, "as-of"));
    var list = el("ol", "last-answer");
    stations.forEach(function (s) { list.appendChild(station(s)); });
    panel.appendChild(list);
  }

  function show() {
    if (!("caches" in window)) { render(null); return; }
    caches.open(LAST).then(function (cache) { return cache.match(LAST_URL); })
      .then(function (hit) { return hit ? hit.json() : null; })
      .then(render, function () { render(null); });
  }
  function hide() { if (panel) { panel.hidden = true; } }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* http: none */ });
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "yizhan-offline") { show(); }
    });
  }
  window.addEventListener("offline", show);
  window.addEventListener("online", hide);
  if (!navigator.onLine) { show(); }
}());
