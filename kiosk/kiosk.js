/* SIPOLI hall kiosk: walk-in tickets and booking check-in. Plain JavaScript, no build step.
 *
 * Screens: start → (walk-in) clinic → session → payer (+ priority) → phone → ticket
 *                → (registration counter, new patients) payer (+ priority) → counter ticket
 *                → (check-in) keypad → ticket
 * Every flow carries ONE Idempotency-Key, made when the flow starts: a double tap or a
 * retry after a network failure returns the same ticket instead of a second one.
 * After 20 s without a touch the kiosk returns to the start screen.
 */
(function () {
  "use strict";

  // Back to the start after this long without a touch (`?idle=SECONDS`, 5–300, default 20).
  var IDLE_MS = (function () {
    var m = /[?&]idle=(\d+)/.exec(location.search);
    var s = m ? Math.min(300, Math.max(5, +m[1])) : 20;
    return s * 1000;
  })();
  var body = document.body;
  var screen = document.getElementById("screen");
  var printArea = document.getElementById("print-area");
  var clinicsParam = body.getAttribute("data-clinics") || "";
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "id";
  // Set to a network (ESC/POS) printer in its registration: SIPOLI prints the ticket itself.
  var netPrinter = body.getAttribute("data-printer") === "1";
  var idleTimer = null;
  var flow = null; // {key, clinic, session, payer, phone, code}

  var T = {
    id: {
      title: "Selamat datang di RSUD Mimika",
      subtitle: "Silakan pilih layanan",
      walkIn: "Ambil nomor antrean",
      walkInHint: "Belum punya janji? Ambil nomor untuk hari ini.",
      checkIn: "Check-in booking",
      checkInHint: "Sudah booking online? Masukkan atau pindai kode booking.",
      chooseClinic: "Pilih poliklinik",
      chooseSession: "Pilih dokter",
      choosePayer: "Jenis pembayaran",
      jkn: "JKN / BPJS Kesehatan",
      jknHint: "Bawa kartu BPJS atau KTP",
      umum: "Umum (bayar sendiri)",
      umumHint: "Tanpa BPJS",
      phoneTitle: "Nomor HP (tidak wajib)",
      phoneHint: "Kami kirim pemberitahuan saat giliran Anda mendekat.",
      skip: "Lewati",
      next: "Lanjut",
      back: "Kembali",
      home: "Selesai",
      del: "Hapus",
      clear: "Kosongkan",
      places: "sisa kuota",
      noSessions: "Tidak ada jadwal dokter yang menerima pasien baru saat ini. Silakan ke loket pendaftaran.",
      closed: "Tutup",
      codeTitle: "Masukkan kode booking",
      codeHint: "8 karakter, tertera di pesan booking Anda. Pemindai kode juga bisa dipakai.",
      checkInBtn: "Check-in",
      working: "Mohon tunggu…",
      offline: "Server tidak dapat dihubungi. Periksa sambungan atau minta bantuan petugas.",
      outage: "Layanan sedang gangguan, silakan ke loket.",
      outageHint: "Anjungan mencoba tersambung lagi secara otomatis.",
      retry: "Coba lagi",
      yourNumber: "Nomor antrean Anda",
      clinic: "Poli",
      doctor: "Dokter",
      date: "Tanggal",
      estimate: "Perkiraan dilayani",
      position: "Antrean di depan Anda",
      people: "orang",
      nextStep: "Silakan duduk di ruang tunggu poli. Nomor Anda akan dipanggil di layar dan pengeras suara. Pindai kode QR untuk memantau antrean.",
      nextStepBooked: "Check-in berhasil. Silakan duduk di ruang tunggu poli dan tunggu panggilan.",
      printing: "Tiket sedang dicetak. Ambil tiket Anda di bawah.",
      printAgain: "Cetak ulang",
      printFallback: "Tiket dicetak lewat browser. Jika tidak keluar, minta bantuan petugas.",
      wit: "WIT",
      bookingCode: "Kode booking",
      payer: "Pembayaran",
      payerJkn: "JKN (BPJS)",
      payerUmum: "Umum",
      printedAt: "Dicetak",
      checkedIn: "Check-in berhasil",
      ticketTaken: "Nomor antrean Anda",
      register: "Pendaftaran / pasien baru",
      registerHint: "Pasien baru atau data belum lengkap? Ambil nomor loket pendaftaran.",
      priorityTitle: "Pasien prioritas? (pilih bila ya, lalu pilih pembayaran)",
      priorityHint: "Petugas akan memastikan. Pasien prioritas dilayani lebih dulu di setiap loket.",
      prioLansia: "Lansia (60 tahun ke atas)",
      prioDisabilitas: "Penyandang disabilitas",
      prioIbuHamil: "Ibu hamil",
      prioAnakKecil: "Membawa anak kecil",
      counter: "Loket",
      counterNext: "Silakan duduk di ruang tunggu pendaftaran. Nomor Anda akan dipanggil ke loket. Pindai kode QR untuk memantau antrean.",
      priority: "Prioritas",
      nextTicket: "Tiket berikutnya",
      langSwitch: "English"
    },
    en: {
      title: "Welcome to RSUD Mimika",
      subtitle: "Please choose a service",
      walkIn: "Take a queue number",
      walkInHint: "No appointment? Take a number for today.",
      checkIn: "Check in a booking",
      checkInHint: "Booked online? Type or scan your booking code.",
      chooseClinic: "Choose a clinic",
      chooseSession: "Choose a doctor",
      choosePayer: "How will you pay?",
      jkn: "JKN / BPJS Kesehatan",
      jknHint: "Bring your BPJS card or ID card",
      umum: "Self-paying",
      umumHint: "Without BPJS",
      phoneTitle: "Mobile number (optional)",
      phoneHint: "We send a notice when your turn is near.",
      skip: "Skip",
      next: "Next",
      back: "Back",
      home: "Done",
      del: "Delete",
      clear: "Clear",
      places: "places left",
      noSessions: "No doctor takes new patients right now. Please go to the registration counter.",
      closed: "Closed",
      codeTitle: "Enter your booking code",
      codeHint: "8 characters, shown in your booking message. A code scanner works too.",
      checkInBtn: "Check in",
      working: "Please wait…",
      offline: "The server cannot be reached. Check the connection or ask the staff for help.",
      outage: "Service is disrupted, please go to the registration counter.",
      outageHint: "The kiosk keeps trying to reconnect by itself.",
      retry: "Try again",
      yourNumber: "Your queue number",
      clinic: "Clinic",
      doctor: "Doctor",
      date: "Date",
      estimate: "Estimated time",
      position: "People ahead of you",
      people: "",
      nextStep: "Please wait in the clinic's waiting room. Your number will be called on screen and by loudspeaker. Scan the QR code to follow the queue.",
      nextStepBooked: "You are checked in. Please wait in the clinic's waiting room for your call.",
      printing: "Your ticket is printing. Take it from below.",
      printAgain: "Print again",
      printFallback: "The ticket is printed through the browser instead. If nothing comes out, ask staff for help.",
      wit: "WIT",
      bookingCode: "Booking code",
      payer: "Payment",
      payerJkn: "JKN (BPJS)",
      payerUmum: "Self-paying",
      printedAt: "Printed",
      checkedIn: "Checked in",
      ticketTaken: "Your queue number",
      register: "Registration / new patient",
      registerHint: "New patient or details to complete? Take a number for the registration counter.",
      priorityTitle: "Priority patient? (tap if so, then choose the payment)",
      priorityHint: "Staff will confirm. Priority patients are served first at every counter.",
      prioLansia: "Elderly (60 or older)",
      prioDisabilitas: "Person with a disability",
      prioIbuHamil: "Pregnant",
      prioAnakKecil: "With a small child",
      counter: "Counter",
      counterNext: "Please wait in the registration waiting area. Your number will be called to a counter. Scan the QR code to follow the queue.",
      priority: "Priority",
      nextTicket: "Next ticket",
      langSwitch: "Bahasa Indonesia"
    }
  };
  function t(k) { return k in T[lang] ? T[lang][k] : k in T.id ? T.id[k] : k; }

  /* ---------- small DOM helpers ---------- */
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] == null) return;
        if (k === "onclick") e.addEventListener("click", attrs[k]);
        else if (k === "text") e.textContent = attrs[k];
        else e.setAttribute(k, attrs[k]);
      });
    }
    (children || []).forEach(function (c) {
      if (c == null) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }
  function show(nodes) {
    screen.innerHTML = "";
    nodes.forEach(function (n) { if (n) screen.appendChild(n); });
    var focus = screen.querySelector("[data-autofocus]");
    if (focus) focus.focus();
  }
  function newKey() {
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return "kiosk-" + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function header(title, backTo) {
    return el("div", { class: "step-head" }, [
      backTo ? el("button", { type: "button", class: "btn back", onclick: backTo, text: "‹ " + t("back") }) : null,
      el("h1", { text: title })
    ]);
  }

  /* ---------- time in WIT ---------- */
  var TZ = "Asia/Jayapura";
  function fmtTime(iso) {
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: TZ }).format(new Date(iso)).replace(".", ":");
    } catch (e) { return iso.slice(11, 16); }
  }
  function fmtDate(iso) {
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", { weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: TZ }).format(new Date(iso));
    } catch (e) { return iso.slice(0, 10); }
  }
  // The hospital's time, as the server tells it (like the board): a kiosk PC whose own
  // clock is wrong still shows the same time as the board next to it.
  var skew = 0;
  function syncClock(iso) {
    var server = Date.parse(iso || "");
    if (!isNaN(server)) { skew = server - Date.now(); tickClock(); }
  }
  function tickClock() {
    var c = document.getElementById("clock");
    if (c) c.textContent = fmtTime(new Date(Date.now() + skew).toISOString()) + " " + t("wit");
  }

  /* ---------- network ---------- */
  function api(method, path, payload, key) {
    var headers = { "Accept": "application/json", "Accept-Language": lang };
    if (payload !== undefined) headers["Content-Type"] = "application/json";
    if (key) headers["Idempotency-Key"] = key;
    var ctrl = window.AbortController ? new AbortController() : null;
    var timer = setTimeout(function () { if (ctrl) ctrl.abort(); }, 15000);
    return fetch(path, {
      method: method, headers: headers, credentials: "same-origin",
      body: payload === undefined ? undefined : JSON.stringify(payload),
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (res) {
      clearTimeout(timer);
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) return data;
        /* Unpaired or revoked: the page itself asks for a pairing code. */
        if (res.status === 401 && data && data.error && data.error.code === "kiosk_not_paired") {
          location.reload();
        }
        var err = new Error((data && data.error && data.error.message) || ("HTTP " + res.status));
        err.status = res.status;
        err.refusal = true;
        throw err;
      });
    }, function (e) {
      clearTimeout(timer);
      var err = new Error(t("offline"));
      err.offline = true;
      throw err;
    });
  }

  function working() {
    show([el("p", { class: "notice big", text: t("working") })]);
  }

  /** A plain message and a way on: never a blank or frozen screen. */
  function problem(err, retry, back) {
    var msg = err && err.offline ? t("offline") : (err && err.message) || t("offline");
    show([
      el("div", { class: "problem", role: "alert" }, [
        el("p", { class: "problem-text", text: msg }),
        el("div", { class: "row" }, [
          retry ? el("button", { type: "button", class: "btn primary", id: "retry", onclick: retry, text: t("retry") }) : null,
          el("button", { type: "button", class: "btn", onclick: back || start, text: t("back") })
        ])
      ])
    ]);
  }

  /** The server is out of reach: send people to the counter and keep trying. */
  var outageTimer = null;
  function outage() {
    flow = null;
    show([
      el("div", { class: "problem outage", role: "alert", id: "outage" }, [
        el("p", { class: "problem-text", text: t("outage") }),
        el("p", { class: "hint", text: t("outageHint") })
      ])
    ]);
    if (outageTimer) return;
    outageTimer = setInterval(function () {
      fetch("/healthz", { cache: "no-store" }).then(function (r) {
        if (r.ok) { clearInterval(outageTimer); outageTimer = null; location.reload(); }
      }, function () { /* still down */ });
    }, 5000);
  }

  /* ---------- start ---------- */
  function start() {
    flow = null;
    printArea.innerHTML = "";
    show([
      el("div", { class: "welcome" }, [el("h1", { text: t("title") }), el("p", { text: t("subtitle") })]),
      el("div", { class: "choices" }, [
        el("button", { type: "button", class: "choice", id: "walk-in", onclick: walkIn }, [
          el("span", { class: "choice-icon", "aria-hidden": "true", text: "#" }),
          el("span", { class: "choice-title", text: t("walkIn") }),
          el("span", { class: "choice-hint", text: t("walkInHint") })
        ]),
        el("button", { type: "button", class: "choice", id: "check-in", onclick: checkIn }, [
          el("span", { class: "choice-icon", "aria-hidden": "true", text: "✓" }),
          el("span", { class: "choice-title", text: t("checkIn") }),
          el("span", { class: "choice-hint", text: t("checkInHint") })
        ]),
        el("button", { type: "button", class: "choice", id: "registration", onclick: registration }, [
          el("span", { class: "choice-icon", "aria-hidden": "true", text: "P" }),
          el("span", { class: "choice-title", text: t("register") }),
          el("span", { class: "choice-hint", text: t("registerHint") })
        ])
      ].concat(moreChoices.map(function (f) { return f(); }))),
      moreLinks.length ? el("div", { class: "row more" }, moreLinks.map(function (f) { return f(); })) : null
    ]);
  }
  // Further start-screen choices and smaller buttons under them (kiosk-self.js adds them).
  var moreChoices = [], moreLinks = [];

  /* ---------- walk-in ---------- */
  function walkIn() {
    flow = { key: newKey() };
    loadClinics();
  }

  function loadClinics() {
    working();
    var q = clinicsParam ? "?clinics=" + encodeURIComponent(clinicsParam) : "";
    api("GET", "/api/v1/kiosk/sessions" + q).then(function (data) {
      syncClock(data.now);
      flow.catalogue = data;
      chooseClinic();
    }, function (err) { problem(err, loadClinics); });
  }

  function clinicName(c) { return lang === "en" && c.name_en ? c.name_en : c.name; }

  function chooseClinic() {
    var list = flow.catalogue.clinics || [];
    var buttons = list.map(function (c) {
      var open = c.sessions.filter(function (s) { return s.takes_walk_ins; });
      var left = open.reduce(function (n, s) { return n + s.remaining.jkn + s.remaining.non_jkn; }, 0);
      return el("button", {
        type: "button", class: "option" + (open.length ? "" : " disabled"),
        "data-clinic": c.code, "aria-disabled": open.length ? "false" : "true",
        onclick: function () { if (open.length) { flow.clinic = c; chooseSession(); } }
      }, [
        el("span", { class: "option-title", text: clinicName(c) }),
        el("span", { class: "option-meta", text: open.length ? left + " " + t("places") : t("closed") })
      ]);
    });
    show([
      header(t("chooseClinic"), start),
      buttons.length ? el("div", { class: "options" }, buttons) : el("p", { class: "notice", text: t("noSessions") })
    ]);
  }

  function chooseSession() {
    var c = flow.clinic;
    var buttons = c.sessions.map(function (s) {
      var left = s.remaining.jkn + s.remaining.non_jkn;
      var reason = s.closed_reason ? s.closed_reason[lang] || s.closed_reason.id : "";
      return el("button", {
        type: "button", class: "option" + (s.takes_walk_ins ? "" : " disabled"),
        "data-session": String(s.id), "aria-disabled": s.takes_walk_ins ? "false" : "true",
        onclick: function () { if (s.takes_walk_ins) { flow.session = s; choosePayer(); } }
      }, [
        el("span", { class: "option-title", text: s.doctor.name }),
        el("span", { class: "option-meta", text: s.hours + " " + t("wit") + " · " + (s.takes_walk_ins ? left + " " + t("places") : reason) })
      ]);
    });
    show([
      header(clinicName(c) + " — " + t("chooseSession"), chooseClinic),
      buttons.length ? el("div", { class: "options" }, buttons) : el("p", { class: "notice", text: t("noSessions") })
    ]);
  }

  function choosePayer() {
    var s = flow.session;
    function pick(p) { return function () { flow.payer = p; askPhone(); }; }
    show([
      header(t("choosePayer"), chooseSession),
      el("div", { class: "choices two" }, [
        el("button", { type: "button", class: "choice", id: "payer-jkn", onclick: pick("jkn"), disabled: s.remaining.jkn > 0 ? null : "disabled" }, [
          el("span", { class: "choice-title", text: t("jkn") }),
          el("span", { class: "choice-hint", text: t("jknHint") + " · " + s.remaining.jkn + " " + t("places") })
        ]),
        el("button", { type: "button", class: "choice", id: "payer-umum", onclick: pick("non_jkn"), disabled: s.remaining.non_jkn > 0 ? null : "disabled" }, [
          el("span", { class: "choice-title", text: t("umum") }),
          el("span", { class: "choice-hint", text: t("umumHint") + " · " + s.remaining.non_jkn + " " + t("places") })
        ])
      ]),
      priorityToggles()
    ]);
  }

  /* ---------- priority (lansia, disabilitas, ibu hamil, anak kecil) ---------- */
  var PRIORITIES = [["lansia", "prioLansia"], ["disabilitas", "prioDisabilitas"], ["ibu_hamil", "prioIbuHamil"], ["anak_kecil", "prioAnakKecil"]];
  function priorityLabel(c) {
    var hit = PRIORITIES.filter(function (p) { return p[0] === c; })[0];
    return hit ? t(hit[1]) : "";
  }
  /** Big toggles under the payer choice: one category (or none), kept in the flow. */
  function priorityToggles() {
    var buttons = PRIORITIES.map(function (p) {
      var b = el("button", { type: "button", class: "option priority", id: "priority-" + p[0], "aria-pressed": flow.priority === p[0] ? "true" : "false",
        onclick: function () {
          flow.priority = flow.priority === p[0] ? null : p[0];
          buttons.forEach(function (x) { x.setAttribute("aria-pressed", x.id === "priority-" + flow.priority ? "true" : "false"); });
        } }, [el("span", { class: "option-title", text: t(p[1]) })]);
      return b;
    });
    return el("section", { class: "priorities", "aria-label": t("priorityTitle") }, [
      el("h2", { text: t("priorityTitle") }),
      el("p", { class: "hint", text: t("priorityHint") }),
      el("div", { class: "options two" }, buttons)
    ]);
  }

  /* ---------- registration counter (new patients) ---------- */
  function registration() {
    flow = { key: newKey() };
    counterPayer();
  }
  function counterPayer() {
    function pick(p) { return function () { flow.payer = p; takeCounterTicket(); }; }
    show([
      header(t("choosePayer"), start),
      el("div", { class: "choices two" }, [
        el("button", { type: "button", class: "choice", id: "payer-jkn", onclick: pick("jkn") }, [
          el("span", { class: "choice-title", text: t("jkn") }),
          el("span", { class: "choice-hint", text: t("jknHint") })
        ]),
        el("button", { type: "button", class: "choice", id: "payer-umum", onclick: pick("non_jkn") }, [
          el("span", { class: "choice-title", text: t("umum") }),
          el("span", { class: "choice-hint", text: t("umumHint") })
        ])
      ]),
      priorityToggles()
    ]);
  }
  function takeCounterTicket() {
    if (flow.busy) return;
    flow.busy = true;
    working();
    var payload = { station: "PENDAFTARAN", payer: flow.payer };
    if (flow.priority) payload.priority_category = flow.priority;
    api("POST", "/api/v1/kiosk/tickets", payload, flow.key).then(function (data) {
      flow.busy = false;
      counterTicket(data);
    }, function (err) {
      flow.busy = false;
      problem(err, takeCounterTicket, start);
    });
  }
  function counterTicket(d) {
    var qr = "/antrean/" + encodeURIComponent(d.booking_code) + "/qr.svg";
    var nowIso = new Date(Date.now() + skew).toISOString();
    var printedAt = fmtDate(nowIso) + " " + fmtTime(nowIso) + " " + t("wit");
    function lines() {
      return [
        el("p", { class: "t-hospital", text: "RSUD Mimika · SIPOLI" }),
        el("p", { class: "t-label", text: t("register") + " — " + t("yourNumber") }),
        el("p", { class: "t-number", "data-ticket": d.ticket, text: d.ticket }),
        el("dl", { class: "t-facts" }, [
          el("dt", { text: t("counter") }), el("dd", { class: "t-clinic", text: t("register") }),
          el("dt", { text: t("position") }), el("dd", { class: "t-position", text: String(d.position) + (t("people") ? " " + t("people") : "") }),
          el("dt", { text: t("payer") }), el("dd", { class: "t-payer", text: d.payer === "jkn" ? t("payerJkn") : t("payerUmum") }),
          d.priority_category ? el("dt", { text: t("priority") }) : null,
          d.priority_category ? el("dd", { class: "t-priority", text: priorityLabel(d.priority_category) }) : null,
          el("dt", { text: t("bookingCode") }), el("dd", { class: "t-code", text: d.booking_code })
        ]),
        el("div", { class: "t-qr" }, [qrImage(qr)]),
        el("p", { class: "t-next", text: t("counterNext") }),
        el("p", { class: "t-printed", text: t("printedAt") + ": " + printedAt })
      ];
    }
    show([
      el("div", { class: "ticket-screen" }, [
        el("div", { class: "ticket", id: "ticket" }, lines()),
        el("p", { class: "notice", text: t("printing") }),
        el("div", { class: "row" }, [
          el("button", { type: "button", class: "btn", id: "print-again", onclick: function () { window.print(); }, text: t("printAgain") }),
          el("button", { type: "button", class: "btn primary", id: "done", onclick: start, text: t("home") })
        ])
      ])
    ]);
    printArea.innerHTML = "";
    printArea.appendChild(el("div", { class: "ticket print" }, lines()));
    flow = null;
    setTimeout(function () { try { window.print(); } catch (e) { /* no printer */ } }, 300);
  }

  function keypad(keys, onKey, extraClass) {
    return el("div", { class: "keypad" + (extraClass ? " " + extraClass : "") }, keys.map(function (k) {
      return el("button", { type: "button", class: "key" + (k.length > 1 ? " wide" : ""), "data-key": k, onclick: function () { onKey(k); } , text: k === "DEL" ? "⌫ " + t("del") : k === "CLR" ? t("clear") : k });
    }));
  }

  function askPhone() {
    var value = flow.phone || "";
    var out = el("output", { class: "entry", id: "phone-entry", text: value || "08…" });
    function render() { out.textContent = value || "08…"; out.classList.toggle("empty", !value); }
    show([
      header(t("phoneTitle"), choosePayer),
      el("p", { class: "hint", text: t("phoneHint") }),
      out,
      keypad(["1", "2", "3", "4", "5", "6", "7", "8", "9", "CLR", "0", "DEL"], function (k) {
        if (k === "DEL") value = value.slice(0, -1);
        else if (k === "CLR") value = "";
        else if (value.length < 13) value += k;
        render();
      }),
      el("div", { class: "row end" }, [
        el("button", { type: "button", class: "btn", id: "phone-skip", onclick: function () { flow.phone = ""; takeTicket(); }, text: t("skip") }),
        el("button", { type: "button", class: "btn primary", id: "phone-next", onclick: function () { flow.phone = value; takeTicket(); }, text: t("next") })
      ])
    ]);
    render();
  }

  function takeTicket() {
    if (flow.busy) return; // a second tap while the first is on its way
    flow.busy = true;
    working();
    var payload = { session_id: flow.session.id, payer: flow.payer, language: lang };
    if (flow.phone) payload.phone = flow.phone;
    if (flow.priority) payload.priority_category = flow.priority;
    api("POST", "/api/v1/kiosk/tickets", payload, flow.key).then(function (data) {
      flow.busy = false;
      ticket(data, false);
    }, function (err) {
      flow.busy = false;
      // A refusal about the phone number goes back to that step; others offer a retry
      // with the SAME key, so a ticket made before the connection dropped is not doubled.
      problem(err, err.refusal && err.status === 422 ? askPhone : takeTicket, err.refusal ? chooseClinic : start);
      if (err.refusal && err.status === 422) {
        var r = document.getElementById("retry");
        if (r) r.textContent = t("back");
      }
    });
  }

  /* ---------- check-in ---------- */
  var CODE_KEYS = ["A", "B", "C", "D", "E", "F", "G", "H", "J", "K", "M", "N", "P", "Q", "R", "S", "T", "V", "W", "X", "Y", "Z",
                   "1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "CLR", "DEL"];

  function checkIn() {
    flow = { key: newKey(), code: "" };
    codeScreen();
  }

  function normaliseCode(s) {
    return s.toUpperCase().replace(/[^0-9A-Z]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1").slice(0, 8);
  }

  function codeScreen() {
    var out = el("output", { class: "entry code", id: "code-entry" });
    var scan = el("input", { class: "scan", id: "scan", "aria-label": t("codeTitle"), autocomplete: "off", "data-autofocus": "1" });
    function render() {
      var c = flow.code;
      out.textContent = (c + "________").slice(0, 8).split("").join(" ");
      go.disabled = c.length !== 8;
    }
    var go = el("button", { type: "button", class: "btn primary", id: "code-submit", onclick: function () { submitCode(); }, text: t("checkInBtn") });
    scan.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); flow.code = normaliseCode(scan.value || flow.code); scan.value = ""; render(); if (flow.code.length === 8) submitCode(); }
    });
    scan.addEventListener("input", function () { flow.code = normaliseCode(scan.value); render(); });
    show([
      header(t("codeTitle"), start),
      el("p", { class: "hint", text: t("codeHint") }),
      out, scan,
      keypad(CODE_KEYS, function (k) {
        if (k === "DEL") flow.code = flow.code.slice(0, -1);
        else if (k === "CLR") flow.code = "";
        else if (flow.code.length < 8) flow.code += k;
        scan.value = flow.code;
        render();
        scan.focus();
      }, "code"),
      el("div", { class: "row end" }, [go])
    ]);
    render();
  }

  function submitCode() {
    if (flow.busy || flow.code.length !== 8) return;
    flow.busy = true;
    working();
    api("POST", "/api/v1/bookings/" + encodeURIComponent(flow.code) + "/check-in", {}, flow.key).then(function (data) {
      flow.busy = false;
      ticket(data, true);
    }, function (err) {
      flow.busy = false;
      if (err.refusal) {
        // Wrong code or not today: a fresh attempt gets a fresh key.
        problem(err, function () { flow.key = newKey(); codeScreen(); }, start);
      } else {
        problem(err, submitCode, start);
      }
    });
  }

  /* ---------- ticket ---------- */
  function ticket(d, checkedIn, rest) {
    var clinicObj = d.clinic || (d.session && d.session.clinic) || {};
    var doctorObj = d.doctor || (d.session && d.session.doctor) || {};
    var sess = d.session || {};
    var serviceDate = d.date || sess.date;
    var hours = sess.starts_at && sess.ends_at ? fmtTime(sess.starts_at) + "–" + fmtTime(sess.ends_at) + " " + t("wit") : "";
    var qr = "/antrean/" + encodeURIComponent(d.booking_code) + "/qr.svg";
    var nowIso = new Date(Date.now() + skew).toISOString();
    var printedAt = fmtDate(nowIso) + " " + fmtTime(nowIso) + " " + t("wit");
    function lines(withQr) {
      return [
        el("p", { class: "t-hospital", text: "RSUD Mimika · SIPOLI" }),
        el("p", { class: "t-label", text: checkedIn ? t("checkedIn") + " — " + t("ticketTaken") : t("yourNumber") }),
        el("p", { class: "t-number", "data-ticket": d.ticket, "data-ticket-long": d.ticket.length > 5 ? "1" : null, text: d.ticket }),
        el("dl", { class: "t-facts" }, [
          el("dt", { text: t("clinic") }), el("dd", { class: "t-clinic", text: clinicName(clinicObj) + (clinicObj.room ? " · " + clinicObj.room : "") }),
          el("dt", { text: t("doctor") }), el("dd", { class: "t-doctor", text: doctorObj.name || "" }),
          el("dt", { text: t("date") }), el("dd", { class: "t-date", text: (serviceDate ? fmtDate(serviceDate + "T12:00:00+09:00") : "") + (hours ? ", " + hours : "") }),
          el("dt", { text: t("estimate") }), el("dd", { class: "t-estimate", text: fmtTime(d.estimated_at) + " " + t("wit") }),
          el("dt", { text: t("position") }), el("dd", { class: "t-position", text: String(d.position) + (t("people") ? " " + t("people") : "") }),
          el("dt", { text: t("payer") }), el("dd", { class: "t-payer", text: d.payer === "jkn" ? t("payerJkn") : t("payerUmum") }),
          el("dt", { text: t("bookingCode") }), el("dd", { class: "t-code", text: d.booking_code })
        ]),
        withQr ? el("div", { class: "t-qr" }, [qrImage(qr)]) : null,
        el("p", { class: "t-next", text: checkedIn ? t("nextStepBooked") : t("nextStep") }),
        el("p", { class: "t-printed", text: t("printedAt") + ": " + printedAt })
      ];
    }
    var notice = el("p", { class: "notice", id: "print-notice", role: "status", text: t("printing") });
    function browserPrint() {
      // Kiosks run Chromium with --kiosk-printing: this prints silently at 80 mm.
      setTimeout(function () { try { window.print(); } catch (e) { /* no printer: the screen still shows it */ } }, 300);
    }
    /* On the kiosk's network printer through SIPOLI; if that printer is unreachable or out
       of paper, say so and print through the browser instead. */
    function printTicket() {
      if (!netPrinter) { browserPrint(); return; }
      api("POST", "/api/v1/kiosk/tickets/" + encodeURIComponent(d.booking_code) + "/print", { language: lang }).then(function () {
        notice.className = "notice";
        notice.textContent = t("printing");
        notice.removeAttribute("data-printer-problem");
        notice.setAttribute("data-settled", "1");
      }, function (err) {
        notice.className = "notice bad";
        notice.textContent = err.message + " " + t("printFallback");
        notice.setAttribute("data-printer-problem", String(err.status || "offline"));
        notice.setAttribute("data-settled", "1");
        browserPrint();
      });
    }
    show([
      el("div", { class: "ticket-screen" }, [
        el("div", { class: "ticket", id: "ticket" }, lines(true)),
        notice,
        el("div", { class: "row" }, [
          el("button", { type: "button", class: "btn", id: "print-again", onclick: printTicket, text: t("printAgain") }),
          rest && rest.length
            ? el("button", { type: "button", class: "btn primary", id: "next-ticket", onclick: function () { ticket(rest[0], checkedIn, rest.slice(1)); }, text: t("nextTicket") + " (" + rest.length + ")" })
            : el("button", { type: "button", class: "btn primary", id: "done", onclick: start, text: t("home") })
        ])
      ])
    ]);
    printArea.innerHTML = "";
    printArea.appendChild(el("div", { class: "ticket print" }, lines(true)));
    flow = null;
    printTicket();
  }

  /** The QR image is a bonus: if it cannot load, it disappears and the ticket stands. */
  function qrImage(src) {
    var img = el("img", { src: src, alt: "", width: "160", height: "160", class: "qr" });
    img.addEventListener("error", function () { if (img.parentNode) img.parentNode.removeChild(img); });
    return img;
  }

  /* ---------- idle, language ---------- */
  function touched() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () {
      if ((flow && flow.busy) || outageTimer) { touched(); return; }
      start();
    }, IDLE_MS);
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (ev) { document.addEventListener(ev, touched, { passive: true }); });

  var langBtn = document.getElementById("lang-switch");
  function setLang(l) {
    lang = l;
    document.documentElement.lang = l;
    langBtn.textContent = t("langSwitch");
    tickClock();
  }
  langBtn.addEventListener("click", function () { setLang(lang === "id" ? "en" : "id"); start(); });

  // Keep the kiosk from ever showing a dead page: report script errors as a problem.
  window.addEventListener("error", function () { problem({ message: t("offline") }, start, start); });

  /* What kiosk-self.js (NIK/BPJS check-in, rating, complaint) builds on. */
  window.SIPOLI_KIOSK = {
    T: T, t: t, el: el, show: show, header: header, keypad: keypad, api: api, newKey: newKey,
    working: working, problem: problem, start: start, ticket: ticket, qrImage: qrImage,
    fmtDate: fmtDate, fmtTime: fmtTime, printArea: printArea, CODE_KEYS: CODE_KEYS,
    normaliseCode: normaliseCode,
    lang: function () { return lang; },
    netPrinter: function () { return netPrinter; },
    now: function () { return new Date(Date.now() + skew).toISOString(); },
    addChoice: function (f) { moreChoices.push(f); },
    addLink: function (f) { moreLinks.push(f); }
  };
  setLang(lang);
  setInterval(tickClock, 10000);
  // The shell may come from the service worker's cache while the server is down.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk-sw.js", { scope: "/kiosk" }).catch(function () { /* no offline shell */ });
  }
  api("GET", "/api/v1/kiosk/sessions" + (clinicsParam ? "?clinics=" + encodeURIComponent(clinicsParam) : ""))
    .then(function (data) { syncClock(data.now); }, function (err) { if (err.offline) outage(); });
  // After the deferred scripts that add choices (kiosk-self.js) have run.
  document.addEventListener("DOMContentLoaded", function () { start(); touched(); });
})();
