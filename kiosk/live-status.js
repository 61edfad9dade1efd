/* SIPOLI live status: include with <script src="/assets/live-status.js" defer></script>.
 *
 * Finds the element with data-live-code="CODE", listens to /api/v1/bookings/CODE/events
 * (Server-Sent Events) and, on each event, fetches /api/v1/bookings/CODE and fills the
 * elements inside it marked data-live="ticket|status|status_label|position|now_serving|
 * estimated_time". It un-hides data-live="called" when the status becomes "called", and
 * sets window.SIPOLI_LIVE = true so that a page's own polling can stand down.
 */
(function () {
  "use strict";
  var box = document.querySelector("[data-live-code]");
  if (!box || !window.EventSource) return;
  var code = box.getAttribute("data-live-code");
  if (!code) return;
  window.SIPOLI_LIVE = true;
  var en = (document.documentElement.lang || "").slice(0, 2) === "en";
  var LABELS = {
    booked: ["Terdaftar (belum check-in)", "Booked (not checked in)"],
    waiting: ["Menunggu", "Waiting"],
    called: ["Giliran Anda!", "Your turn!"],
    serving: ["Sedang dilayani", "Being seen"],
    done: ["Selesai", "Done"],
    skipped: ["Dilewati", "Skipped"],
    cancelled: ["Dibatalkan", "Cancelled"],
    no_show: ["Tidak hadir", "Did not come"]
  };
  var path = "/api/v1/bookings/" + encodeURIComponent(code);
  var pending = null;

  function set(name, value) {
    var nodes = box.querySelectorAll('[data-live="' + name + '"]');
    for (var i = 0; i < nodes.length; i++) {
      if (value !== undefined && value !== null && nodes[i].textContent !== String(value)) nodes[i].textContent = String(value);
    }
  }
  function clock(iso) {
    try {
      return new Intl.DateTimeFormat("id-ID", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: "Asia/Jayapura" })
        .format(new Date(iso)).replace(".", ":") + " WIT";
    } catch (e) { return iso; }
  }
  function fill(b) {
    set("ticket", b.ticket);
    set("status", b.status);
    set("status_label", b.status_label || (LABELS[b.status] ? LABELS[b.status][en ? 1 : 0] : b.status));
    set("position", b.position);
    set("now_serving", b.now_serving || "—");
    set("estimated_time", b.estimated_at ? clock(b.estimated_at) : "—");
    var called = box.querySelectorAll('[data-live="called"]');
    for (var i = 0; i < called.length; i++) called[i].hidden = b.status !== "called";
    box.setAttribute("data-live-status", b.status);
  }
  function update() {
    pending = null;
    fetch(path, { headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) { if (b) fill(b); }, function () { /* next event or reconnect tries again */ });
  }
  function soon() { if (!pending) pending = setTimeout(update, 150); }

  var source = null;
  function connect() {
    source = new EventSource(path + "/events");
    source.onopen = soon;           // also after a reconnect: catch up on the state
    source.onmessage = soon;
    source.onerror = function () {
      if (source.readyState === 2) setTimeout(connect, 5000);
    };
  }
  connect();
  update();
})();
