/* SIPOLI waiting-room TV board (1920×1080). Plain JavaScript, no build step.
 *
 * State comes from GET /api/v1/displays/state; changes arrive by SSE from
 * /api/v1/displays/events. A call or recall plays a chime and is announced in Indonesian
 * ("Nomor antrean B nol nol tujuh, silakan ke Poli Anak, ruang dua") by audio that SIPOLI
 * joins from recorded clips (/api/v1/announcements/audio.wav), so the TV box needs no
 * voice of its own; only if that audio fails does the browser's speech synthesis speak.
 * Announcements wait for each other, never overlapping. Tickets only — never names.
 * Built to stay on for days: it reconnects by itself, refreshes its state now and then,
 * keeps no growing lists, and reloads itself once a night when the server answers.
 */
(function () {
  "use strict";

  var body = document.body;
  var clinics = body.getAttribute("data-clinics") || "";
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "id";
  var TZ = "Asia/Jayapura";
  var REFRESH_MS = 60000;          // safety-net refresh of the whole state
  var SILENCE_MS = 10 * 60000;     // no event for this long: open a fresh stream
  var MAX_QUEUE = 12;              // announcements waiting; older ones are dropped
  var SHOWN = 3;                   // tickets in the "next" and "called before" lists
  var root = document.getElementById("clinics");
  var linkState = document.getElementById("link-state");
  var lastEventId = null;
  var lastHeard = Date.now();
  var source = null;
  var refreshTimer = null;

  var L = {
    id: { now: "Dipanggil", before: "Sebelumnya", next: "Berikutnya", waiting: "menunggu", none: "—", room: "Ruang" },
    en: { now: "Now calling", before: "Called before", next: "Next", waiting: "waiting", none: "—", room: "Room" }
  }[lang];

  /* ---------- clock ---------- */
  // The server's clock rules: a TV box's own clock is often wrong.
  var skew = 0;
  function tick() {
    var now = new Date(Date.now() + skew);
    try {
      document.getElementById("time").textContent = new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: TZ }).format(now).replace(".", ":") + " WIT";
      document.getElementById("date").textContent = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: TZ }).format(now);
    } catch (e) { /* very old browser: leave the clock */ }
  }

  /* ---------- rendering ---------- */
  function text(tag, cls, s) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    e.textContent = s;
    return e;
  }
  function list(cls, items) {
    var ul = document.createElement("ul");
    ul.className = cls;
    if (!items.length) ul.appendChild(text("li", "empty", L.none));
    items.forEach(function (t) { ul.appendChild(text("li", "", t)); });
    return ul;
  }
  /** Columns and rows for 1–8 groups at 1920×1080: one row up to three, then two rows. */
  function layout(n) {
    var cols = n <= 3 ? Math.max(n, 1) : n === 4 ? 2 : Math.ceil(n / 2);
    root.className = "clinics " + (n <= 3 ? "rows1" : "rows2") + (n === 4 ? " wide" : "");
    root.style.gridTemplateColumns = "repeat(" + cols + ", minmax(0, 1fr))";
    root.setAttribute("data-count", String(n));
  }
  /** Shrink a one-line text until it fits its box, across and (within the "called now" box)
   *  down: a ticket number never wraps, spills or is cut, on a 720p TV as on 1080p. */
  function fit(e) {
    e.style.fontSize = "";
    var size = parseFloat(window.getComputedStyle(e).fontSize) || 40;
    // The called number is also shrunk while its card spills below (see display.css).
    var card = e.parentNode && e.parentNode.classList.contains("now") ? e.closest(".clinic") : null;
    function spills() {
      return e.scrollWidth > e.clientWidth + 1 || (card && card.scrollHeight > card.clientHeight + 1);
    }
    for (var i = 0; i < 40 && size > 14 && spills(); i++) {
      size = Math.floor(size * 0.92);
      e.style.fontSize = size + "px";
    }
  }
  /** Numbers of the lists that the panel has no room for are hidden whole, not cut in half. */
  function trimLists() {
    Array.prototype.forEach.call(root.querySelectorAll(".clinic"), function (panel) {
      var bottom = panel.getBoundingClientRect().bottom - parseFloat(window.getComputedStyle(panel).paddingBottom);
      Array.prototype.forEach.call(panel.querySelectorAll(".cols li"), function (li) {
        li.style.visibility = "";
        if (li.getBoundingClientRect().bottom > bottom + 1) li.style.visibility = "hidden";
      });
    });
  }
  function fitAll() {
    Array.prototype.forEach.call(root.querySelectorAll(".now .ticket, .now .where, .cols h3, .cols li"), fit);
    trimLists();
  }
  var fitTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(fitTimer);
    fitTimer = setTimeout(fitAll, 150);
  });
  function render(state) {
    var server = Date.parse(state.now);
    if (!isNaN(server)) { skew = server - Date.now(); tick(); }
    var frag = document.createDocumentFragment();
    layout(state.clinics.length);
    state.clinics.forEach(function (c) {
      var panel = document.createElement("section");
      panel.className = "clinic";
      panel.setAttribute("data-clinic", c.code);
      var head = document.createElement("header");
      head.appendChild(text("h2", "", lang === "en" && c.name_en ? c.name_en : c.name));
      panel.appendChild(head);
      var now = document.createElement("div");
      now.className = "now" + (c.current ? "" : " idle");
      now.appendChild(text("div", "label", L.now));
      now.appendChild(text("div", "ticket", c.current ? c.current.ticket : L.none));
      now.appendChild(text("div", "where", (c.current && c.current.room) || c.room || ""));
      panel.appendChild(now);
      var cols = document.createElement("div");
      cols.className = "cols";
      var next = document.createElement("div");
      next.className = "after";
      next.appendChild(text("h3", "", L.next + " · " + c.waiting_count + " " + L.waiting));
      next.appendChild(list("next", c.next.slice(0, SHOWN)));
      var before = document.createElement("div");
      before.className = "before";
      before.appendChild(text("h3", "", L.before));
      before.appendChild(list("recent", c.recent.slice(0, SHOWN)));
      cols.appendChild(next);
      cols.appendChild(before);
      panel.appendChild(cols);
      frag.appendChild(panel);
    });
    root.innerHTML = "";
    root.appendChild(frag);
    fitAll();
    var ticker = document.getElementById("ticker");
    var msg = state.message || (lang === "en" ? "Welcome to RSUD Mimika. Please wait for your number to be called." : "Selamat datang di RSUD Mimika. Silakan menunggu nomor Anda dipanggil.");
    if (ticker.textContent !== msg) {
      ticker.textContent = msg;
      ticker.style.animationDuration = Math.max(20, msg.length / 6) + "s";
    }
  }

  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = null;
    return fetch("/api/v1/displays/state?clinics=" + encodeURIComponent(clinics), { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (state) { render(state); linkUp(true); })
      .catch(function () { linkUp(false); });
  }
  function refreshSoon() {
    if (!refreshTimer) refreshTimer = setTimeout(refresh, 250);
  }
  function linkUp(ok) { linkState.hidden = ok; }

  /* ---------- speech ---------- */
  var DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
  /** "B-007" → "B nol nol tujuh": letters as letters, every digit as a word. */
  function ticketWords(ticket) {
    return ticket.replace(/[^0-9A-Za-z]/g, "").split("").map(function (ch) {
      return /[0-9]/.test(ch) ? DIGITS[+ch] : ch.toUpperCase();
    }).join(" ");
  }
  function sentence(e) {
    var s = "Nomor antrean " + ticketWords(e.ticket) + ", silakan ke " + e.clinic_name;
    if (e.room) s += ", " + e.room;
    return (e.kind === "recall" ? "Panggilan ulang. " : "") + s + ".";
  }
  window.sipoliTicketWords = ticketWords;

  var audio = null;
  function chime() {
    return new Promise(function (done) {
      try {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        if (!Ctx) return done();
        audio = audio || new Ctx();
        if (audio.state === "suspended") audio.resume();
        var t0 = audio.currentTime + 0.05;
        [[784, 0], [659, 0.45], [523, 0.9]].forEach(function (n) {
          var osc = audio.createOscillator();
          var gain = audio.createGain();
          osc.type = "sine";
          osc.frequency.value = n[0];
          gain.gain.setValueAtTime(0.0001, t0 + n[1]);
          gain.gain.exponentialRampToValueAtTime(0.5, t0 + n[1] + 0.03);
          gain.gain.exponentialRampToValueAtTime(0.0001, t0 + n[1] + 0.8);
          osc.connect(gain);
          gain.connect(audio.destination);
          osc.start(t0 + n[1]);
          osc.stop(t0 + n[1] + 0.85);
        });
        setTimeout(done, 1800);
      } catch (e) { done(); }
    });
  }
  function speak(words) {
    return new Promise(function (done) {
      var finished = false;
      function end() { if (!finished) { finished = true; done(); } }
      // Some engines never say "end": move on after a generous pause anyway.
      var guard = setTimeout(end, 4000 + words.length * 120);
      try {
        if (!window.speechSynthesis) return end();
        var u = new SpeechSynthesisUtterance(words);
        u.lang = "id-ID";
        u.rate = 0.9;
        var voices = window.speechSynthesis.getVoices() || [];
        for (var i = 0; i < voices.length; i++) {
          if (/^id/i.test(voices[i].lang)) { u.voice = voices[i]; break; }
        }
        u.onend = u.onerror = function () { clearTimeout(guard); end(); };
        window.speechSynthesis.speak(u);
      } catch (e) { clearTimeout(guard); end(); }
    });
  }

  /** The call as audio from SIPOLI itself (clips joined on the server): no browser voice
   *  needed. Rejects when it cannot be played, so that the caller falls back to speech. */
  function callAudioUrl(e) {
    var q = "ticket=" + encodeURIComponent(e.ticket) + "&place=" + encodeURIComponent(e.clinic_name || "") +
      "&room=" + encodeURIComponent(e.room || "") + (e.kind === "recall" ? "&recall=1" : "");
    return "/api/v1/announcements/audio.wav?" + q;
  }
  function playServer(e) {
    return new Promise(function (done, fail) {
      var settled = false;
      function finish(ok) {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        if (ok) done(); else fail();
      }
      // A call lasts a few seconds; one that never ends must not hold the queue.
      var guard = setTimeout(function () { finish(true); }, 20000);
      try {
        var a = new Audio(callAudioUrl(e));
        a.onended = function () { finish(true); };
        a.onerror = function () { finish(false); };
        var p = a.play();
        if (p && p.catch) p.catch(function () { finish(false); });
      } catch (x) { finish(false); }
    });
  }
  /* What was said, newest last (a few only): for the browser tests and a curious admin. */
  var said = [];
  window.sipoliSaid = said;
  function record(e, via, started) {
    said.push({ ticket: e.ticket, kind: e.kind, via: via, started: started, ended: Date.now() });
    while (said.length > 20) said.shift();
  }

  var queue = [];
  var speaking = false;
  function announce(e) {
    queue.push(e);
    while (queue.length > MAX_QUEUE) queue.shift();
    if (!speaking) nextAnnouncement();
  }
  function nextAnnouncement() {
    var e = queue.shift();
    if (!e) { speaking = false; banner(null); return; }
    speaking = true;
    var words = sentence(e);
    banner(e, words);
    var started = Date.now();
    chime()
      .then(function () { return playServer(e).then(function () { return "audio"; }); })
      .catch(function () { return speak(words).then(function () { return "speech"; }); })
      .then(function (via) {
        record(e, via, started);
        setTimeout(nextAnnouncement, 600);
      });
  }
  var bannerEl = null;
  function banner(e, words) {
    if (!bannerEl) {
      bannerEl = document.createElement("div");
      bannerEl.id = "announce";
      bannerEl.className = "announce";
      bannerEl.setAttribute("role", "status");
      bannerEl.setAttribute("aria-live", "assertive");
      document.body.appendChild(bannerEl);
    }
    if (!e) { bannerEl.className = "announce"; return; }
    bannerEl.innerHTML = "";
    bannerEl.appendChild(text("div", "a-label", e.kind === "recall" ? (lang === "en" ? "Calling again" : "Panggilan ulang") : L.now));
    bannerEl.appendChild(text("div", "a-ticket", e.ticket));
    bannerEl.appendChild(text("div", "a-where", e.clinic_name + (e.room ? " · " + e.room : "")));
    bannerEl.setAttribute("data-said", words);
    bannerEl.className = "announce on";
    var panel = root.querySelector('[data-clinic="' + e.clinic + '"]');
    if (panel) { panel.classList.remove("flash"); void panel.offsetWidth; panel.classList.add("flash"); }
  }

  /* ---------- live stream ---------- */
  function connect() {
    if (source) source.close();
    var url = "/api/v1/displays/events?clinics=" + encodeURIComponent(clinics);
    if (lastEventId) url += "&last_event_id=" + encodeURIComponent(lastEventId);
    source = new EventSource(url);
    source.onopen = function () { lastHeard = Date.now(); linkUp(true); refresh(); };
    source.onmessage = function (m) {
      lastHeard = Date.now();
      if (m.lastEventId) lastEventId = m.lastEventId;
      var e;
      try { e = JSON.parse(m.data); } catch (x) { return; }
      refreshSoon();
      if ((e.kind === "call" || e.kind === "recall") && e.status === "called") announce(e);
    };
    source.onerror = function () {
      linkUp(false);
      // The browser retries by itself unless the server refused outright.
      if (source.readyState === 2) setTimeout(connect, 5000);
    };
  }

  /** Stream silent for long (a half-open connection?) → open a fresh one. */
  function watchdog() {
    if (Date.now() - lastHeard > SILENCE_MS) { lastHeard = Date.now(); connect(); }
  }

  /** Once a night, when the server answers, start afresh (memory, new assets). */
  var bornOn = new Date().toDateString();
  function nightly() {
    var hour = +new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hour12: false, timeZone: TZ }).format(new Date());
    if (hour === 3 && new Date().toDateString() !== bornOn) {
      fetch("/healthz", { cache: "no-store" }).then(function (r) { if (r.ok) location.reload(); }, function () {});
    }
  }

  /* Browsers may keep sound off until someone touches the screen once. */
  function soundGate() {
    var gate = document.getElementById("sound-gate");
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      audio = audio || (Ctx ? new Ctx() : null);
      if (audio && audio.state === "suspended") {
        gate.hidden = false;
        document.getElementById("sound-on").addEventListener("click", function () {
          audio.resume();
          if (window.speechSynthesis) window.speechSynthesis.speak(new SpeechSynthesisUtterance(" "));
          gate.hidden = true;
        });
      }
    } catch (e) { /* no audio: the banner still shows every call */ }
  }

  tick();
  setInterval(tick, 1000);
  setInterval(refresh, REFRESH_MS);
  setInterval(watchdog, 30000);
  setInterval(nightly, 5 * 60000);
  soundGate();
  refresh();
  connect();
})();
