// Search-as-you-type pickers (issue 14): any <select> or <input> with
// data-picker="wilayah|pd|katalog|subkegiatan" gets a text box next to it where a person types
// a name (or a code) and chooses from what the server finds (/cari/<what>, at most 20 rows).
// The original element stays in the form, hidden, and still carries the submitted value: a
// select the chosen row's id (or its code when the options hold codes), an input its code
// (data-picker-value="id|kode" to say which). Typing or
// pasting a code and leaving the box submits that code as it is, for the server to check.
// Options: data-picker-parent="#id" (units below that field's unit), data-picker-tingkat="2",
// data-picker-bidang="#id" (catalogue items of that bidang). ARIA 1.2 combobox pattern:
// arrows move, Enter chooses, Escape closes (then clears), Tab leaves.
(function () {
  "use strict";
  var script = document.currentScript;
  var base = (script && script.dataset.base) || "/cari/";
  var text = {
    none: (script && script.dataset.none) || "No match",
    count: (script && script.dataset.count) || "{n} found",
    hint: (script && script.dataset.hint) || "Type a name or a code"
  };
  var counter = 0;

  function find(selector) {
    try { return selector ? document.querySelector(selector) : null; } catch (e) { return null; }
  }

  function enhance(original) {
    if (original.dataset.pickerReady) return;
    original.dataset.pickerReady = "1";
    var kind = original.dataset.picker;
    var isSelect = original.tagName === "SELECT";
    // the value a row submits: an input its code; a select what its options hold (ids, or
    // codes when they are codes); data-picker-value="id|kode" says it outright
    var useId = original.dataset.pickerValue ? original.dataset.pickerValue === "id" : isSelect && !Array.prototype.some.call(
      original.options, function (o) { return o.value && !/^\d+$/.test(o.value); });
    var id = (original.id || ("picker-" + (++counter))) + "-picker";
    var listId = id + "-list";

    var wrap = document.createElement("div");
    wrap.className = "picker";
    var box = document.createElement("input");
    box.type = "text";
    box.id = id;
    box.className = original.className.replace(/form-select/g, "form-control");
    box.setAttribute("role", "combobox");
    box.setAttribute("aria-autocomplete", "list");
    box.setAttribute("aria-expanded", "false");
    box.setAttribute("aria-controls", listId);
    box.setAttribute("autocomplete", "off");
    box.setAttribute("spellcheck", "false");
    box.placeholder = original.getAttribute("placeholder") || text.hint;
    var described = original.getAttribute("aria-describedby");
    if (described) box.setAttribute("aria-describedby", described);
    if (original.required) box.required = true;
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "picker-list";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");

    var label = original.id ? document.querySelector('label[for="' + original.id + '"]') : null;
    if (label) {
      label.htmlFor = id;
      if (!label.id) label.id = id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    } else if (original.getAttribute("aria-label")) {
      box.setAttribute("aria-label", original.getAttribute("aria-label"));
    }

    // the current value's text: a select's chosen option, or data-picker-label, or the code
    if (isSelect) {
      var chosen = original.options[original.selectedIndex];
      box.value = chosen && chosen.value ? chosen.text : "";
    } else {
      box.value = original.dataset.pickerLabel || original.value;
      original.type = "hidden";
    }
    if (isSelect) {
      original.hidden = true;
      original.setAttribute("aria-hidden", "true");
      original.tabIndex = -1;
      original.required = false;  // the box asks instead: a hidden control cannot be focused
    }
    original.parentNode.insertBefore(wrap, original);
    wrap.appendChild(box);
    wrap.appendChild(list);
    wrap.appendChild(status);
    wrap.appendChild(original);
    var shown = box.value;   // the text of the value the original carries
    var items = [], active = -1, timer = null, asked = 0;

    function url(q) {
      var params = new URLSearchParams();
      params.set("q", q);
      var parent = find(original.dataset.pickerParent);
      if (parent && parent.value) params.set("parent", parent.value);
      if (original.dataset.pickerTingkat) params.set("tingkat", original.dataset.pickerTingkat);
      var bidang = find(original.dataset.pickerBidang);
      if (bidang && bidang.value) params.set("bidang", bidang.value);
      return base + kind + "?" + params.toString();
    }

    function close() {
      list.hidden = true;
      box.setAttribute("aria-expanded", "false");
      box.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function mark(index) {
      var options = list.querySelectorAll('[role="option"]');
      options.forEach(function (el, i) { el.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && options[index]) {
        box.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({block: "nearest"});
      } else {
        box.removeAttribute("aria-activedescendant");
      }
    }

    function render(found) {
      items = found;
      list.textContent = "";
      if (!found.length) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = text.none;
        list.appendChild(empty);
      }
      found.forEach(function (item, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        li.dataset.value = String(useId ? item.id : item.kode);
        var main = document.createElement("span");
        main.textContent = item.label;
        li.appendChild(main);
        if (item.hint) {
          var small = document.createElement("small");
          small.textContent = item.hint;
          li.appendChild(small);
        }
        li.addEventListener("mousedown", function (event) { event.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      box.setAttribute("aria-expanded", "true");
      status.textContent = found.length ? text.count.replace("{n}", found.length) : text.none;
      mark(-1);
    }

    function search(q) {
      var mine = ++asked;
      fetch(url(q), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) { if (mine === asked && document.activeElement === box) render(data.items || []); })
        .catch(function () { /* offline: the box still submits what was typed */ });
    }

    function setValue(value, item) {
      if (isSelect) {
        var option = Array.prototype.find.call(original.options, function (o) { return o.value === value; });
        if (!option && value) {
          option = new Option(item ? item.label : value, value);
          original.add(option);
        }
        original.value = value;
      } else {
        original.value = value;
      }
      original.dataset.pickerBidangOf = item && item.bidang ? item.bidang : "";
      original.dispatchEvent(new Event("change", {bubbles: true}));
    }

    function choose(index) {
      var item = items[index];
      if (!item) return;
      setValue(String(useId ? item.id : item.kode), item);
      box.value = shown = item.label;
      box.removeAttribute("aria-invalid");
      close();
    }

    // what was typed, when nothing was chosen: the row whose code or name it is (a pasted
    // code, a whole name), or the only row found; else an input carries the text as it is
    // (the server names a wrong code) and a select keeps nothing and says so
    function settle() {
      var typed = box.value.trim();
      if (typed === shown) return;
      if (!typed) { setValue("", null); shown = ""; return; }
      if (!isSelect) { setValue(typed, null); shown = typed; }
      fetch(url(typed), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : {items: []}; })
        .then(function (data) {
          if (box.value.trim() !== typed) return;  // typed on meanwhile
          var found = data.items || [];
          var hit = found.filter(function (it) {
            return it.kode === typed || it.label.toLowerCase() === typed.toLowerCase();
          });
          if (hit.length !== 1 && found.length === 1) hit = found;
          if (hit.length === 1) {
            setValue(String(useId ? hit[0].id : hit[0].kode), hit[0]);
            box.value = shown = hit[0].label;
            box.removeAttribute("aria-invalid");
          } else if (isSelect) {
            setValue("", null);
            shown = "";
            box.setAttribute("aria-invalid", "true");
          }
        })
        .catch(function () {});
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      var q = box.value.trim();
      timer = setTimeout(function () { search(q); }, 180);
    });
    box.addEventListener("keydown", function (event) {
      var open = !list.hidden;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (!open || event.altKey) { search(box.value.trim() === shown ? "" : box.value.trim()); return; }
        mark(Math.min(active + 1, items.length - 1));
      } else if (event.key === "ArrowUp") {
        if (open) { event.preventDefault(); mark(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        if (open && active >= 0) { event.preventDefault(); choose(active); }
        else if (open) { close(); settle(); }
        else { settle(); }
      } else if (event.key === "Escape") {
        if (open) { event.preventDefault(); close(); }
        else if (box.value) { event.preventDefault(); box.value = ""; }
      } else if (event.key === "Tab") {
        if (open && active >= 0) choose(active);
        close();
      }
    });
    box.addEventListener("blur", function () { close(); settle(); });
    box.addEventListener("click", function () {
      if (list.hidden) search(box.value.trim() === shown ? "" : box.value.trim());
    });
    // a form submitted with Enter in the box carries what was typed
    if (original.form) original.form.addEventListener("submit", function () {
      var typed = box.value.trim();
      if (!isSelect && typed !== shown) original.value = typed;
    });
    // a catalogue item of another bidang does not stay chosen when the bidang changes
    var bidangField = find(original.dataset.pickerBidang);
    if (bidangField) bidangField.addEventListener("change", function () {
      var of = original.dataset.pickerBidangOf;
      if (of && bidangField.value && of !== bidangField.value) {
        setValue("", null);
        box.value = shown = "";
      }
    });
    // a unit narrowed by a parent field: a new parent empties the choice below it
    var parentField = find(original.dataset.pickerParent);
    if (parentField) parentField.addEventListener("change", function () {
      if (original.value) { setValue("", null); box.value = shown = ""; }
    });
  }

  function start() {
    document.querySelectorAll("select[data-picker], input[data-picker]").forEach(enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
