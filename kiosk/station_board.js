/* SIPOLI station boards: the calls of stations (registration counter, pharmacy, cashier,
 * lab) with the desk number, and at the pharmacy what is being prepared and what is ready
 * in each lane. Live: /api/v1/displays/stations/events says when a shown station changed
 * (any node, through PostgreSQL NOTIFY) and the board refetches /api/v1/displays/stations;
 * it polls (every 30 s) only while that stream is broken. A new call or recall is
 * announced once, like a clinic call: "Nomor antrean R nol nol dua, silakan ke loket
 * Farmasi 2". Tickets only — never names.
 */
(function () {
  "use strict";
  var body = document.body;
  var codes = body.getAttribute("data-stations") || "";
  var onlyStations = !(body.getAttribute("data-clinics") || "");
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "id";
  var root = document.getElementById("stations");
  var linkState = document.getElementById("link-state");
  var seen = {};      // ticket → call_count already announced
  var first = true;   // the first state only sets what was already called
  var queue = [];
  var speaking = false;

  function T(id, en) { return lang === "en" ? en : id; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function list(cls, items) {
    var ul = el("ul", "tickets " + cls);
    if (!items.length) ul.appendChild(el("li", "empty", "–"));
    items.forEach(function (t) { ul.appendChild(el("li", "", t)); });
    return ul;
  }
  function name(s) { return lang === "en" && s.name_en ? s.name_en : s.name; }

  function render(state) {
    root.innerHTML = "";
    state.stations.forEach(function (s) {
      var card = el("section", "station");
      card.setAttribute("data-station", s.code);
      card.appendChild(el("h2", "", name(s)));
      var calls = el("ol", "calls");
      if (!s.calls.length) calls.appendChild(el("li", "empty", T("Belum ada panggilan", "No calls yet")));
      s.calls.forEach(function (c) {
        var li = el("li", "");
        li.setAttribute("data-ticket", c.ticket);
        li.appendChild(el("span", "ticket", c.ticket));
        li.appendChild(el("span", "desk", T("Loket ", "Desk ") + (c.desk || "")));
        calls.appendChild(li);
      });
      card.appendChild(calls);
      if (s.pharmacy) {
        var lanes = el("div", "lanes");
        [["racikan", T("Racikan", "Compounded")], ["non_racikan", T("Non racikan", "Ready-made")]].forEach(function (l) {
          var col = el("div", "lane");
          col.setAttribute("data-lane", l[0]);
          col.appendChild(el("h3", "", l[1]));
          col.appendChild(el("h4", "", T("Disiapkan", "Being prepared")));
          col.appendChild(list("preparing", s.preparing[l[0]].concat(s.waiting[l[0]])));
          col.appendChild(el("h4", "", T("Siap diambil", "Ready")));
          col.appendChild(list("ready", s.ready[l[0]]));
          lanes.appendChild(col);
        });
        card.appendChild(lanes);
      } else {
        card.appendChild(el("h3", "", T("Berikutnya", "Next") + " (" + s.waiting_count + ")"));
        card.appendChild(list("next", s.next));
      }
      root.appendChild(card);
      s.calls.forEach(function (c) {
        var key = s.code + "/" + c.ticket;
        if (seen[key] !== c.call_count) {
          if (!first) announce(s, c, card);
          seen[key] = c.call_count;
        }
      });
    });
    first = false;
  }

  /* ---------- speech ---------- */
  var DIGITS = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
  function words(s, c) {
    var t = c.ticket.replace(/[^0-9A-Za-z]/g, "").split("").map(function (ch) {
      return /[0-9]/.test(ch) ? DIGITS[+ch] : ch;
    }).join(" ");
    return "Nomor antrean " + t + ", silakan ke loket " + s.name + " " + (c.desk || "");
  }
  function announce(s, c, card) {
    card.classList.add("flash");
    var banner = document.getElementById("announce");
    if (!banner) {
      banner = el("div", "announce");
      banner.id = "announce";
      document.body.appendChild(banner);
    }
    banner.innerHTML = "";
    banner.appendChild(el("div", "a-label", T("Nomor antrean", "Ticket")));
    banner.appendChild(el("div", "a-ticket", c.ticket));
    banner.appendChild(el("div", "a-where", name(s) + " · " + T("Loket ", "Desk ") + (c.desk || "")));
    banner.className = "announce on";
    banner.setAttribute("data-ticket", c.ticket);
    queue.push(words(s, c));
    info.announced.push(words(s, c));
    next();
    setTimeout(function () { banner.className = "announce"; card.classList.remove("flash"); }, 8000);
  }
  function next() {
    if (speaking || !queue.length) return;
    speaking = true;
    var w = queue.shift();
    var done = function () { speaking = false; next(); };
    try {
      if (!window.speechSynthesis) return done();
      var u = new SpeechSynthesisUtterance(w);
      u.lang = "id-ID";
      u.rate = 0.9;
      u.onend = u.onerror = done;
      setTimeout(done, 12000);
      window.speechSynthesis.speak(u);
    } catch (e) { done(); }
  }
  window.SIPOLI_STATION_WORDS = words;

  /* ---------- clock (when no clinic board runs one) ---------- */
  var skew = 0; // server clock minus this screen's clock, from the last state
  function tick() {
    if (!onlyStations) return;
    var d = new Date(Date.now() + skew);
    try {
      document.getElementById("time").textContent = new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Jayapura" }).format(d).replace(".", ":");
      document.getElementById("date").textContent = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { weekday: "long", day: "numeric", month: "long", timeZone: "Asia/Jayapura" }).format(d);
    } catch (e) { /* keep the old text */ }
  }

  /* ---------- state: fetched when the stream says so ---------- */
  var POLL_MS = 30000; // only while the stream is broken
  // What the board does, for the people (and tests) looking at it.
  var info = window.SIPOLI_STATION_BOARD = { fetches: 0, events: 0, live: false, polling: false, pollMs: null, announced: [] };
  var inFlight = false, again = false, soon = null, pollTimer = null, source = null;

  function refresh() {
    // One fetch at a time, so an older state never overwrites (and re-announces) a newer one.
    if (inFlight) { again = true; return; }
    inFlight = true;
    info.fetches++;
    fetch("/api/v1/displays/stations?stations=" + encodeURIComponent(codes), { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
      .then(function (state) {
        render(state);
        var server = Date.parse(state.now);
        if (!isNaN(server)) skew = server - Date.now();
        tick();
        if (info.live || info.polling) linkState.hidden = info.live;
      })
      .catch(function () { linkState.hidden = false; })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refresh(); }
      });
  }
  /** A burst of changes (a call is several row changes) → one fetch. */
  function refreshSoon() {
    if (!soon) soon = setTimeout(function () { soon = null; refresh(); }, 150);
  }
  function polling(on) {
    if (on && !pollTimer) pollTimer = setInterval(refresh, POLL_MS);
    if (!on && pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    info.polling = on;
    info.pollMs = on ? POLL_MS : null;
  }

  function connect() {
    if (source) source.close();
    source = new EventSource("/api/v1/displays/stations/events?stations=" + encodeURIComponent(codes));
    source.onopen = function () {
      info.live = true;
      polling(false);
      linkState.hidden = true;
      refresh(); // what changed while the stream was down
    };
    source.onmessage = function () { info.events++; refreshSoon(); };
    source.onerror = function () {
      info.live = false;
      linkState.hidden = false;
      polling(true);
      // The browser retries by itself unless the server refused outright.
      if (source.readyState === 2) setTimeout(connect, 5000);
    };
  }

  tick();
  setInterval(tick, 1000);
  refresh();
  if (window.EventSource) connect(); else polling(true);
})();
