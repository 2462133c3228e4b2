// The desk's countdowns: "6 days, 14 hours left" kept current without reloading the page.
// The server renders the text first (in the user's language); this only updates the numbers.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "id";
  function unit(value, name) {
    try {
      return new Intl.NumberFormat(lang, {style: "unit", unit: name, unitDisplay: "long"}).format(value);
    } catch (e) {
      return String(value);
    }
  }
  function update() {
    var now = Date.now();
    document.querySelectorAll("[data-closes]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.dataset.closes) - now) / 60000));
      var days = Math.floor(left / 1440), hours = Math.floor((left % 1440) / 60), minutes = left % 60;
      var time = days ? unit(days, "day") + ", " + unit(hours, "hour") : unit(hours, "hour") + ", " + unit(minutes, "minute");
      el.textContent = el.dataset.template.replace("{time}", time);
    });
  }
  setInterval(update, 60000);
})();
