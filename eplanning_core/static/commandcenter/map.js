/* The Command Center's interactive map: Leaflet (served locally), no tiles.
   Circles for proposals by status on a plain background, inside the region's bounding box.
   Labels are set as text, never as HTML. Without JavaScript the SVG map above is the map. */
(function () {
  var holder = document.getElementById("cc-map");
  var source = document.getElementById("cc-map-data");
  if (!holder || !source || typeof L === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  holder.hidden = false;
  var map = L.map(holder, { attributionControl: false, zoomSnap: 0.25 });
  var b = data.bbox;  // south, west, north, east
  var bounds = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
  L.rectangle(bounds, { color: "#5b6670", weight: 1, dashArray: "4 3", fill: false }).addTo(map);
  data.points.forEach(function (p) {
    var marker = L.circleMarker([p[0], p[1]], {
      radius: 4 + 2 * Math.sqrt(p[3]), color: "#fff", weight: 1,
      fillColor: data.colours[p[2]] || "#555", fillOpacity: 0.8
    }).addTo(map);
    var text = document.createElement("span");
    text.textContent = (data.labels[p[2]] || p[2]) + ": " + p[3];
    marker.bindPopup(text);
  });
  map.fitBounds(bounds);
})();
