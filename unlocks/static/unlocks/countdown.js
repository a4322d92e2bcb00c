// The request page's unlock window: counts down to its end, once a second. Without this
// script the page says how long was left when it was served. A file, not inline code: the
// CSP allows no inline script.
"use strict";
document.querySelectorAll("[data-countdown]").forEach(function (clock) {
  var until = Date.parse(clock.dataset.until);
  if (isNaN(until)) {
    return;
  }
  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }
  function tick() {
    var left = Math.max(0, Math.round((until - Date.now()) / 1000));
    if (left === 0) {
      clock.textContent = "ended: the records read locked again (reload to see them)";
      clock.dataset.ended = "";
      return;
    }
    var days = Math.floor(left / 86400);
    var hours = Math.floor((left % 86400) / 3600);
    var minutes = Math.floor((left % 3600) / 60);
    var seconds = left % 60;
    clock.textContent =
      (days ? days + " d " : "") + hours + " h " + pad(minutes) + " min " + pad(seconds) + " s left";
    window.setTimeout(tick, 1000);
  }
  tick();
});
