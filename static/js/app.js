// Progressive enhancement only: every page works without JavaScript.
// No inline script anywhere (the Content-Security-Policy forbids it), so page
// behaviour hooks onto data- attributes from here.
(function () {
  "use strict";
  // A decision's feedback is the answer to its POST. Put the page's own address in the
  // address bar, so that a reload, the back button or a shared link is a plain GET of
  // this feedback rather than the form posted again.
  var page = document.querySelector("[data-page-url]");
  if (page && window.history.replaceState && window.location.pathname !== page.dataset.pageUrl) {
    window.history.replaceState(null, "", page.dataset.pageUrl);
  }
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
