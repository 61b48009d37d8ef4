/* PowerKAM maps (issue 19): <div class="map" data-map="ID"> next to <script type="application/json"
   id="ID"> holding an ECharts option built by the server (accounts/map_charts.py). The option's
   powerkamGeoJson (district outlines drawn from the accounts' coordinates) is registered as the map
   powerkamMap; a click on a point opens powerkamDetailUrl with {id} replaced by the point's
   customer id. Everything is local: ECharts is vendored, there is no tile server. No inline script
   (the Content-Security-Policy forbids it): the page loads this file after echarts.min.js. */
(function () {
  "use strict";

  function drawMaps(root) {
    if (typeof window.echarts === "undefined") { return; }
    (root || document).querySelectorAll("[data-map]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.map);
      if (!source) { return; }
      var option = JSON.parse(source.textContent);
      var detailUrl = option.powerkamDetailUrl || "";
      window.echarts.registerMap(option.powerkamMap, option.powerkamGeoJson);
      delete option.powerkamGeoJson;
      delete option.powerkamDetailUrl;
      delete option.powerkamMap;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      // Only a path on this site: the page never sends anyone elsewhere.
      if (detailUrl.charAt(0) === "/" && detailUrl.charAt(1) !== "/") {
        chart.on("click", function (params) {
          var id = params.data && params.data.cid;
          if (params.componentType === "series" && id) {
            window.location.href = detailUrl.replace("{id}", encodeURIComponent(id));
          }
        });
      }
      el.dataset.drawn = "1";
      if (window.ResizeObserver) { new ResizeObserver(function () { chart.resize(); }).observe(el); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawMaps(document); });
  document.addEventListener("htmx:afterSettle", function (event) { drawMaps(event.target); });
  window.PowerKAMMaps = { drawMaps: drawMaps };
})();
