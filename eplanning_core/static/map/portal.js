/* The public list of proposals (portal/browse.html):

   - the second list is narrowed by the first: choosing a kecamatan leaves only its
     kelurahan (desa, nagari) to choose from; without JavaScript they are grouped by kecamatan;
   - the map of the listed proposals by status, on the region's basemap (static/map/basemap.js),
     drawn when its box is opened (#peta in the address opens it): Leaflet and the points
     (peta.json, the list's filters) are fetched only then. */
(function () {
  "use strict";

  var kecamatan = document.getElementById("f-kecamatan");
  var kelurahan = document.getElementById("f-kelurahan");
  if (kecamatan && kelurahan) {
    var groups = Array.prototype.slice.call(kelurahan.querySelectorAll("optgroup"));
    var narrow = function () {
      var chosen = kecamatan.value;
      var selected = kelurahan.value;
      groups.forEach(function (group) {
        if (group.parentNode) { group.parentNode.removeChild(group); }
      });
      var keep = false;
      groups.forEach(function (group) {
        if (!chosen || group.dataset.kecamatan === chosen) {
          kelurahan.appendChild(group);
          if (group.querySelector('option[value="' + selected + '"]')) { keep = true; }
        }
      });
      kelurahan.value = keep ? selected : "";
      kelurahan.dataset.narrowedTo = chosen;
    };
    kecamatan.addEventListener("change", narrow);
    narrow();
  }

  var box = document.getElementById("peta");
  var holder = document.getElementById("portal-map");
  if (!box || !holder || !window.EPlanningMap || !window.fetch || !window.Promise) { return; }
  var started = false;

  function draw(data) {
    if (!data.bbox) {
      var empty = document.getElementById(holder.dataset.emptyNote);
      if (empty) { empty.hidden = false; }
      holder.hidden = true;
      holder.dataset.drawn = "0";
      return;
    }
    var b = data.bbox;  // south, west, north, east
    var map = EPlanningMap.create(holder, [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 12]);
    var bounds = L.latLngBounds([b[0], b[1]], [b[2], b[3]]);
    data.points.forEach(function (p) {
      var marker = L.circleMarker([p[0], p[1]], {
        radius: 5 + 2 * Math.sqrt(p[3]), color: "#fff", weight: 1,
        fillColor: data.colours[p[2]] || "#555", fillOpacity: 0.85
      }).addTo(map);
      var text = document.createElement("span");
      text.textContent = (data.labels[p[2]] || p[2]) + ": " + p[3];
      marker.bindPopup(text);
    });
    map.fitBounds(bounds);
    holder.dataset.drawn = String(data.points.length);
  }

  function start() {
    if (started) { return; }
    started = true;
    var points = fetch(holder.dataset.source, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("map data: HTTP " + response.status); }
        return response.json();
      });
    Promise.all([points, EPlanningMap.leaflet(holder)])
      .then(function (results) { draw(results[0]); })
      .catch(function () { holder.dataset.drawn = "failed"; holder.hidden = true; });
  }

  box.addEventListener("toggle", function () { if (box.open) { start(); } });
  if (window.location.hash === "#peta") { box.open = true; }
  if (box.open) { start(); }
})();
