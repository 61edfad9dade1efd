/* SIPOLI hall kiosk, part two: check-in by NIK or BPJS card number plus birth date (typed
 * on a number pad or the card scanned), "Beri penilaian" (rate a finished visit) and
 * "Pengaduan" (file a complaint). Builds on kiosk.js (window.SIPOLI_KIOSK).
 *
 * Screens: start → identity (NIK / BPJS digits, or a scan) → birth date (day, month,
 *          year) → ticket(s), printed like a code check-in
 *          start → rating: booking code (typed or the ticket's QR scanned) → faces + topics
 *          → thanks
 *          start → complaint: category → text (short choices + keyboard) → booking code
 *          (optional) → complaint code, printed
 * The screen never shows a NIK or card number in full (only its last four digits), nor a
 * name or record number.
 */
(function () {
  "use strict";
  var K = window.SIPOLI_KIOSK;
  if (!K) return;
  var el = K.el, t = K.t;

  var WORDS = {
    id: {
      idCheckIn: "Check-in dengan NIK / kartu BPJS",
      idCheckInHint: "Lupa kode booking? Pakai NIK atau kartu BPJS dan tanggal lahir.",
      idTitle: "Ketik NIK (16 angka) atau nomor kartu BPJS (13 angka)",
      idHint: "Atau pindai kartu BPJS Anda. Angka disembunyikan demi privasi.",
      digits: "angka",
      birthTitle: "Tanggal lahir pasien",
      birthHint: "Isi tanggal, bulan, lalu tahun.",
      day: "Tanggal",
      month: "Bulan",
      year: "Tahun",
      months: ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"],
      badDate: "Tanggal lahir tidak valid.",
      rate: "Beri penilaian",
      rateCodeTitle: "Kode booking kunjungan Anda",
      rateCodeHint: "Tertera di tiket dan pesan Anda. Atau pindai kode QR di tiket.",
      rateTitle: "Bagaimana pelayanan kami?",
      rateTopics: "Tentang apa? (boleh lebih dari satu, tidak wajib)",
      faces: ["Sangat buruk", "Buruk", "Biasa", "Baik", "Sangat baik"],
      topics: { waktu_tunggu: "Waktu tunggu", keramahan: "Keramahan", informasi: "Informasi", kebersihan: "Kebersihan", obat: "Obat" },
      send: "Kirim",
      thanks: "Terima kasih atas penilaian Anda!",
      thanksHint: "Penilaian Anda membantu kami memperbaiki pelayanan.",
      complain: "Pengaduan",
      complainTitle: "Apa yang ingin Anda adukan?",
      categories: { pelayanan: "Pelayanan", waktu_tunggu: "Waktu tunggu", fasilitas: "Fasilitas", tenaga_kesehatan: "Tenaga kesehatan", obat: "Obat", biaya_administrasi: "Biaya / administrasi", lainnya: "Lainnya" },
      textTitle: "Ceritakan singkat",
      textHint: "Pilih kalimat di bawah dan/atau ketik sendiri (paling sedikit 10 huruf).",
      phrases: {
        pelayanan: ["Pelayanan lambat", "Saya tidak dilayani dengan baik", "Informasi membingungkan"],
        waktu_tunggu: ["Antrean terlalu lama", "Dokter datang terlambat", "Nomor saya dilewati"],
        fasilitas: ["Toilet kotor", "Kursi tunggu kurang", "Ruangan panas"],
        tenaga_kesehatan: ["Petugas tidak ramah", "Penjelasan dokter kurang", "Petugas sulit ditemui"],
        obat: ["Obat tidak tersedia", "Antrean obat lama", "Penjelasan obat kurang"],
        biaya_administrasi: ["Biaya tidak jelas", "Berkas dipersulit", "Diminta bayar padahal BPJS"],
        lainnya: ["Saran untuk rumah sakit", "Keluhan lain"]
      },
      space: "Spasi",
      codeOptTitle: "Kode booking (tidak wajib)",
      codeOptHint: "Bila pengaduan tentang kunjungan tertentu. Boleh dilewati.",
      complaintDone: "Pengaduan Anda diterima",
      complaintCode: "Kode pengaduan",
      complaintDue: "Ditanggapi paling lambat",
      complaintFollow: "Simpan kode ini. Pantau tanggapan di situs RSUD Mimika, menu Pengaduan, atau pindai kode QR.",
      complaintPrinted: "Kode pengaduan sedang dicetak. Ambil kertasnya di bawah."
    },
    en: {
      idCheckIn: "Check in with NIK / BPJS card",
      idCheckInHint: "Lost your booking code? Use your NIK or BPJS card and birth date.",
      idTitle: "Type the NIK (16 digits) or BPJS card number (13 digits)",
      idHint: "Or scan your BPJS card. Digits are hidden for privacy.",
      digits: "digits",
      birthTitle: "Patient's date of birth",
      birthHint: "Fill in the day, the month, then the year.",
      day: "Day",
      month: "Month",
      year: "Year",
      months: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
      badDate: "Not a valid date of birth.",
      rate: "Rate your visit",
      rateCodeTitle: "Your visit's booking code",
      rateCodeHint: "Printed on your ticket and in your messages. Or scan the QR code on the ticket.",
      rateTitle: "How was our service?",
      rateTopics: "About what? (any, optional)",
      faces: ["Very bad", "Bad", "Fair", "Good", "Very good"],
      topics: { waktu_tunggu: "Waiting time", keramahan: "Friendliness", informasi: "Information", kebersihan: "Cleanliness", obat: "Medicine" },
      send: "Send",
      thanks: "Thank you for your rating!",
      thanksHint: "Your rating helps us improve our service.",
      complain: "Complaint",
      complainTitle: "What is your complaint about?",
      categories: { pelayanan: "Service", waktu_tunggu: "Waiting time", fasilitas: "Facilities", tenaga_kesehatan: "Health workers", obat: "Medicine", biaya_administrasi: "Fees / administration", lainnya: "Other" },
      textTitle: "Tell us briefly",
      textHint: "Tap a sentence below and/or type your own (at least 10 letters).",
      phrases: {
        pelayanan: ["Service was slow", "I was not served well", "Confusing information"],
        waktu_tunggu: ["The queue took too long", "The doctor came late", "My number was skipped"],
        fasilitas: ["Dirty toilets", "Not enough seats", "The room is too hot"],
        tenaga_kesehatan: ["Staff were unfriendly", "The doctor explained too little", "Staff hard to find"],
        obat: ["Medicine not available", "Long wait for medicine", "Medicine not explained"],
        biaya_administrasi: ["Unclear fees", "Paperwork made difficult", "Asked to pay although on BPJS"],
        lainnya: ["A suggestion for the hospital", "Another complaint"]
      },
      space: "Space",
      codeOptTitle: "Booking code (optional)",
      codeOptHint: "If the complaint is about one visit. You may skip this.",
      complaintDone: "Your complaint is received",
      complaintCode: "Complaint code",
      complaintDue: "Answered by",
      complaintFollow: "Keep this code. Follow the answer on RSUD Mimika's website, menu Complaints, or scan the QR code.",
      complaintPrinted: "Your complaint code is printing. Take the paper from below."
    }
  };
  Object.keys(WORDS).forEach(function (l) {
    Object.keys(WORDS[l]).forEach(function (k) { K.T[l][k] = WORDS[l][k]; });
  });
  function w(k) { var l = K.lang(); return l in WORDS && k in WORDS[l] ? WORDS[l][k] : WORDS.id[k]; }

  var flow = null;

  /** A hidden field the card or QR scanner types into (digits or a URL, then Enter). */
  function scanner(label, onScan) {
    var scan = el("input", { class: "scan", id: "scan", "aria-label": label, autocomplete: "off", "data-autofocus": "1" });
    scan.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); var v = scan.value; scan.value = ""; onScan(v); }
    });
    return scan;
  }
  function refocus() { var s = document.getElementById("scan"); if (s) s.focus(); }

  /* ---------- check-in by NIK / BPJS number and birth date ---------- */
  function identityStart() {
    flow = { digits: "", day: "", month: "", year: "" };
    identityScreen();
  }

  /** Only the last four digits show: "•••• •••• •••• 1234". */
  function masked(d) {
    if (!d) return "";
    var shown = d.slice(-4), hidden = d.length - shown.length;
    var s = new Array(hidden + 1).join("•") + shown;
    return s.replace(/(.{4})(?=.)/g, "$1 ");
  }

  function identityScreen() {
    var out = el("output", { class: "entry id-entry", id: "id-entry" });
    var count = el("p", { class: "hint center", id: "id-count" });
    var go = el("button", { type: "button", class: "btn primary", id: "id-next", onclick: function () { if (ok()) birthScreen(); }, text: t("next") });
    function ok() { return flow.digits.length === 16 || flow.digits.length === 13; }
    function render() {
      out.textContent = masked(flow.digits) || "—";
      out.classList.toggle("empty", !flow.digits);
      count.textContent = flow.digits.length + " " + w("digits");
      go.disabled = !ok();
    }
    var scan = scanner(w("idTitle"), function (v) {
      flow.digits = v.replace(/\D/g, "").slice(0, 16);
      render();
      if (ok()) birthScreen();
    });
    K.show([
      K.header(w("idTitle"), K.start),
      el("p", { class: "hint", text: w("idHint") }),
      out, count, scan,
      K.keypad(["1", "2", "3", "4", "5", "6", "7", "8", "9", "CLR", "0", "DEL"], function (k) {
        if (k === "DEL") flow.digits = flow.digits.slice(0, -1);
        else if (k === "CLR") flow.digits = "";
        else if (flow.digits.length < 16) flow.digits += k;
        render();
        refocus();
      }),
      el("div", { class: "row end" }, [go])
    ]);
    render();
  }

  /** The birth date as three boxes filled from one number pad: day, month, year. */
  function birthScreen() {
    var field = flow.day.length < 2 ? "day" : flow.month.length < 2 ? "month" : "year";
    var boxes = {}, monthName = el("span", { class: "date-month-name", id: "month-name" });
    var err = el("p", { class: "hint bad center", id: "birth-error", role: "alert" });
    var go = el("button", { type: "button", class: "btn primary", id: "birth-submit", onclick: submit, text: t("checkInBtn") });
    function box(name, len) {
      var b = el("button", { type: "button", class: "date-box", id: "birth-" + name, "data-field": name, onclick: function () { field = name; render(); } }, [
        el("span", { class: "date-label", text: w(name) }),
        el("span", { class: "date-value" })
      ]);
      b.len = len;
      boxes[name] = b;
      return b;
    }
    function iso() {
      if (flow.day.length < 1 || flow.month.length < 1 || flow.year.length !== 4) return null;
      var y = +flow.year, m = +flow.month, d = +flow.day;
      var dt = new Date(Date.UTC(y, m - 1, d));
      if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d || y < 1900) return null;
      return y + "-" + ("0" + m).slice(-2) + "-" + ("0" + d).slice(-2);
    }
    function render() {
      ["day", "month", "year"].forEach(function (n) {
        var v = flow[n], b = boxes[n];
        b.querySelector(".date-value").textContent = v || (n === "year" ? "____" : "__");
        b.classList.toggle("active", n === field);
      });
      var m = +flow.month;
      monthName.textContent = m >= 1 && m <= 12 ? w("months")[m - 1] : "";
      go.disabled = !iso();
      err.textContent = flow.year.length === 4 && !iso() ? w("badDate") : "";
    }
    function press(k) {
      var len = boxes[field].len;
      if (k === "DEL") {
        if (!flow[field] && field !== "day") field = field === "year" ? "month" : "day";
        flow[field] = flow[field].slice(0, -1);
      } else if (k === "CLR") {
        flow.day = flow.month = flow.year = ""; field = "day";
      } else {
        if (flow[field].length >= len) return render();
        flow[field] += k;
        if (flow[field].length >= len && field !== "year") field = field === "day" ? "month" : "year";
      }
      render();
    }
    function submit() {
      var birth = iso();
      if (!birth || flow.busy) return;
      flow.busy = true;
      K.working();
      var payload = { birth_date: birth };
      if (flow.digits.length === 16) payload.nik = flow.digits; else payload.bpjs_no = flow.digits;
      K.api("POST", "/api/v1/kiosk/check-in", payload).then(function (list) {
        flow = null;
        K.ticket(list[0], true, list.slice(1));
      }, function (e) {
        flow.busy = false;
        if (e.refusal) {
          flow = null;
          K.problem(e, identityStart, K.start);
        } else {
          K.problem(e, submit, K.start);
        }
      });
    }
    K.show([
      K.header(w("birthTitle"), identityScreen),
      el("p", { class: "hint", text: w("birthHint") }),
      el("div", { class: "date-boxes" }, [box("day", 2), el("div", { class: "date-month" }, [box("month", 2), monthName]), box("year", 4)]),
      err,
      K.keypad(["1", "2", "3", "4", "5", "6", "7", "8", "9", "CLR", "0", "DEL"], press),
      el("div", { class: "row end" }, [go])
    ]);
    render();
  }

  /* ---------- a booking code, typed or scanned (the ticket's QR is the status link) ---------- */
  function codeFromScan(v) {
    var m = /\/(?:antrean|nilai)\/([0-9A-Za-z]{8})(?:[/?#]|$)/.exec(v || "");
    return K.normaliseCode(m ? m[1] : v);
  }

  function codeScreen(title, hint, back, onCode, optional) {
    var out = el("output", { class: "entry code", id: "code-entry" });
    var go = el("button", { type: "button", class: "btn primary", id: "code-submit", onclick: function () { if (flow.code.length === 8) onCode(flow.code); }, text: t("next") });
    function render() {
      out.textContent = (flow.code + "________").slice(0, 8).split("").join(" ");
      go.disabled = flow.code.length !== 8;
    }
    var scan = scanner(title, function (v) {
      flow.code = codeFromScan(v);
      render();
      if (flow.code.length === 8) onCode(flow.code);
    });
    K.show([
      K.header(title, back),
      el("p", { class: "hint", text: hint }),
      out, scan,
      K.keypad(K.CODE_KEYS, function (k) {
        if (k === "DEL") flow.code = flow.code.slice(0, -1);
        else if (k === "CLR") flow.code = "";
        else if (flow.code.length < 8) flow.code += k;
        render();
        refocus();
      }, "code"),
      el("div", { class: "row end" }, [
        optional ? el("button", { type: "button", class: "btn", id: "code-skip", onclick: function () { flow.code = ""; onCode(""); }, text: t("skip") }) : null,
        go
      ])
    ]);
    render();
  }

  /* ---------- Beri penilaian ---------- */
  function rateStart() {
    flow = { key: K.newKey(), code: "", rating: 0, topics: [] };
    codeScreen(w("rateCodeTitle"), w("rateCodeHint"), K.start, function () { rateScreen(); });
  }

  /** A face drawn in SVG (no emoji font needed): the mouth bends from sad (1) to happy (5). */
  var FACE_COLOURS = ["#d62828", "#f77f00", "#fcbf49", "#90be6d", "#2a9d8f"];
  function faceIcon(i) {
    var ns = "http://www.w3.org/2000/svg";
    function part(tag, attrs) {
      var e = document.createElementNS(ns, tag);
      Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
      return e;
    }
    var svg = part("svg", { viewBox: "0 0 100 100", width: "96", height: "96", class: "face-icon", "aria-hidden": "true" });
    var bend = [-16, -8, 0, 10, 20][i];
    svg.appendChild(part("circle", { cx: "50", cy: "50", r: "46", fill: FACE_COLOURS[i], stroke: "#0b1b2b", "stroke-width": "4" }));
    svg.appendChild(part("circle", { cx: "35", cy: "40", r: "6", fill: "#0b1b2b" }));
    svg.appendChild(part("circle", { cx: "65", cy: "40", r: "6", fill: "#0b1b2b" }));
    svg.appendChild(part("path", { d: "M28 " + (70 - bend / 2) + " Q50 " + (70 + bend) + " 72 " + (70 - bend / 2), fill: "none", stroke: "#0b1b2b", "stroke-width": "6", "stroke-linecap": "round" }));
    return svg;
  }
  function rateScreen() {
    var send = el("button", { type: "button", class: "btn primary", id: "rate-send", onclick: sendRating, text: w("send") });
    var faces = [0, 1, 2, 3, 4].map(function (i) {
      return el("button", { type: "button", class: "face", id: "rate-" + (i + 1), "data-rating": String(i + 1), "aria-pressed": "false",
        onclick: function () { flow.rating = i + 1; render(); } }, [
        faceIcon(i),
        el("span", { class: "face-label", text: w("faces")[i] })
      ]);
    });
    var topics = Object.keys(w("topics")).map(function (k) {
      return el("button", { type: "button", class: "option priority topic", id: "topic-" + k, "aria-pressed": "false",
        onclick: function () {
          var at = flow.topics.indexOf(k);
          if (at < 0) flow.topics.push(k); else flow.topics.splice(at, 1);
          render();
        } }, [el("span", { class: "option-title", text: w("topics")[k] })]);
    });
    function render() {
      faces.forEach(function (b, i) { b.setAttribute("aria-pressed", flow.rating === i + 1 ? "true" : "false"); });
      topics.forEach(function (b) { b.setAttribute("aria-pressed", flow.topics.indexOf(b.id.slice(6)) >= 0 ? "true" : "false"); });
      send.disabled = !flow.rating;
    }
    K.show([
      K.header(w("rateTitle"), rateStart),
      el("div", { class: "faces" }, faces),
      el("section", { class: "priorities" }, [
        el("h2", { text: w("rateTopics") }),
        el("div", { class: "options two" }, topics)
      ]),
      el("div", { class: "row end" }, [send])
    ]);
    render();
  }

  function sendRating() {
    if (flow.busy || !flow.rating) return;
    flow.busy = true;
    K.working();
    var payload = { booking_code: flow.code, rating: flow.rating, categories: flow.topics };
    K.api("POST", "/api/v1/feedback", payload, flow.key).then(function () {
      flow = null;
      K.show([
        el("div", { class: "done-box", id: "thanks", role: "status" }, [
          el("p", { class: "done-title", text: w("thanks") }),
          el("p", { class: "hint", text: w("thanksHint") })
        ]),
        el("div", { class: "row" }, [el("button", { type: "button", class: "btn primary", id: "done", onclick: K.start, text: t("home") })])
      ]);
    }, function (e) {
      flow.busy = false;
      if (e.refusal) K.problem(e, rateStart, K.start);
      else K.problem(e, sendRating, K.start);
    });
  }

  /* ---------- Pengaduan ---------- */
  function complainStart() {
    flow = { key: K.newKey(), code: "", category: "", text: "" };
    categoryScreen();
  }

  function categoryScreen() {
    var cats = w("categories");
    K.show([
      K.header(w("complainTitle"), K.start),
      el("div", { class: "options two" }, Object.keys(cats).map(function (k) {
        return el("button", { type: "button", class: "option", id: "category-" + k, "data-category": k,
          onclick: function () { flow.category = k; textScreen(); } }, [el("span", { class: "option-title", text: cats[k] })]);
      }))
    ]);
  }

  var LETTERS = ["Q", "W", "E", "R", "T", "Y", "U", "I", "O", "P", "A", "S", "D", "F", "G", "H", "J", "K", "L", "Z", "X", "C", "V", "B", "N", "M", ".", ",", "?", "DEL", "SPACE"];

  function textScreen() {
    var out = el("output", { class: "entry text-entry", id: "text-entry" });
    var go = el("button", { type: "button", class: "btn primary", id: "text-next", onclick: function () { if (flow.text.trim().length >= 10) codeStep(); }, text: t("next") });
    function render() {
      out.textContent = flow.text || "…";
      out.classList.toggle("empty", !flow.text);
      go.disabled = flow.text.trim().length < 10;
    }
    function add(s) {
      if ((flow.text + s).length > 600) return;
      flow.text += s;
      render();
    }
    var phrases = (w("phrases")[flow.category] || []).map(function (p, i) {
      return el("button", { type: "button", class: "option phrase", id: "phrase-" + i, onclick: function () {
        add((flow.text && !/[\s.]$/.test(flow.text) ? ". " : flow.text ? " " : "") + p);
      } }, [el("span", { class: "option-title", text: p })]);
    });
    var keys = el("div", { class: "keypad letters" }, LETTERS.map(function (k) {
      var label = k === "DEL" ? "⌫" : k === "SPACE" ? w("space") : k;
      return el("button", { type: "button", class: "key" + (k === "SPACE" ? " space" : ""), "data-key": k, text: label, onclick: function () {
        if (k === "DEL") { flow.text = flow.text.slice(0, -1); render(); }
        else if (k === "SPACE") add(" ");
        else add(flow.text && !/[\s]$/.test(flow.text) ? k.toLowerCase() : k);
      } });
    }));
    K.show([
      K.header(w("textTitle") + " — " + w("categories")[flow.category], categoryScreen),
      el("p", { class: "hint", text: w("textHint") }),
      el("div", { class: "options phrases" }, phrases),
      out, keys,
      el("div", { class: "row end" }, [go])
    ]);
    render();
  }

  function codeStep() {
    flow.code = flow.code || "";
    codeScreen(w("codeOptTitle"), w("codeOptHint"), textScreen, function () { sendComplaint(); }, true);
  }

  function sendComplaint() {
    if (flow.busy) return;
    flow.busy = true;
    K.working();
    var payload = { category: flow.category, text: flow.text.trim(), language: K.lang(), channel: "kiosk" };
    if (flow.code) payload.booking_code = flow.code;
    K.api("POST", "/api/v1/complaints", payload, flow.key).then(function (d) {
      flow = null;
      complaintReceipt(d);
    }, function (e) {
      flow.busy = false;
      if (e.refusal) K.problem(e, codeStep, K.start);
      else K.problem(e, sendComplaint, K.start);
    });
  }

  function complaintReceipt(d) {
    // Due at midnight after the fifth working day: that working day is the date to show.
    var due = K.fmtDate(new Date(Date.parse(d.due_at) - 60000).toISOString());
    var nowIso = K.now();
    function lines() {
      return [
        el("p", { class: "t-hospital", text: "RSUD Mimika · SIPOLI" }),
        el("p", { class: "t-label", text: w("complaintDone") + " — " + w("complaintCode") }),
        el("p", { class: "t-number", id: "complaint-code", "data-ticket-long": "1", text: d.code }),
        el("dl", { class: "t-facts" }, [
          el("dt", { text: w("complaintDue") }), el("dd", { class: "t-due", text: due }),
          el("dt", { text: t("printedAt") }), el("dd", { text: K.fmtDate(nowIso) + " " + K.fmtTime(nowIso) + " " + t("wit") })
        ]),
        el("div", { class: "t-qr" }, [K.qrImage("/pengaduan/" + encodeURIComponent(d.code) + "/qr.svg")]),
        el("p", { class: "t-next", text: w("complaintFollow") })
      ];
    }
    var notice = el("p", { class: "notice", id: "print-notice", role: "status", text: w("complaintPrinted") });
    function browserPrint() { setTimeout(function () { try { window.print(); } catch (e) { /* no printer */ } }, 300); }
    function print() {
      if (!K.netPrinter()) { browserPrint(); return; }
      K.api("POST", "/api/v1/kiosk/complaints/" + encodeURIComponent(d.code) + "/print", { language: K.lang() }).then(function () {
        notice.className = "notice";
        notice.setAttribute("data-settled", "1");
      }, function (err) {
        notice.className = "notice bad";
        notice.textContent = err.message + " " + t("printFallback");
        notice.setAttribute("data-printer-problem", String(err.status || "offline"));
        notice.setAttribute("data-settled", "1");
        browserPrint();
      });
    }
    K.show([
      el("div", { class: "ticket-screen" }, [
        el("div", { class: "ticket", id: "ticket" }, lines()),
        notice,
        el("div", { class: "row" }, [
          el("button", { type: "button", class: "btn", id: "print-again", onclick: print, text: t("printAgain") }),
          el("button", { type: "button", class: "btn primary", id: "done", onclick: K.start, text: t("home") })
        ])
      ])
    ]);
    K.printArea.innerHTML = "";
    K.printArea.appendChild(el("div", { class: "ticket print" }, lines()));
    print();
  }

  /* ---------- on the start screen ---------- */
  K.addChoice(function () {
    return el("button", { type: "button", class: "choice", id: "check-in-identity", onclick: identityStart }, [
      el("span", { class: "choice-icon", "aria-hidden": "true", text: "ID" }),
      el("span", { class: "choice-title", text: w("idCheckIn") }),
      el("span", { class: "choice-hint", text: w("idCheckInHint") })
    ]);
  });
  K.addLink(function () {
    return el("button", { type: "button", class: "btn", id: "rate", onclick: rateStart, text: "★ " + w("rate") });
  });
  K.addLink(function () {
    return el("button", { type: "button", class: "btn", id: "complain", onclick: complainStart, text: "✎ " + w("complain") });
  });
})();
