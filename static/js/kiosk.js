// Kiosk behaviour on top of htmx. Everything works without this file.
(function () {
  "use strict";

  // Where a screen lands: the question a change from Check your answers
  // is for (the server gave its first input the autofocus), or the row of
  // Check the address's fragment names (#answer-<id>), coming back from one.
  function landingSpot(container) {
    var focus = container.querySelector("[autofocus]");
    if (focus) return focus.closest(".field") || focus;
    var spot = window.location.hash && document.getElementById(window.location.hash.slice(1));
    return spot && container.contains(spot) ? spot : null;
  }

  // Put it in view, marked (an address pushed by htmx sets no :target), and
  // give the focus to its first control: the question's first input, or the
  // row's Change link.
  function land(spot) {
    spot.classList.add("is-landed");
    spot.scrollIntoView({ block: "start" });
    var control = spot.querySelector("input:not([type=hidden]), select, textarea, a[href], button");
    if (control) control.focus({ preventScroll: true });
  }

  // After a step is swapped in, move focus to where a screen-reader user
  // and a sighted user should start: the error summary, else the question
  // or row a change lands on, else the heading; from the top of the page
  // unless a spot was landed on.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "step") return;
    var summary = target.querySelector(".error-summary");
    var spot = !summary && landingSpot(target);
    if (spot) {
      land(spot);
      return;
    }
    window.scrollTo(0, 0);
    var start = summary || target.querySelector("h1");
    if (start) start.focus({ preventScroll: true });
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Focus the error summary on a full page load that shows errors; else
    // land where a change does.
    var summary = document.querySelector(".error-summary");
    var step = document.getElementById("step");
    var spot = !summary && step && landingSpot(step);
    if (summary) summary.focus();
    else if (spot) land(spot);

    // The Done screen returns to Welcome by itself, replacing itself in the
    // history so that Back does not bring the patient's reference back.
    var done = document.querySelector("[data-return-after]");
    if (done) {
      var left = Number(done.dataset.returnAfter);
      var count = done.querySelector("[data-return-countdown]");
      var tick = window.setInterval(function () {
        left -= 1;
        if (count) {
          count.textContent = count.dataset.template.replace("%(seconds)s", String(Math.max(left, 0)));
        }
        if (left <= 0) {
          window.clearInterval(tick);
          window.location.replace(done.dataset.returnTo);
        }
      }, 1000);
    }
  });

  // WebKit (the engine of every iPad browser) keeps whole pages for Back and
  // Forward and shows them again as they were: a patient's answers, or their
  // reference on Done, after they have gone. So a page that is left is
  // emptied first, and a page shown again from that cache is asked for anew
  // in place of its history entry: the server decides what it may show (the
  // same screen to the same patient; Welcome once the patient is gone).
  window.addEventListener("pagehide", function () {
    var main = document.getElementById("main");
    if (main) main.replaceChildren();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) window.location.replace(window.location.href.split("#")[0]);
  });

  // Larger text, with htmx: the server keeps the choice for this patient and
  // says which size is now chosen; the page changes in place, so nothing
  // typed on the screen is lost.
  document.addEventListener("kiosk:text-size", function (event) {
    var large = Boolean(event.detail && event.detail.large);
    document.documentElement.classList.toggle("large-text", large);
    document.querySelectorAll("[data-text-size] button").forEach(function (button) {
      button.setAttribute("aria-pressed", String(large));
    });
  });

  // A screen that cannot be sent (no network, or the server failed) stays as
  // it is, with its answers, and says so; pressing the button again retries.
  function connectionProblem(kind, source) {
    var message = document.getElementById("connection-problem");
    if (!message) return;
    message.hidden = !kind;
    document.body.classList.toggle("has-connection-problem", Boolean(kind));
    if (!kind) return;
    message.textContent = message.dataset[kind];
    // The button to press again, in view above the message.
    var button = source && source.querySelector && source.querySelector("button[type=submit]");
    if (button) button.scrollIntoView({ block: "center" });
  }
  document.addEventListener("htmx:sendError", function (event) {
    connectionProblem("offline", event.detail.elt);
  });
  document.addEventListener("htmx:responseError", function (event) {
    var busy = event.detail.xhr && event.detail.xhr.status === 503;
    connectionProblem(busy ? "busy" : "failed", event.detail.elt);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail && event.detail.successful) connectionProblem(null);
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

  // "None of these" goes on its own: ticking it unticks the rest of its list,
  // ticking anything else unticks it (the server refuses both together).
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("input[type=checkbox]") || !box.checked) return;
    var group = box.closest("[data-exclusive-group]");
    if (!group) return;
    group.querySelectorAll("input[type=checkbox]").forEach(function (other) {
      var exclusive = other.hasAttribute("data-exclusive");
      if (other !== box && (box.hasAttribute("data-exclusive") || exclusive)) other.checked = false;
    });
  });

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
