// Signing the consent with a finger: signature_pad (static/vendor) draws, and
// the strokes go into the form's hidden field as compact text (see
// kiosk/core/signature.py): "<width> <height>;x,y x,y ...;x,y ...". Without
// this file the drawing area stays hidden and the typed name signs instead.
(function () {
  "use strict";

  function encode(pad, width, height) {
    var strokes = pad.toData().map(function (stroke) {
      return stroke.points
        .map(function (point) {
          var x = Math.min(Math.max(Math.round(point.x), 0), width);
          var y = Math.min(Math.max(Math.round(point.y), 0), height);
          return x + "," + y;
        })
        .join(" ");
    });
    return strokes.length ? [width + " " + height].concat(strokes).join(";") : "";
  }

  // The strokes of the field's text, scaled to the drawing area's size now
  // (the tablet may have turned since they were drawn).
  function decode(text, width, height) {
    var parts = text.split(";");
    var size = parts.shift().split(" ");
    var scale = Math.min(width / Number(size[0]), height / Number(size[1]));
    if (!isFinite(scale) || scale <= 0) return [];
    return parts.map(function (stroke) {
      return {
        penColor: "#111111",
        dotSize: 0,
        minWidth: 1,
        maxWidth: 2.5,
        velocityFilterWeight: 0.7,
        compositeOperation: "source-over",
        points: stroke.split(" ").map(function (pair, index) {
          var xy = pair.split(",");
          return { x: Number(xy[0]) * scale, y: Number(xy[1]) * scale, time: index, pressure: 0.5 };
        }),
      };
    });
  }

  function setUp(area) {
    if (area.dataset.ready || typeof window.SignaturePad !== "function") return;
    area.dataset.ready = "true";
    var canvas = area.querySelector("canvas");
    var field = document.getElementById(area.dataset.field);
    var pad = new window.SignaturePad(canvas, { penColor: "#111111", minWidth: 1, maxWidth: 2.5 });
    area.hidden = false;

    // The canvas drawn at the screen's pixel density, its strokes kept.
    function fit() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var width = canvas.offsetWidth;
      var height = canvas.offsetHeight;
      if (!width || !height) return;
      canvas.width = width * ratio;
      canvas.height = height * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      if (field.value) pad.fromData(decode(field.value, width, height));
      field.value = encode(pad, width, height);
    }

    pad.addEventListener("endStroke", function () {
      field.value = encode(pad, canvas.offsetWidth, canvas.offsetHeight);
    });
    area.querySelector("[data-clear]").addEventListener("click", function () {
      pad.clear();
      field.value = "";
      canvas.focus();
    });
    var width = canvas.offsetWidth;
    window.addEventListener("resize", function () {
      if (canvas.isConnected && canvas.offsetWidth !== width) {
        width = canvas.offsetWidth;
        fit();
      }
    });
    fit();

    // With the finger there to sign, the typed name is the other way: closed
    // unless the patient has used it.
    var typed = document.querySelector("[data-typed-signature]");
    if (typed && !typed.hasAttribute("data-keep-open")) typed.open = false;
  }

  function setUpAll() {
    document.querySelectorAll("[data-signature-pad]").forEach(setUp);
  }
  document.addEventListener("DOMContentLoaded", setUpAll);
  // A consent screen shown again with a problem is swapped in by htmx.
  document.addEventListener("htmx:afterSettle", setUpAll);
})();
