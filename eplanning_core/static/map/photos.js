/* Photos open large in a dialog over the page (Esc, the button or a click beside the photo
   closes it). Without <dialog> support or JavaScript each thumbnail is a link to the photo. */
(function () {
  "use strict";
  var dialog = document.getElementById("photo-large");
  if (!dialog || typeof dialog.showModal !== "function") { return; }
  var image = dialog.querySelector("img");
  document.querySelectorAll("a[data-large]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
      event.preventDefault();
      var thumb = link.querySelector("img");
      image.src = link.href;
      image.alt = thumb ? thumb.alt : "";
      dialog.showModal();
    });
  });
  dialog.addEventListener("click", function (event) {
    if (event.target === dialog) { dialog.close(); }
  });
  dialog.addEventListener("close", function () { image.removeAttribute("src"); });
})();
