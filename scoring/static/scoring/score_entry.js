/* The secretary's paper-sheet form: the weighted total, live. */
(function () {
  "use strict";
  const form = document.getElementById("score-form");
  if (!form) return;
  const inputs = Array.from(form.querySelectorAll("input.mark"));
  const total = document.getElementById("live-total");
  function update() {
    let sum = 0, weights = 0;
    for (const input of inputs) {
      const value = parseFloat((input.value || "").replace(",", "."));
      const weight = parseFloat(input.dataset.weight || "1");
      if (!Number.isNaN(value)) { sum += value * weight; weights += weight; }
    }
    total.textContent = weights ? (sum / weights).toFixed(2).replace(".", ",") : "–";
  }
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
