/* The proposal form's map picker: a pin on the region's basemap, kept in step with the typed
   latitude and longitude both ways.

   Click the map or drag the pin: the inputs get the position (6 decimals, about 10 cm).
   Type in the inputs: the pin moves there. "Use my location" asks the browser for the
   device's position (navigator.geolocation). Empty inputs: no pin (coordinates are
   optional). Without JavaScript, or when Leaflet cannot load, the inputs are the whole form,
   as before. The holder (#location-map) names its inputs and its texts in data attributes. */
(function () {
  "use strict";
  var holder = document.getElementById("location-map");
  if (!holder || typeof window.L === "undefined" || !window.EPlanningMap) { return; }
  var latInput = document.getElementById(holder.dataset.lat);
  var lngInput = document.getElementById(holder.dataset.lng);
  var locate = document.getElementById(holder.dataset.locate);
  var status = document.getElementById(holder.dataset.status);
  if (!latInput || !lngInput) { return; }
  var CLOSE = 17;

  function number(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isFinite(value) ? value : null;
  }

  function typed() {
    var lat = number(latInput.value), lng = number(lngInput.value);
    if (lat === null || lng === null) { return null; }
    if (lat < -11 || lat > 6 || lng < 94 || lng > 142) { return null; }  // inside Indonesia (content.py)
    return [lat, lng];
  }

  var start = typed();
  holder.hidden = false;
  var map = EPlanningMap.create(holder, start ? [start[0], start[1], CLOSE] : null);
  var pin = null;

  function say(text) {
    if (status) { status.textContent = text || ""; }
  }

  function write(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lngInput.value = latlng.lng.toFixed(6);
    [latInput, lngInput].forEach(function (input) {
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    holder.dataset.pin = latInput.value + "," + lngInput.value;
  }

  function place(latlng) {
    if (pin === null) {
      pin = L.marker(latlng, { draggable: true, keyboard: true, title: holder.dataset.pinLabel || "",
                               alt: holder.dataset.pinLabel || "", autoPan: true }).addTo(map);
      pin.on("dragend", function () { write(pin.getLatLng()); say(""); });
    } else {
      pin.setLatLng(latlng);
    }
    holder.dataset.pin = latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6);
  }

  function unplace() {
    if (pin !== null) { map.removeLayer(pin); pin = null; }
    delete holder.dataset.pin;
  }

  if (start) { place(L.latLng(start[0], start[1])); }

  map.on("click", function (event) {
    place(event.latlng);
    write(event.latlng);
    say("");
  });

  function fromInputs() {
    var position = typed();
    if (position) {
      place(L.latLng(position[0], position[1]));
      map.panTo(position);
    } else if (!latInput.value.trim() && !lngInput.value.trim()) {
      unplace();
    }
  }
  latInput.addEventListener("input", fromInputs);
  lngInput.addEventListener("input", fromInputs);

  if (locate) {
    if (!("geolocation" in navigator)) {
      locate.hidden = true;
    } else {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        locate.disabled = true;
        say(holder.dataset.locating || "");
        navigator.geolocation.getCurrentPosition(function (position) {
          locate.disabled = false;
          var here = L.latLng(position.coords.latitude, position.coords.longitude);
          place(here);
          write(here);
          map.setView(here, Math.max(map.getZoom(), CLOSE));
          var metres = Math.round(position.coords.accuracy || 0);
          say(metres ? (holder.dataset.located || "").replace("{m}", String(metres)) : "");
        }, function (error) {
          locate.disabled = false;
          say(error.code === 1 ? holder.dataset.denied : holder.dataset.unavailable);
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }
  holder.dataset.ready = "1";
})();
