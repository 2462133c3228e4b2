// The work list's selection (issue 14, point 2). Without this script the list still works:
// tick rows or "select all N matching", choose an action, Preview opens the confirmation page.
// This adds: shift-click to tick a range, a box ticking the whole page, the count and amount
// ticked, only the fields the chosen action needs, and the preview in a dialog over the list
// (one page load less); Confirm inside it is the confirmation page's own form.
(function () {
  "use strict";
  var form = document.getElementById("bulk");
  if (!form) { return; }
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="pilih"]'));
  var all = document.getElementById("semua");
  var pageBox = document.getElementById("pilih-halaman");
  var count = document.getElementById("bulk-count");
  var action = document.getElementById("aksi");
  var last = null;  // the box clicked before: a shift-click ticks the range up to it

  function rupiah(n) {
    return "Rp " + new Intl.NumberFormat("id-ID").format(n);
  }
  function update() {
    if (!count) { return; }
    // the texts come translated from the page (data-none, data-ticked, data-all)
    if (all && all.checked) {
      count.textContent = count.dataset.all.replace("{n}", form.dataset.total);
      return;
    }
    var ticked = boxes.filter(function (b) { return b.checked; });
    var amount = ticked.reduce(function (s, b) { return s + Number(b.dataset.amount || 0); }, 0);
    count.textContent = ticked.length
      ? count.dataset.ticked.replace("{n}", ticked.length).replace("{amount}", rupiah(amount))
      : count.dataset.none;
    if (pageBox) {
      pageBox.checked = ticked.length === boxes.length && boxes.length > 0;
      pageBox.indeterminate = ticked.length > 0 && ticked.length < boxes.length;
    }
  }
  boxes.forEach(function (box) {
    box.addEventListener("click", function (event) {
      if (event.shiftKey && last && last !== box) {
        var a = boxes.indexOf(last), b = boxes.indexOf(box);
        boxes.slice(Math.min(a, b), Math.max(a, b) + 1).forEach(function (x) { x.checked = box.checked; });
      }
      last = box;
      if (all && !box.checked) { all.checked = false; }
      update();
    });
  });
  if (pageBox) {
    pageBox.hidden = false;
    pageBox.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = pageBox.checked; });
      if (all && !pageBox.checked) { all.checked = false; }
      update();
    });
  }
  if (all) {
    all.addEventListener("change", function () {
      if (all.checked) { boxes.forEach(function (b) { b.checked = true; }); }
      update();
    });
  }
  function fields() {
    if (!action) { return; }
    var option = action.options[action.selectedIndex];
    if (!option) { return; }
    var wanted = (option.dataset.inputs || "").split(" ");
    form.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.dataset.field;
      el.hidden = name === "alasan" ? false : wanted.indexOf(name) < 0;
    });
    var reason = document.getElementById("alasan");
    if (reason) { reason.required = option.dataset.reason === "1"; }
    var button = document.getElementById("bulk-preview-button");
    if (button) {
      button.classList.toggle("btn-danger", option.dataset.destructive === "1");
      button.classList.toggle("btn-primary", option.dataset.destructive !== "1");
    }
  }
  if (action) { action.addEventListener("change", fields); fields(); }

  var dialog = document.getElementById("bulk-dialog");
  var body = document.getElementById("bulk-dialog-body");
  if (dialog && body && typeof dialog.showModal === "function" && window.fetch && window.DOMParser) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = document.getElementById("bulk-preview-button");
      if (button) { button.disabled = true; }
      fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin",
                          headers: {"Accept": "text/html"}})
        .then(function (response) { return response.text(); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var preview = doc.getElementById("bulk-preview");
          if (!preview) { form.submit(); return; }
          body.replaceChildren(document.importNode(preview, true));
          body.querySelectorAll("[data-close]").forEach(function (link) {
            link.addEventListener("click", function (e) { e.preventDefault(); dialog.close(); });
          });
          dialog.showModal();
          var confirm = document.getElementById("bulk-confirm-button");
          if (confirm) { confirm.focus(); }
        })
        .catch(function () { form.submit(); })
        .finally(function () { if (button) { button.disabled = false; } });
    });
  }
  update();
})();
