/* Staff form for the TV boards' running text: signs in through the JSON API (cookie +
   CSRF token), then PUT /api/v1/staff/display-message. */
(function () {
  "use strict";
  var login = document.getElementById("login");
  var form = document.getElementById("message");
  var result = document.getElementById("result");
  var csrf = null;

  function say(s, bad) { result.textContent = s; result.className = bad ? "bad" : "good"; }
  function send(method, path, payload) {
    var h = { "Content-Type": "application/json", "Accept": "application/json",
              "Accept-Language": document.documentElement.lang || "id" };
    if (csrf) h["X-CSRF-Token"] = csrf;
    return fetch(path, { method: method, headers: h, credentials: "same-origin", body: payload ? JSON.stringify(payload) : undefined })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { ok: r.ok, status: r.status, body: b }; }); });
  }
  function ready(me) { csrf = me.csrf_token; login.hidden = true; form.hidden = false; }

  fetch("/api/v1/auth/me", { credentials: "same-origin" }).then(function (r) {
    if (r.ok) return r.json().then(ready);
    login.hidden = false;
  }, function () { say("Server tidak dapat dihubungi. / The server cannot be reached.", true); login.hidden = false; });

  login.addEventListener("submit", function (e) {
    e.preventDefault();
    send("POST", "/api/v1/auth/login", { username: login.username.value, password: login.password.value }).then(function (r) {
      if (r.ok) { ready(r.body); say(""); } else say((r.body.error && r.body.error.message) || "Gagal masuk.", true);
    }, function () { say("Server tidak dapat dihubungi. / The server cannot be reached.", true); });
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    send("PUT", "/api/v1/staff/display-message", { clinic: form.clinic.value.trim() || null, message: form.message.value }).then(function (r) {
      if (r.ok) say("Tersimpan / Saved: " + (r.body.message || "(kosong / cleared)"));
      else say((r.body.error && r.body.error.message) || ("HTTP " + r.status), true);
    }, function () { say("Server tidak dapat dihubungi. / The server cannot be reached.", true); });
  });
})();
