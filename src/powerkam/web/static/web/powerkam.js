/* PowerKAM page behaviour: the phone menu drawer and ECharts charts declared in the HTML.
   A chart is <div class="chart" data-chart="ID"> next to <script type="application/json" id="ID">,
   whose JSON is an ECharts option built by the server (labels already translated). Charts are drawn
   on page load and again whenever HTMX swaps in a fragment that contains one.

   The Content-Security-Policy allows no inline script and no on*= attributes: every behaviour is
   declared with a data- attribute and wired here —
     data-autosubmit        a <select> that submits its form when changed
     data-select-on-click   an <input> whose text is selected when clicked (a link to copy)
     data-print             a button that prints the page
     data-bulk-all="FORM"   a checkbox that selects every row checkbox of the bulk form FORM
                            (rows: <input type="checkbox" name="selected" form="FORM">); the element
                            data-bulk-count="FORM" shows how many are selected (web/bulk.py) */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) { document.body.classList.toggle("nav-open"); return; }
    if (event.target.closest("[data-nav-close]")) { document.body.classList.remove("nav-open"); return; }
    if (event.target.closest("[data-print]")) { window.print(); return; }
    var selectable = event.target.closest("[data-select-on-click]");
    if (selectable && selectable.select) { selectable.select(); }
  });

  // Logging out forgets the pages the visit form kept for offline use (docs/visits.md, "Offline
  // capture"); visits still waiting to be sent stay on the phone until their author logs in again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[action$='/logout/']") || !window.caches || form.dataset.forgotten) { return; }
    event.preventDefault();
    form.dataset.forgotten = "1";
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf("powerkam-visits-") === 0; }).map(function (n) { return caches.delete(n); }));
    }).catch(function () { return null; }).then(function () { form.submit(); });
  });

  document.addEventListener("change", function (event) {
    var select = event.target.closest && event.target.closest("[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
    var all = event.target.closest && event.target.closest("[data-bulk-all]");
    if (all) {
      rowBoxes(all.dataset.bulkAll).forEach(function (box) { box.checked = all.checked; });
      countSelected(all.dataset.bulkAll);
      return;
    }
    if (event.target.matches && event.target.matches("input[name=selected][form]")) { countSelected(event.target.getAttribute("form")); }
  });

  function rowBoxes(formId) {
    return Array.prototype.slice.call(document.querySelectorAll("input[name=selected][form='" + formId + "']"));
  }

  // The bulk bar's count; its action buttons stay disabled until a row is selected.
  function countSelected(formId) {
    var boxes = rowBoxes(formId);
    var n = boxes.filter(function (box) { return box.checked; }).length;
    var count = document.querySelector("[data-bulk-count='" + formId + "']");
    if (count) { count.textContent = n ? count.dataset.some.replace("{n}", n) : count.dataset.none; }
    var all = document.querySelector("[data-bulk-all='" + formId + "']");
    if (all) { all.checked = boxes.length > 0 && n === boxes.length; all.indeterminate = n > 0 && n < boxes.length; }
    var form = document.getElementById(formId);
    if (form) {
      var needs = Array.prototype.slice.call(form.querySelectorAll("[data-bulk-needs-selection]"))
        .concat(Array.prototype.slice.call(document.querySelectorAll("[data-bulk-needs-selection][form='" + formId + "']")));
      needs.forEach(function (el) { el.disabled = n === 0; });
    }
  }

  function countAll(root) {
    (root || document).querySelectorAll("[data-bulk-count]").forEach(function (el) { countSelected(el.dataset.bulkCount); });
  }

  // "Show older bills": a <details> that reveals the table body holding them.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("[data-older-bills]")) { return; }
    var older = details.parentElement.querySelector(".older-bills");
    if (older) { older.hidden = !details.open; }
  }, true);

  function unitFormatter(unit) {
    return function (value) {
      if (value === null || value === undefined) { return "—"; }
      return Number(value).toLocaleString(document.documentElement.lang, { maximumFractionDigits: 1 }) + (unit ? " " + unit : "");
    };
  }

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.chart);
      if (!source) { return; }
      var option = JSON.parse(source.textContent);
      (option.yAxis || []).forEach(function (axis) {
        if (axis.unit) { axis.axisLabel = { formatter: unitFormatter(axis.unit) }; delete axis.unit; }
      });
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.dataset.drawn = "1";
      if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); }).observe(el); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); countAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawCharts(event.target); countAll(document); });
  window.PowerKAM = { drawCharts: drawCharts };
})();
