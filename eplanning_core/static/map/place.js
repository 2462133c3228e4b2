/* The proposal page's place: one pin on the region's basemap (static/map/basemap.js).
   Leaflet is fetched only when the map comes near the screen. */
(function () {
  "use strict";
  var holder = document.getElementById("place-map");
  if (!holder || !window.EPlanningMap || !window.Promise) { return; }
  var point = (holder.dataset.point || "").split(",").map(Number);
  if (point.length !== 2 || !isFinite(point[0]) || !isFinite(point[1])) { return; }
  holder.hidden = false;
  EPlanningMap.whenNear(holder, function () {
    EPlanningMap.leaflet(holder).then(function () {
      var map = EPlanningMap.create(holder, [point[0], point[1], 16]);
      L.marker(point, { title: holder.dataset.label || "", alt: holder.dataset.label || "", keyboard: false }).addTo(map);
      holder.dataset.drawn = "1";
    }).catch(function () { holder.hidden = true; });  // the coordinates in the list stay
  });
})();
