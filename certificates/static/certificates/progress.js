/* The certificates page: each unfinished batch's progress bar follows its API resource until
   the batch is done or failed; then the page reloads, listing the new certificates. */
(function () {
  "use strict";
  const FINISHED = ["done", "failed"];
  const INTERVAL = 1500;

  function follow(row) {
    const bar = row.querySelector("progress");
    const count = row.querySelector("[data-role=count]");
    const status = row.querySelector("[data-role=status]");
    function poll() {
      fetch(row.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((batch) => {
          bar.max = Math.max(batch.total, 1);
          bar.value = batch.status === "done" ? bar.max : batch.rendered;
          count.textContent = batch.rendered + " / " + batch.total;
          status.className = "badge " + batch.status;
          if (batch.status !== row.dataset.status) status.textContent = batch.status_display;
          if (FINISHED.includes(batch.status)) window.location.reload();
          else setTimeout(poll, INTERVAL);
        })
        .catch(() => setTimeout(poll, INTERVAL * 4));
    }
    poll();
  }

  document
    .querySelectorAll("[data-batch-progress]")
    .forEach((row) => FINISHED.includes(row.dataset.status) || follow(row));
})();
