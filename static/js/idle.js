// Idle reset for the shared kiosk tablet (WCAG 2.2 SC 2.2.1: the patient is
// warned, sees a countdown and can ask for more time as often as needed).
// Settings come from the server: <div id="idle-settings" data-idle-seconds
// data-warning-seconds data-reset-url data-quiet>. With data-quiet="true"
// (Welcome, where nobody has started) the reset comes with no warning: it only
// puts back the language and text size a passer-by chose. Without JavaScript
// nothing happens.
(function () {
  "use strict";

  var settings = document.getElementById("idle-settings");
  var dialog = document.getElementById("idle-dialog");
  if (!settings || !dialog) return;

  var idleSeconds = Number(settings.dataset.idleSeconds);
  var warningSeconds = Number(settings.dataset.warningSeconds);
  var resetUrl = settings.dataset.resetUrl;
  var welcomeUrl = settings.dataset.welcomeUrl;
  var count = dialog.querySelector("[data-countdown]");
  var more = dialog.querySelector("[data-more-time]");
  var startOver = dialog.querySelector("[data-start-over]");
  var idleTimer = null;
  var tick = null;
  var left = 0;
  var resetting = false;
  var quiet = settings.dataset.quiet === "true";

  function restartIdleClock() {
    window.clearTimeout(idleTimer);
    idleTimer = window.setTimeout(quiet ? reset : warn, idleSeconds * 1000);
  }

  function warn() {
    left = warningSeconds;
    count.textContent = String(left);
    if (!dialog.open) dialog.showModal();
    more.focus();
    tick = window.setInterval(function () {
      left -= 1;
      count.textContent = String(Math.max(left, 0));
      if (left <= 0) reset();
    }, 1000);
  }

  function moreTime() {
    window.clearInterval(tick);
    if (dialog.open) dialog.close();
    restartIdleClock();
  }

  function reset() {
    if (resetting) return;
    resetting = true;
    window.clearInterval(tick);
    window.clearTimeout(idleTimer);
    // The server deletes the draft and clears the session; then the page is
    // replaced (not pushed), so Back has nothing of this patient to show.
    fetch(resetUrl, { method: "POST", credentials: "same-origin" })
      .catch(function () { /* the welcome page shows nothing of the patient anyway */ })
      .then(function () { window.location.replace(welcomeUrl); });
  }

  more.addEventListener("click", moreTime);
  startOver.addEventListener("click", reset);
  dialog.addEventListener("cancel", function (event) {
    // Escape means "I'm still here".
    event.preventDefault();
    moreTime();
  });

  ["pointerdown", "keydown", "touchstart", "wheel", "input"].forEach(function (name) {
    document.addEventListener(name, function () {
      if (!dialog.open) restartIdleClock();
    }, { passive: true, capture: true });
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!dialog.open) restartIdleClock();
  });
  restartIdleClock();
})();
