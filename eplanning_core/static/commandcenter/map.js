/* The Command Center's interactive map: Leaflet (served locally) on the region's basemap
   (tenant.toml [peta], through static/map/basemap.js), falling back to the plain map (no
   tiles: circles on a blank background inside the region's box) when tiles cannot load.
   Circles for proposals by status. Labels are set as text, never as HTML. Without
   JavaScript the SVG map above is the map. Leaflet (47 KB gzipped) and the map's points
   (map.json) are fetched only when the map comes near the screen, so a first visit of the
   page carries neither. */
(function () {
  "use strict";
  var holder = document.getElementById("cc-map");
  var near = document.getElementById("svg-map");  // the hidden holder itself cannot be watched
  if (!holder || !near || !window.fetch || !window.Promise) { return; }
  var started = false;

  function attach(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
      element.onload = resolve;
      element.onerror = function () { reject(new Error(tag + " did not load")); };
      document.head.appendChild(element);
    });
  }

  function points() {
    return fetch(holder.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("map data: HTTP " + response.status); }
        return response.json();
      });
  }

  function leaflet() {
    if (typeof window.L !== "undefined") { return Promise.resolve(); }
    return Promise.all([attach("link", { rel: "stylesheet", href: holder.dataset.leafletCss }),
                        attach("script", { src: holder.dataset.leafletJs })]);
  }

  function draw(data) {
    if (!data.bbox) { return; }
    holder.hidden = false;
    var b = data.bbox;
    var map = window.EPlanningMap ? EPlanningMap.create(holder, [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, 12])
                                  : L.map(holder, { attributionControl: false, zoomSnap: 0.25 });  // south, west, north, east
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
    holder.dataset.drawn = String(data.points.length);
  }

  function start() {
    if (started) { return; }
    started = true;
    Promise.all([points(), leaflet()])
      .then(function (results) { draw(results[0]); })
      .catch(function () { holder.dataset.drawn = "failed"; });  // the SVG map stays the map
  }

  if ("IntersectionObserver" in window) {
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        watcher.disconnect();
        start();
      }
    }, { rootMargin: "300px" });
    watcher.observe(near);
  } else {
    start();
  }
})();
