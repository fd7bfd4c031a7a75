// Kiosk behaviour on top of htmx. Everything works without this file.
(function () {
  "use strict";

  // After a step is swapped in, move focus to where a screen-reader user
  // and a sighted user should start: the error summary, else the heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "step") return;
    var start = target.querySelector(".error-summary") || target.querySelector("h1");
    if (start) start.focus({ preventScroll: false });
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Focus the error summary on a full page load that shows errors.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();

    // The Done screen returns to Welcome by itself, replacing itself in the
    // history so that Back does not bring the patient's reference back.
    var done = document.querySelector("[data-return-after]");
    if (done) {
      window.setTimeout(function () {
        window.location.replace(done.dataset.returnTo);
      }, Number(done.dataset.returnAfter) * 1000);
    }
  });

  // Keep the field being typed in above the tablet's on-screen keyboard,
  // which shrinks the visual viewport when it opens.
  if (window.visualViewport) {
    window.visualViewport.addEventListener("resize", function () {
      var field = document.activeElement;
      if (field && field.matches && field.matches("input, textarea")) {
        field.scrollIntoView({ block: "center" });
      }
    });
  }

  // Links in the error summary put focus on the field itself, and scroll its
  // question (label or legend) into view rather than just the input.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var input = document.getElementById(link.getAttribute("href").slice(1));
    if (!input) return;
    event.preventDefault();
    var field = input.closest(".field") || input;
    field.scrollIntoView({ block: "start" });
    input.focus({ preventScroll: true });
  });
})();
