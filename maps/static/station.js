// The station's own page (/s/{id}, opened by its QR poster): the check-in
// "我在这里歇脚 / I'm resting here". The device token is random and stays in this
// browser's localStorage; the server keeps only a keyed hash of it. Every text from the
// server is set as text, never as HTML.
(function () {
  "use strict";

  var form = document.getElementById("checkin-form");
  if (!form) { return; }  // a station that takes no check-ins (temporarily closed)
  var result = document.getElementById("checkin-result");
  var error = document.getElementById("checkin-error");
  var button = document.getElementById("checkin-submit");
  var KEY = "yizhan-device";

  function randomToken() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function device() {
    var token = null;
    try { token = window.localStorage.getItem(KEY); } catch (e) { token = null; }
    if (!token || !/^[A-Za-z0-9_-]{16,128}$/.test(token)) {
      token = randomToken();
      try { window.localStorage.setItem(KEY, token); } catch (e) { /* private mode: a token per visit */ }
    }
    return token;
  }

  function chosen() {
    var checked = form.querySelector("input[name=occupation]:checked");
    return checked && checked.value ? checked.value : null;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    result.textContent = "";
    error.textContent = "";
    button.disabled = true;
    var url = "/api/v1/stations/" + encodeURIComponent(form.getAttribute("data-station")) + "/checkins";
    fetch(url, {
      method: "POST",
      credentials: "omit",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ device: device(), occupation: chosen() })
    }).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        button.disabled = false;
        if (r.status === 201 && data) {
          result.textContent = "已签到，谢谢！本站今天第 " + data.today + " 人次 / Checked in, thank you: " +
            data.today + " today at this station";
          return;
        }
        error.textContent = data && data.message
          ? data.message + (data.message_en ? " / " + data.message_en : "")
          : "签到失败，请稍后再试 / check-in failed, try again later";
      });
    }, function () {
      button.disabled = false;
      error.textContent = "网络错误，请稍后再试 / network error, try again";
    });
  });
}());
