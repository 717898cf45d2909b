/* The head judge's console: polls the session's progress, moves the stage, reminds judges,
 * reopens a sheet with a reason, and runs the presentation timer whose overtime proposes the
 * rubric's penalty. Every rule is enforced by the server; this page only asks. */
(function () {
  "use strict";

  const root = document.getElementById("head-console");
  if (!root) return;
  const read = (id) => JSON.parse(document.getElementById(id).textContent);
  const config = read("head-config");
  const text = read("head-text");
  const POLL_MS = 2000;
  let progress = null;
  let fetchedAt = 0;
  const nudged = new Set();
  const applied = new Set();

  const { format, el, csrfToken, newKey } = window.HoiThi;
  const shown = (value) => window.HoiThi.decimal(value, config.decimal_comma);

  function say(message) {
    root.querySelector(".console-message").textContent = message || "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        // Writes that must happen once (a penalty) replay their answer when retried.
        "Idempotency-Key": newKey(),
      },
      body: JSON.stringify(body),
    }).catch(() => null);
    if (!response) {
      say(format(text.failed, { message: "network" }));
      return null;
    }
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = data.detail || Object.values(data).flat().join(" ");
      say(format(text.failed, { message: detail || response.status }));
      return null;
    }
    say("");
    await poll();
    return data;
  }

  async function poll() {
    const response = await fetch(config.progress_url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).catch(() => null);
    if (!response || !response.ok) return;
    progress = await response.json();
    fetchedAt = Date.now();
    render();
  }

  function current() {
    return progress.entries.find((row) => row.position === progress.current_position) || null;
  }

  function render() {
    if (!progress) return;
    renderStage();
    renderTimers();
    renderGrid();
  }

  function renderStage() {
    const positions = progress.entries.map((row) => row.position).filter((p) => p);
    const index = positions.indexOf(progress.current_position);
    const row = current();
    const go = (position) => post(config.advance_url, { position: position });
    root.querySelector(".stage").replaceChildren(
      el("h2", {}, text.on_stage),
      el("p", { class: "stage-now", "data-testid": "stage-now" }, row ? row.position + ". " + row.title : "–"),
      el(
        "div",
        { class: "actions" },
        el("button", { type: "button", class: "secondary", disabled: index <= 0, onclick: () => go(positions[index - 1]) }, "◀ " + text.previous),
        el("button", { type: "button", "data-testid": "stage-next", disabled: index >= positions.length - 1, onclick: () => go(index < 0 ? positions[0] : positions[index + 1]) }, text.next + " ▶")
      )
    );
  }

  function clock(seconds) {
    const whole = Math.max(0, Math.floor(seconds));
    return Math.floor(whole / 60) + ":" + String(whole % 60).padStart(2, "0");
  }

  function renderTimers() {
    const row = current();
    const box = root.querySelector(".timers");
    if (!row || !progress.parts.length) {
      box.replaceChildren();
      return;
    }
    box.replaceChildren(
      el("h2", {}, row.position + ". " + row.title),
      ...progress.parts.map((part) => {
        const timer = progress.timers.find((t) => t.entry === row.entry && t.part === part.id) || null;
        let seconds = timer ? parseFloat(timer.elapsed_seconds) : 0;
        if (timer && timer.running) seconds += (Date.now() - fetchedAt) / 1000;
        const run = (action) => post(config.timers_url, { entry: row.entry, part: part.id, action: action });
        const key = row.entry + ":" + part.id;
        const penalty = timer && timer.stopped && parseFloat(timer.proposed_penalty) > 0;
        return el(
          "div",
          { class: "timer" + (timer && parseFloat(timer.minutes_over) > 0 ? " over" : ""), "data-testid": "timer-" + part.id },
          el("strong", {}, part.name),
          part.minutes ? el("span", { class: "muted" }, " · " + format(text.allowed, { minutes: shown(part.minutes) })) : null,
          el("span", { class: "clock", "data-running": timer && timer.running ? "1" : "0" }, clock(seconds)),
          timer && parseFloat(timer.minutes_over) > 0 ? el("span", { class: "badge refused" }, format(text.over, { minutes: shown(timer.minutes_over) })) : null,
          el(
            "span",
            { class: "actions" },
            el("button", { type: "button", "data-testid": "timer-start-" + part.id, disabled: timer && timer.running, onclick: () => run("start") }, text.start),
            el("button", { type: "button", class: "secondary", disabled: !timer || !timer.running, onclick: () => run("pause") }, text.pause),
            el("button", { type: "button", class: "secondary", "data-testid": "timer-stop-" + part.id, disabled: !timer || timer.stopped, onclick: () => run("stop") }, text.stop),
            penalty && config.can_penalise && !applied.has(key) && !timer.penalty_applied
              ? el(
                  "button",
                  {
                    type: "button",
                    "data-testid": "apply-penalty-" + part.id,
                    onclick: async (event) => {
                      event.currentTarget.disabled = true; // one tap, one request
                      const done = await post(config.penalties_url, {
                        entry: row.entry,
                        part: part.id,
                        minutes_over: timer.minutes_over,
                        reason: format(text.penalty_reason, { part: part.name, minutes: shown(timer.minutes_over) }),
                      });
                      if (done) applied.add(key);
                      render();
                    },
                  },
                  format(text.apply, { points: shown(timer.proposed_penalty) })
                )
              : applied.has(key) || (timer && timer.penalty_applied)
                ? el("span", { class: "badge submitted" }, text.applied)
                : null
          )
        );
      })
    );
  }

  function renderGrid() {
    const table = el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", { class: "num" }, "#"), el("th", {}, ""), progress.panel.map((judge) => el("th", {}, judge.name)))),
      el(
        "tbody",
        {},
        progress.entries.map((row) =>
          el(
            "tr",
            { class: row.position === progress.current_position ? "current" : "" },
            el("td", { class: "num" }, row.position || "–"),
            el("td", {}, row.title),
            progress.panel.map((judge) => {
              const state = row.judges[judge.username];
              const key = row.entry + ":" + judge.id;
              const sheet = row.sheets[judge.username];
              return el(
                "td",
                { "data-testid": "cell-" + row.entry + "-" + judge.id, "data-state": state },
                el("span", { class: "badge " + state }, text[state] || state),
                (state === "missing" || state === "draft") && !nudged.has(key)
                  ? el(
                      "button",
                      {
                        type: "button",
                        class: "secondary small",
                        "data-testid": "nudge-" + row.entry + "-" + judge.id,
                        onclick: async () => {
                          if (await post(config.nudge_url, { judge: judge.id, entry: row.entry })) nudged.add(key);
                          render();
                        },
                      },
                      text.nudge
                    )
                  : nudged.has(key) && (state === "missing" || state === "draft")
                    ? el("span", { class: "muted" }, " " + text.nudged)
                    : null,
                state === "submitted" && sheet
                  ? el(
                      "button",
                      {
                        type: "button",
                        class: "secondary small",
                        "data-testid": "unlock-" + sheet,
                        onclick: () => {
                          const reason = window.prompt(text.unlock_reason);
                          if (reason && reason.trim()) {
                            post(config.unlock_url.replace("/0/", "/" + sheet + "/"), { reason: reason.trim() });
                          }
                        },
                      },
                      text.unlock
                    )
                  : null
              );
            })
          )
        )
      )
    );
    root.querySelector(".progress-grid").replaceChildren(table);
  }

  setInterval(poll, POLL_MS);
  // The running clock ticks between polls.
  setInterval(() => {
    if (progress && progress.timers.some((t) => t.running)) renderTimers();
  }, 500);
  poll();
})();
