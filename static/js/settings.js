// The clinic settings: each part of them is a page of its own, saved on its
// own, so what is typed in a part is lost only by leaving its page before
// saving. The browser then asks first. Everything works without this file.
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-unsaved-guard]");
    if (!form) return;
    // A page sent back with an error or a preview shows values not saved yet.
    var unsaved = form.dataset.unsavedGuard === "unsaved";
    function changed() {
      unsaved = true;
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", function () {
      unsaved = false;
    });
    window.addEventListener("beforeunload", function (event) {
      if (!unsaved) return;
      event.preventDefault();
      event.returnValue = ""; // older engines ask only when it is set
    });
  });
})();
