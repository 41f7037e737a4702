// Progressive enhancement only: every page works without JavaScript.
// No inline script anywhere (the Content-Security-Policy forbids it), so page
// behaviour hooks onto data- attributes from here.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    // A double tap on a phone must not send a decision twice; the server refuses a
    // replay anyway, this only spares the learner a confusing second page load.
    var form = event.target;
    if (form.dataset.once === undefined) return;
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.setAttribute("aria-disabled", "true"); });
  });
})();
