// Draw the running order again in this browser, from the published seed and input list, with
// an implementation of its own (the Web Crypto API), and compare with the published result.
// Algorithm "hmac-sha256-fisher-yates-v1" (scheduling/draw.py): Fisher-Yates from the last
// position down; the index for position i is drawn from 0..i by HMAC-SHA256(key = seed bytes,
// message = "<i>:<attempt>") read as a big-endian integer, with rejection sampling.
"use strict";

(function () {
  const TWO_256 = 1n << 256n;

  function hexBytes(hex) {
    const bytes = new Uint8Array(hex.length / 2);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.substr(2 * i, 2), 16);
    return bytes;
  }

  function bigEndian(buffer) {
    let number = 0n;
    for (const byte of new Uint8Array(buffer)) number = (number << 8n) | BigInt(byte);
    return number;
  }

  async function uniformIndex(key, position, upper) {
    const bound = BigInt(upper);
    const limit = TWO_256 - (TWO_256 % bound);
    for (let attempt = 0; ; attempt++) {
      const message = new TextEncoder().encode(`${position}:${attempt}`);
      const number = bigEndian(await crypto.subtle.sign("HMAC", key, message));
      if (number < limit) return Number(number % bound);
    }
  }

  async function drawOrder(items, seedHex) {
    const key = await crypto.subtle.importKey(
      "raw", hexBytes(seedHex), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    const order = items.slice();
    for (let position = order.length - 1; position > 0; position--) {
      const other = await uniformIndex(key, position, position + 1);
      [order[position], order[other]] = [order[other], order[position]];
    }
    return order;
  }

  document.querySelectorAll("[data-draw]").forEach((record) => {
    const button = record.querySelector("button.rerun");
    const output = record.querySelector("output");
    if (!button) return;
    if (!(window.crypto && crypto.subtle)) {
      button.disabled = true;
      output.textContent = button.dataset.unavailable;
      return;
    }
    button.addEventListener("click", async () => {
      const input = JSON.parse(record.dataset.input).map(String);
      const expected = JSON.parse(record.dataset.result).map(String);
      const order = await drawOrder(input, record.dataset.seed);
      const same = order.length === expected.length && order.every((e, i) => e === expected[i]);
      output.textContent = (same ? button.dataset.same : button.dataset.different) + " " + order.join(", ");
      output.className = same ? "ok" : "error";
      output.dataset.matches = same ? "yes" : "no";
    });
  });
})();
