/* Live countdown of round-the-clock tickets (fault repair): every badge
   <span data-due-at="ISO time" data-countdown-mode="left|overdue" data-warn-at="ISO time"> holds a
   <span data-minutes> the server rendered; this script keeps that number current, turns the badge
   to "due soon" at the warning time and reloads the page when the deadline passes (the server then
   renders it as breached, in the page's language). No inline script: loaded as a static file. */
(function () {
  "use strict";
  if (window.powerkamCountdown) { return; }
  window.powerkamCountdown = true;

  function tick() {
    var now = Date.now();
    var badges = document.querySelectorAll("[data-due-at][data-countdown-mode]");
    for (var i = 0; i < badges.length; i++) {
      var badge = badges[i];
      var due = Date.parse(badge.getAttribute("data-due-at"));
      if (isNaN(due)) { continue; }
      var left = Math.floor((due - now) / 60000);
      var mode = badge.getAttribute("data-countdown-mode");
      var number = badge.querySelector("[data-minutes]");
      if (mode === "left" && due < now) { window.location.reload(); return; }
      if (number) { number.textContent = String(mode === "left" ? left : -left); }
      var warnAt = Date.parse(badge.getAttribute("data-warn-at") || "");
      if (mode === "left" && !isNaN(warnAt) && now >= warnAt && badge.classList.contains("badge-soft")) {
        badge.classList.remove("badge-soft");
        badge.classList.add("badge-warn");
        badge.setAttribute("data-sla", "due_soon");
      }
    }
  }

  window.setInterval(tick, 15000);
  document.addEventListener("DOMContentLoaded", tick);
})();
