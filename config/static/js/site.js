/* Behaviour every page shares. No inline script or handler anywhere: the Content-Security-Policy
   allows scripts from this origin only. */
(function () {
  "use strict";

  // <form data-confirm="…"> or a submit button with data-confirm: ask before submitting.
  document.addEventListener("submit", function (event) {
    const question = (event.submitter && event.submitter.dataset.confirm) || event.target.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Logging out of a shared tablet forgets the judge pages kept for offline use.
  document.getElementById("logout-form")?.addEventListener("submit", function (event) {
    if (!("caches" in window) || this.dataset.cleared) return;
    event.preventDefault();
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("hoithi-judge-")).map((k) => caches.delete(k))))
      .finally(() => { this.dataset.cleared = "1"; this.submit(); });
  });
})();
