// The live board: polls the public results document with its ETag (a 304 costs nothing) and
// redraws when it changes. During a prize ceremony it shows the prize just revealed, large,
// with the ones before it below; otherwise the round's standings.
(function () {
  "use strict";
  const board = document.getElementById("board");
  const text = JSON.parse(document.getElementById("board-text").textContent);
  const url = board.dataset.resultsUrl;
  const pinnedRound = board.dataset.round;
  const body = board.querySelector("[data-testid=board-body]");
  const roundLine = board.querySelector("[data-testid=board-round]");
  const status = board.querySelector("[data-testid=board-status]");
  const POLL_MS = 2000;
  let etag = null;
  let previousEntries = new Set();

  document.documentElement.style.setProperty("--brand", board.dataset.colour || "#b71c1c");

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children) node.append(child);
    return node;
  }

  function place(rank) {
    return String(rank).replace(".", document.documentElement.lang === "vi" ? "," : ".");
  }

  function score(value) {
    return document.documentElement.lang === "vi" ? value.replace(".", ",") : value;
  }

  // The round on the board: the pinned one, else one in ceremony, else the last published.
  function chooseRound(rounds) {
    if (pinnedRound) return rounds.find((r) => String(r.round_id) === pinnedRound) || null;
    return rounds.find((r) => r.status === "ceremony") || rounds[rounds.length - 1] || null;
  }

  function showCeremony(round) {
    const reveal = round.reveal;
    const nodes = [];
    const latest = reveal.revealed[reveal.revealed.length - 1];
    if (latest) {
      const card = el(
        "section",
        { class: "reveal-card appear", "data-testid": "reveal-card" },
        el("span", { class: "prize" }, latest.prize),
        el("div", { class: "title" }, latest.initiative_title),
        el("div", { class: "unit" }, latest.unit),
        el("div", { class: "presenters" }, latest.presenters.join(", "))
      );
      nodes.push(card);
      const earlier = reveal.revealed.slice(0, -1).reverse();
      if (earlier.length) {
        nodes.push(
          el(
            "ol",
            { class: "reveal-list", "data-testid": "reveal-earlier" },
            ...earlier.map((a) => el("li", {}, el("strong", {}, a.prize), " — " + a.initiative_title + " (" + a.unit + ")"))
          )
        );
      }
    } else {
      nodes.push(el("p", { class: "board-waiting" }, text.next_prize));
    }
    body.replaceChildren(...nodes);
    roundLine.textContent = round.round + " · " + text.ceremony + " " + reveal.step + " " + text.of + " " + reveal.total;
  }

  function showStandings(round) {
    const entries = new Set(round.standings.map((s) => s.entry_id + ":" + s.rank + ":" + s.score));
    const rows = round.standings.map((s) => {
      const key = s.entry_id + ":" + s.rank + ":" + s.score;
      return el(
        "tr",
        { class: previousEntries.size && !previousEntries.has(key) ? "fresh" : "", "data-entry": s.entry_id },
        el("td", { class: "num" }, place(s.rank)),
        el("td", {}, s.initiative_title, el("div", { class: "unit" }, s.unit)),
        el("td", { class: "num" }, score(s.score)),
        el("td", { class: "prize" }, s.prize || "")
      );
    });
    previousEntries = entries;
    body.replaceChildren(
      el(
        "table",
        { "data-testid": "board-standings" },
        el("thead", {}, el("tr", {}, el("th", { class: "num" }, text.rank), el("th", {}, ""), el("th", { class: "num" }, text.score), el("th", {}, text.prize))),
        el("tbody", {}, ...rows)
      )
    );
    roundLine.textContent = round.round;
  }

  function show(documentData) {
    const round = chooseRound(documentData.rounds);
    if (!round) {
      body.replaceChildren(el("p", { class: "board-waiting" }, text.waiting));
      roundLine.textContent = "";
      return;
    }
    const key = round.id + ":" + round.status + ":" + (round.reveal ? round.reveal.step : "");
    if (round.status === "ceremony") showCeremony(round);
    else showStandings(round);
    board.dataset.shown = key;
  }

  async function poll() {
    try {
      const response = await fetch(url, {
        headers: etag ? { "If-None-Match": etag, Accept: "application/json" } : { Accept: "application/json" },
        cache: "no-store",
      });
      if (response.status === 200) {
        etag = response.headers.get("ETag");
        show(await response.json());
      }
      status.textContent = "";
      board.dataset.polled = String(Date.now());
    } catch (error) {
      status.textContent = text.offline;
    } finally {
      setTimeout(poll, POLL_MS);
    }
  }

  poll();
})();
