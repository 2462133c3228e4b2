/* The basemap under every map (map picker, proposal page, Command Center, public portal).

   EPlanningMap.basemap(map, holder) adds the region's tile layer (holder's data-tiles and
   data-attribution, from tenant.toml [peta]) and falls back to the plain map (points on a
   blank background, no tiles) when the tiles cannot load: offline, blocked, or the server
   is down. The holder then carries data-basemap="plain" and the class map-plain, and the
   element named by data-fallback-note (if any) is shown. Without tiles configured: plain
   from the start. Attribution text is escaped: it is shown as text, never as HTML. */
(function () {
  "use strict";
  var INDONESIA = [-2.5, 118];
  var TIMEOUT_MS = 8000;

  function escapeText(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function plain(holder, why) {
    holder.classList.add("map-plain");
    holder.dataset.basemap = "plain";
    if (why) { holder.dataset.basemapFailure = why; }
    var note = holder.dataset.fallbackNote && document.getElementById(holder.dataset.fallbackNote);
    if (note && why) { note.hidden = false; }
  }

  function basemap(map, holder) {
    var url = holder.dataset.tiles;
    if (!url) { plain(holder, ""); return null; }
    if (navigator.onLine === false) { plain(holder, "offline"); return null; }
    var loaded = 0, failed = 0, done = false;
    var layer = L.tileLayer(url, {
      maxZoom: 19, crossOrigin: false,
      attribution: escapeText(holder.dataset.attribution || "")
    });
    function giveUp(why) {
      if (done) { return; }
      done = true;
      map.removeLayer(layer);
      plain(holder, why);
    }
    layer.on("tileload", function () {
      loaded += 1;
      if (!done) { done = true; holder.dataset.basemap = "tiles"; holder.classList.remove("map-plain"); }
    });
    layer.on("tileerror", function () {
      failed += 1;
      if (loaded === 0 && failed >= 2) { giveUp("tiles"); }
    });
    window.setTimeout(function () { if (loaded === 0) { giveUp("timeout"); } }, TIMEOUT_MS);
    holder.dataset.basemap = "loading";
    layer.addTo(map);
    return layer;
  }

  /* A Leaflet map in holder with the region's basemap; view: [lat, lng, zoom] or null (the
     region's centre from data-center/data-zoom, else all of Indonesia). */
  function create(holder, view) {
    var map = L.map(holder, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    if (view) {
      map.setView([view[0], view[1]], view[2]);
    } else {
      map.setView(regionCentre(holder), holder.dataset.center ? Number(holder.dataset.zoom || 12) : 5);
    }
    basemap(map, holder);
    return map;
  }

  function regionCentre(holder) {
    var parts = (holder.dataset.center || "").split(",").map(Number);
    return parts.length === 2 && isFinite(parts[0]) && isFinite(parts[1]) ? parts : INDONESIA;
  }

  /* Leaflet's own files, loaded on demand (pages whose map waits until it is near the screen). */
  function leaflet(holder) {
    if (typeof window.L !== "undefined") { return Promise.resolve(); }
    function attach(tag, attributes) {
      return new Promise(function (resolve, reject) {
        var element = document.createElement(tag);
        Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
        element.onload = resolve;
        element.onerror = function () { reject(new Error(tag + " did not load")); };
        document.head.appendChild(element);
      });
    }
    return Promise.all([attach("link", { rel: "stylesheet", href: holder.dataset.leafletCss }),
                        attach("script", { src: holder.dataset.leafletJs })]);
  }

  /* Run start() once the element comes near the screen (or at once without IntersectionObserver). */
  function whenNear(element, start) {
    if (!("IntersectionObserver" in window)) { start(); return; }
    var watcher = new IntersectionObserver(function (entries) {
      if (entries.some(function (entry) { return entry.isIntersecting; })) {
        watcher.disconnect();
        start();
      }
    }, { rootMargin: "300px" });
    watcher.observe(element);
  }

  window.EPlanningMap = { basemap: basemap, create: create, plain: plain, leaflet: leaflet,
                          whenNear: whenNear, regionCentre: regionCentre };
})();
