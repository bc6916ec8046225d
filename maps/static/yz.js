// Yizhan page helpers shared by the staff form and the console's page scripts: element
// building with text nodes only (never HTML from data), the JSON API call with the
// anti-forgery header and the session cookie, bilingual error messages, and times shown
// in the city's time zone. Loaded before a page's own script; it defines window.Yizhan.
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  // Build an element; string children become text nodes, never markup.
  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === "className") { node.className = props[k]; } else { node.setAttribute(k, props[k]); }
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // Call the JSON API with the session cookie and X-Requested-With: yizhan (api/auth.py).
  // Answers {status, data, headers}; never rejects on an HTTP error status. options:
  // onUnauthorized, called on a 401 (the console sends the person to sign in).
  function api(method, url, body, headers, options) {
    var opts = { method: method, credentials: "same-origin",
                 headers: { "X-Requested-With": "yizhan", "Accept": "application/json" } };
    Object.keys(headers || {}).forEach(function (k) { opts.headers[k] = headers[k]; });
    if (body instanceof FormData) {
      opts.body = body;  // the browser sets the multipart Content-Type
    } else if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (r.status === 401 && options && options.onUnauthorized) { options.onUnauthorized(); }
        return { status: r.status, data: data, headers: r.headers };
      });
    });
  }

  // The Chinese and English message of an error answer.
  function message(data, fallback) {
    if (!data || !data.message) { return fallback; }
    return data.message + (data.message_en ? " / " + data.message_en : "");
  }

  // A formatter of ISO times in the city's time zone (YIZHAN_TIMEZONE), whatever the
  // browser's; empty (or ``none``) for no time.
  function cityTime(timezone, none) {
    var format = new Intl.DateTimeFormat("zh-CN", {
      timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hour12: false });
    return function (iso) { return iso ? format.format(new Date(iso)) : (none || ""); };
  }

  // The JSON config a page's server put in <script id=ID type=application/json>.
  function pageConfig(id) { return JSON.parse(document.getElementById(id).textContent); }

  // The "possible duplicates nearby" panel of a 409 answer (#duplicate with
  // #duplicate-message, #duplicate-candidates and #duplicate-reason): its candidates with
  // their distances, and the reason field focused; hidden and emptied again.
  function showDuplicates(data) {
    $("duplicate").hidden = false;
    $("duplicate-message").textContent = message(data, "附近已有相似站点 / possible duplicates nearby");
    var list = $("duplicate-candidates");
    clear(list);
    ((data.details && data.details.candidates) || []).forEach(function (c) {
      list.appendChild(el("li", {}, [
        el("strong", {}, [c.name]), " ",
        el("span", { className: "distance" }, [Math.round(c.distance_m) + " 米 m"]), " ",
        el("span", { className: "hint" }, [c.address || ""])
      ]));
    });
    $("duplicate-reason").focus();
  }

  function hideDuplicates() {
    $("duplicate").hidden = true;
    $("duplicate-reason").value = "";
    clear($("duplicate-candidates"));
  }

  window.Yizhan = { $: $, el: el, clear: clear, api: api, message: message,
                    cityTime: cityTime, pageConfig: pageConfig,
                    showDuplicates: showDuplicates, hideDuplicates: hideDuplicates };
}());
