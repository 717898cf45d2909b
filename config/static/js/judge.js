/* The judge's tablet: running order, scoring of one entry, and an outbox that never loses a
 * sheet. Every submission is stored in IndexedDB with its own Idempotency-Key before it is
 * sent; it leaves the outbox only when the server has answered for it. A lost network, a
 * lost response or a reload all end the same way: the same request, with the same key, is
 * sent again until it lands exactly once. iPad Safari has no Background Sync, so the outbox
 * is retried on `online`, on focus, when the page becomes visible and on a timer, with
 * exponential backoff. */
(function () {
  "use strict";

  const root = document.getElementById("judge-app");
  if (!root) return;
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const config = read("judge-config");
  const text = read("judge-text");
  let consoleData = read("judge-data");

  // A page kept offline belongs to the judge who opened it: if somebody else has logged in on
  // this tablet since, it neither scores nor sends anything.
  const signedIn = (document.cookie.match(/(?:^|;\s*)hoithi_user=([^;]*)/) || [])[1] || "";
  if (signedIn !== String(config.user)) {
    const notice = document.createElement("p");
    notice.className = "notice";
    notice.dataset.testid = "other-judge";
    notice.textContent = text.other_judge;
    root.replaceChildren(notice);
    return;
  }

  const POLL_MS = 3000;
  const TICK_MS = 2000;
  const MAX_BACKOFF_MS = 30000;

  const state = {
    selected: null, // entry id shown in the scoring panel
    outbox: [], // records waiting or refused
    online: navigator.onLine,
    consoleEtag: null,
  };

  // --- words and numbers ---------------------------------------------------------------------

  const { format, el, csrfToken, newKey } = window.HoiThi;
  const shown = (value) => window.HoiThi.decimal(value, config.decimal_comma);

  // Marks and weights are exact decimals with at most 2 and 3 places: work in integers.
  function hundredths(value) {
    return Math.round(parseFloat(value) * 100);
  }
  function thousandths(value) {
    return Math.round(parseFloat(value) * 1000);
  }
  function fromHundredths(whole) {
    const sign = whole < 0 ? "-" : "";
    const abs = Math.abs(whole);
    const cents = String(abs % 100).padStart(2, "0").replace(/0+$/, "");
    return sign + Math.floor(abs / 100) + (cents ? "." + cents : "");
  }

  // --- the outbox in IndexedDB ---------------------------------------------------------------

  // One database per judge: on a shared tablet nobody else's sheets are sent with this login.
  const DB_NAME = "hoithi-judge-" + config.user;
  let dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = () => {
          const store = request.result.createObjectStore("outbox", { keyPath: "key" });
          store.createIndex("created", "created");
          request.result.createObjectStore("marks", { keyPath: "id" });
        };
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    }
    return dbPromise;
  }
  async function store(name, mode, work) {
    const database = await db();
    return new Promise((resolve, reject) => {
      const transaction = database.transaction(name, mode);
      const result = work(transaction.objectStore(name));
      transaction.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  }
  const outboxAll = () => store("outbox", "readonly", (s) => s.getAll());
  const outboxPut = (record) => store("outbox", "readwrite", (s) => s.put(record));
  const outboxDelete = (key) => store("outbox", "readwrite", (s) => s.delete(key));
  // Marks being typed survive a reload or a flat battery too.
  const marksId = (entry, round = consoleData.session.round) => round + ":" + entry;
  const marksGet = (entry) => store("marks", "readonly", (s) => s.get(marksId(entry)));
  const marksPut = (entry, marks) =>
    store("marks", "readwrite", (s) => s.put({ id: marksId(entry), marks: marks }));

  async function enqueue(kind, url, body) {
    body = { ...body, judge: config.user };
    const record = {
      key: newKey(),
      kind: kind,
      url: url,
      body: JSON.stringify(body),
      entry: body.entry,
      round: body.round,
      created: Date.now(),
      attempts: 0,
      nextAt: 0,
      state: "waiting",
      error: "",
    };
    await outboxPut(record); // on the tablet before anything is sent
    await refreshOutbox();
    flush();
  }

  async function refreshOutbox() {
    const records = await outboxAll();
    state.outbox = records
      .filter((r) => r.round === consoleData.session.round)
      .sort((a, b) => a.created - b.created);
    render();
  }

  let flushing = false;
  async function flush(now) {
    if (flushing) return;
    flushing = true;
    try {
      const records = (await outboxAll()).sort((a, b) => a.created - b.created);
      for (const record of records) {
        if (record.state !== "waiting") continue;
        if (!now && record.nextAt > Date.now()) continue;
        const outcome = await send(record);
        if (outcome === "network") break; // the rest would fail the same way
      }
    } finally {
      flushing = false;
      await refreshOutbox();
    }
  }

  async function send(record) {
    let response;
    try {
      response = await fetch(record.url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "Idempotency-Key": record.key,
          "X-CSRFToken": csrfToken(),
        },
        body: record.body,
      });
    } catch (_error) {
      setOnline(false);
      await backOff(record);
      return "network";
    }
    setOnline(true);
    const answer = await response.json().catch(() => null);
    // Only the API's own answer for this very sheet settles it (a captive portal or a login
    // page may answer 200 too).
    if (response.ok && !response.redirected && answer && answer.entry === record.entry) {
      if (answer.round === consoleData.session.round) {
        consoleData.sheets[String(answer.entry)] = answer;
        state.consoleEtag = null; // the next poll brings the server's copy in full
      }
      await outboxDelete(record.key);
      await store("marks", "readwrite", (s) => s.delete(marksId(record.entry, record.round)));
      return "sent";
    }
    // 409: the same key is still being processed; 429 and 5xx: try again later; a lapsed
    // login waits for the judge to log in again.
    const problem = answer || {};
    if (
      response.status === 409 ||
      response.status === 429 ||
      response.status >= 500 ||
      problem.code === "login_required" ||
      response.ok
    ) {
      await backOff(record, response.headers.get("Retry-After"));
      return "later";
    }
    // Any other answer is final for this request: the judge (and the head judge) must see it.
    record.state = "refused";
    record.error = describe(problem) || String(response.status);
    await outboxPut(record);
    return "refused";
  }

  function describe(problem) {
    if (!problem || typeof problem !== "object") return "";
    const parts = [];
    if (problem.detail) parts.push(problem.detail);
    for (const [field, messages] of Object.entries(problem)) {
      if (field === "detail") continue;
      if (Array.isArray(messages)) parts.push(messages.join(" "));
      else if (messages && typeof messages === "object") parts.push(describe(messages));
    }
    return parts.join(" ");
  }

  async function backOff(record, retryAfter) {
    record.attempts += 1;
    const seconds = parseInt(retryAfter || "", 10);
    const base = seconds > 0 ? seconds * 1000 : Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (record.attempts - 1));
    record.nextAt = Date.now() + base * (0.5 + Math.random() / 2);
    await outboxPut(record);
  }

  function setOnline(online) {
    if (state.online !== online) {
      state.online = online;
      renderStatus();
    }
  }

  function retryNow() {
    setOnline(navigator.onLine);
    flush(true);
    poll();
  }
  window.addEventListener("online", retryNow);
  window.addEventListener("offline", () => setOnline(false));
  window.addEventListener("focus", retryNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") retryNow();
  });
  setInterval(() => flush(false), TICK_MS);

  // --- live running order --------------------------------------------------------------------

  async function poll() {
    if (document.visibilityState === "hidden") return;
    let response;
    try {
      const headers = { Accept: "application/json" };
      if (state.consoleEtag) headers["If-None-Match"] = state.consoleEtag;
      response = await fetch(config.console_url, { credentials: "same-origin", headers: headers });
    } catch (_error) {
      setOnline(false);
      return;
    }
    if (response.status === 304) return setOnline(true);
    if (!response.ok) return;
    // A copy from the service worker's cache says nothing about the network.
    if (!response.headers.get("X-From-Cache")) setOnline(true);
    state.consoleEtag = response.headers.get("ETag");
    const fresh = await response.json().catch(() => null);
    if (!fresh || !fresh.session) return;
    const stageMoved = fresh.current_position !== consoleData.current_position;
    consoleData = fresh;
    if (stageMoved && !isEditing()) state.selected = null; // follow the stage
    render();
  }
  setInterval(poll, POLL_MS);

  // --- rendering -----------------------------------------------------------------------------

  const criteria = () => consoleData.parts.flatMap((part) => part.criteria);
  const slotOf = (entry) => consoleData.slots.find((slot) => slot.entry === entry);
  const pendingFor = (entry) => state.outbox.find((r) => r.entry === entry);

  function sheetState(entry) {
    const pending = pendingFor(entry);
    if (pending) return pending.state === "refused" ? "refused" : "queued";
    const sheet = consoleData.sheets[String(entry)];
    if (!sheet) return "not_scored";
    if (sheet.participation && sheet.participation !== "scored") return sheet.participation;
    return sheet.status;
  }
  const readOnly = (entry) => !["not_scored", "draft", "refused"].includes(sheetState(entry));

  function currentEntry() {
    if (state.selected && slotOf(state.selected)) return state.selected;
    const onStage = consoleData.slots.find((s) => s.position === consoleData.current_position);
    if (onStage) return onStage.entry;
    const next = consoleData.slots.find((s) => !readOnly(s.entry));
    return next ? next.entry : consoleData.slots.length ? consoleData.slots[0].entry : null;
  }

  // The marks on screen, per entry, as decimal strings ("" = not marked).
  const editing = {};
  function isEditing() {
    const entry = currentEntry();
    return !!(entry && editing[entry] && Object.values(editing[entry]).some((v) => v !== ""));
  }

  function render() {
    renderStatus();
    const entry = currentEntry();
    const list = el(
      "ol",
      { class: "running-order", "data-testid": "running-order" },
      consoleData.slots.map((slot) => {
        const status = sheetState(slot.entry);
        const onStage = slot.position === consoleData.current_position;
        return el(
          "li",
          {
            class: "slot" + (onStage ? " current" : "") + (slot.entry === entry ? " selected" : ""),
            "data-testid": "slot-" + slot.entry,
            "data-state": status,
          },
          el(
            "button",
            {
              type: "button",
              class: "slot-button",
              onclick: () => {
                state.selected = slot.entry;
                render();
              },
            },
            el("span", { class: "position" }, slot.position || "–"),
            el(
              "span",
              { class: "slot-title" },
              slot.title,
              el("span", { class: "muted" }, slot.unit),
              onStage ? el("span", { class: "badge now", "data-testid": "on-stage" }, text.now) : null
            ),
            el("span", { class: "badge " + status }, text[status] || status)
          )
        );
      })
    );
    const panel = entry ? renderSheet(entry) : el("p", { class: "muted" }, text.choose_entry);
    const layout = el("div", { class: "judge-layout" }, list, panel);
    const status = root.querySelector(".outbox-status");
    // Reminders from the head judge, until the sheet is in (or on its way).
    const nudges = (consoleData.nudges || [])
      .filter((nudge) => slotOf(nudge.entry) && ["not_scored", "draft", "refused"].includes(sheetState(nudge.entry)))
      .map((nudge) =>
        el(
          "p",
          { class: "notice nudge", "data-testid": "nudge-" + nudge.entry, role: "alert" },
          format(text.nudge, { title: slotOf(nudge.entry).title })
        )
      );
    root.replaceChildren(status, ...nudges, layout);
  }

  function renderStatus() {
    const status = root.querySelector(".outbox-status");
    if (!status) return;
    const waiting = state.outbox.filter((r) => r.state === "waiting").length;
    const refused = state.outbox.filter((r) => r.state === "refused");
    let message;
    let kind;
    if (waiting) {
      message = waiting === 1 ? text.waiting_one : format(text.waiting_other, { count: waiting });
      kind = "waiting";
    } else {
      message = text.all_sent;
      kind = "sent";
    }
    if (!state.online) message += " · " + text.offline;
    status.hidden = false;
    status.dataset.state = refused.length ? "refused" : kind;
    status.dataset.waiting = String(waiting);
    status.replaceChildren(
      el("span", { class: "message" }, message),
      ...refused.map((record) =>
        el(
          "span",
          { class: "refused-note" },
          format(text.refused_note, { message: record.error }) + " ",
          el(
            "button",
            {
              type: "button",
              class: "secondary",
              onclick: async () => {
                await outboxDelete(record.key);
                await refreshOutbox();
              },
            },
            text.discard
          )
        )
      )
    );
  }

  function renderSheet(entry) {
    const slot = slotOf(entry);
    const locked = readOnly(entry);
    const sheet = consoleData.sheets[String(entry)];
    const pending = pendingFor(entry);
    if (!editing[entry]) {
      const known = pending ? JSON.parse(pending.body).marks || {} : (sheet && sheet.marks) || {};
      editing[entry] = Object.fromEntries(criteria().map((c) => [c.code, known[c.code] || ""]));
      if (!locked) {
        marksGet(entry).then((saved) => {
          if (saved && !readOnly(entry)) {
            Object.assign(editing[entry], saved.marks);
            render();
          }
        });
      }
    }
    const marks = editing[entry];
    const open = consoleData.session.round_open;
    const total = liveTotal(marks);
    const missing = criteria().filter((c) => c.required && marks[c.code] === "");
    const parts = consoleData.parts.map((part) =>
      el(
        "section",
        { class: "part" },
        part.name ? el("h2", {}, part.name) : null,
        part.criteria.map((criterion) => renderCriterion(entry, criterion, marks, locked || !open))
      )
    );
    const submit = el(
      "button",
      {
        type: "button",
        "data-testid": "submit-sheet",
        disabled: locked || !open || missing.length > 0,
        onclick: () => confirmSubmit(entry, slot, total),
      },
      text.submit
    );
    return el(
      "div",
      { class: "sheet card", "data-testid": "sheet-" + entry, "data-entry": entry },
      el("h2", { class: "sheet-title" }, (slot.position ? slot.position + ". " : "") + slot.title),
      el("p", { class: "muted" }, [slot.unit].concat(slot.presenters).join(" · ")),
      !open ? el("p", { class: "notice" }, text.round_closed) : null,
      locked ? el("p", { class: "notice", "data-testid": "read-only" }, text.read_only) : null,
      parts,
      el(
        "div",
        { class: "score-total" },
        el("span", { class: "total" }, text.total + ": ", el("strong", { "data-testid": "live-total" }, total)),
        missing.length && !locked
          ? el(
              "span",
              { class: "muted missing", "data-testid": "missing", title: missing.map((c) => c.name).join(", ") },
              format(text.missing, { count: missing.length })
            )
          : null,
        locked || !open
          ? null
          : el(
              "span",
              {},
              el("button", { type: "button", class: "secondary", onclick: () => declare(entry) }, text.not_scoring),
              " ",
              submit
            )
      )
    );
  }

  function renderCriterion(entry, criterion, marks, disabled) {
    const value = marks[criterion.code];
    const max = hundredths(criterion.max);
    const step = hundredths(criterion.step);
    const set = (whole) => {
      marks[criterion.code] = whole === null ? "" : fromHundredths(Math.min(max, Math.max(0, whole)));
      marksPut(entry, marks);
      render();
    };
    const current = value === "" ? null : hundredths(value);
    // Whole points as large buttons when they fit; the stepper adds the rubric's step.
    const chips =
      max <= 1000
        ? el(
            "div",
            { class: "chips" },
            Array.from({ length: Math.floor(max / 100) + 1 }, (_v, i) =>
              el(
                "button",
                {
                  type: "button",
                  class: "chip" + (current !== null && Math.floor(current / 100) === i ? " on" : ""),
                  disabled: disabled,
                  "data-value": i,
                  onclick: () => set(i * 100),
                },
                i
              )
            )
          )
        : el("input", {
            type: "range",
            min: 0,
            max: criterion.max,
            step: criterion.step,
            value: value === "" ? 0 : value,
            disabled: disabled,
            oninput: (event) => set(hundredths(event.target.value)),
          });
    return el(
      "div",
      { class: "criterion" + (criterion.required && value === "" && !disabled ? " unmarked" : ""), "data-code": criterion.code },
      el(
        "div",
        { class: "criterion-head" },
        el("strong", {}, criterion.name),
        criterion.required ? null : el("span", { class: "muted" }, " (" + text.optional + ")"),
        el("span", { class: "muted" }, " · " + format(text.range, { max: shown(criterion.max), step: shown(criterion.step) })),
        criterion.counts ? null : el("span", { class: "badge" }, text.not_counted)
      ),
      criterion.description ? el("div", { class: "muted" }, criterion.description) : null,
      criterion.descriptors && criterion.descriptors.length
        ? el(
            "ul",
            { class: "descriptors muted" },
            criterion.descriptors.map((level) =>
              el("li", {}, el("strong", {}, shown(level.from) + "–" + shown(level.to)), ": " + level.text)
            )
          )
        : null,
      el(
        "div",
        { class: "stepper" },
        chips,
        el(
          "span",
          { class: "fine" },
          el("button", { type: "button", class: "step", disabled: disabled || current === null || current <= 0, "aria-label": "−" + criterion.step, onclick: () => set(current - step) }, "−"),
          el("output", { class: "value", "data-testid": "value-" + criterion.code }, value === "" ? "–" : shown(value)),
          el("button", { type: "button", class: "step", disabled: disabled || (current !== null && current >= max), "aria-label": "+" + criterion.step, onclick: () => set(current === null ? step : current + step) }, "+")
        )
      )
    );
  }

  function liveTotal(marks) {
    let sum = 0;
    let weights = 0;
    for (const criterion of criteria()) {
      const value = marks[criterion.code];
      const weight = thousandths(criterion.weight);
      if (value === "" || !weight) continue;
      sum += hundredths(value) * weight;
      weights += weight;
    }
    if (!weights) return "–";
    const whole = Math.floor((2 * sum + weights) / (2 * weights)); // half-up, in hundredths
    return shown((whole / 100).toFixed(2));
  }

  function confirmSubmit(entry, slot, total) {
    const dialog = document.getElementById("confirm-dialog");
    document.getElementById("confirm-summary").textContent = slot.title + " · " + text.total + ": " + total;
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "submit") return;
      const marks = Object.fromEntries(Object.entries(editing[entry]).filter(([, v]) => v !== ""));
      const refused = pendingFor(entry);
      if (refused) await outboxDelete(refused.key);
      await enqueue("sheet", config.submit_url, {
        round: consoleData.session.round,
        entry: entry,
        marks: marks,
        submit: true,
      });
    };
    dialog.showModal();
  }

  function declare(entry) {
    const dialog = document.getElementById("declare-dialog");
    const reason = dialog.querySelector("textarea");
    dialog.returnValue = "";
    dialog.onclose = async () => {
      if (dialog.returnValue !== "declare") return;
      if (!reason.value.trim()) {
        window.alert(text.reason_needed);
        return;
      }
      const participation = dialog.querySelector("input[name=participation]:checked").value;
      await enqueue("declaration", config.declare_url, {
        round: consoleData.session.round,
        entry: entry,
        participation: participation,
        reason: reason.value.trim(),
      });
      reason.value = "";
    };
    dialog.showModal();
  }

  // --- start ---------------------------------------------------------------------------------

  if ("serviceWorker" in navigator && config.worker_url) {
    // Once the worker controls the page, fetch the page through it once, so that a reload
    // without a network finds it even if this was the first visit.
    const keep = () =>
      fetch(location.href, { credentials: "same-origin" })
        .then((response) => {
          if (response.ok) document.documentElement.dataset.offlineReady = "1";
        })
        .catch(() => {});
    // A page the worker already controlled came through it, and is kept.
    const controlled = !!navigator.serviceWorker.controller;
    if (controlled) document.documentElement.dataset.offlineReady = "1";
    navigator.serviceWorker
      .register(config.worker_url)
      .then(() => navigator.serviceWorker.ready)
      .then(() => {
        if (controlled) return;
        if (navigator.serviceWorker.controller) keep();
        else navigator.serviceWorker.addEventListener("controllerchange", keep, { once: true });
      })
      .catch(() => {});
  }
  root.classList.add("enhanced");
  refreshOutbox().then(() => flush(true));
  poll();
})();
