// Pickers, enhanced: the place select becomes a province → city → county cascade, and the
// search pickers (majors, occupations, employers) become comboboxes that answer while typing. Every form
// works without this file: each picker is a plain select or a search that submits the form.
"use strict";
(function () {
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function labelled(id, text, select) {
    var wrap = el("div", { "class": "picker-level" });
    wrap.appendChild(el("label", { "for": id }, text));
    wrap.appendChild(select);
    return wrap;
  }
  function fill(select, items, first) {
    select.textContent = "";
    select.appendChild(el("option", { value: "" }, first));
    items.forEach(function (i) { select.appendChild(el("option", { value: i[0] }, i[1])); });
  }

  // Province → city → county, from the grouped select's groups and /api/v1/ref/regions.
  function region(box) {
    var original = box.querySelector("select");
    if (!original) return;
    var name = original.getAttribute("name"), value = original.value;
    var d = box.dataset, base = original.id;
    var groups = Array.prototype.slice.call(original.querySelectorAll("optgroup"));
    var hidden = el("input", { type: "hidden", name: name, value: value });
    var prov = el("select", { id: base + "_p" });
    var city = el("select", { id: base + "_c" });
    var county = el("select", { id: base + "_x" });
    if (original.required) { prov.required = true; city.required = true; }
    var described = original.getAttribute("aria-describedby");
    if (described) prov.setAttribute("aria-describedby", described);
    fill(prov, groups.map(function (g) { return [g.dataset.code, g.label]; }), d.l1);
    var status = el("p", { "class": "hint", role: "status" });
    function cities(code) {
      var g = groups.filter(function (x) { return x.dataset.code === code; })[0];
      var opts = g ? Array.prototype.slice.call(g.querySelectorAll("option")) : [];
      // Counties kept from an earlier choice show as "city · county": not a city.
      fill(city, opts.filter(function (o) { return o.textContent.indexOf(" · ") < 0; })
        .map(function (o) { return [o.value, o.textContent]; }), d.l2);
      city.disabled = !code;
    }
    var asked = 0;
    function counties(code, chosen) {
      var n = ++asked;
      fill(county, [], d.l4);
      county.disabled = true;
      status.textContent = "";
      if (!code || code.slice(4) !== "00") return;
      getJSON("/api/v1/ref/regions?parent=" + encodeURIComponent(code) + "&limit=100").then(function (r) {
        if (n !== asked) return;
        var items = (r.items || []).map(function (i) { return [i.code, i.name]; });
        fill(county, items, d.l4);
        county.disabled = items.length === 0;
        if (chosen) county.value = chosen;
      }).catch(function () { if (n === asked) status.textContent = d.l5; });
    }
    function sync() { hidden.value = county.value || city.value || ""; }
    prov.addEventListener("change", function () { cities(prov.value); counties(""); sync(); });
    city.addEventListener("change", function () { counties(city.value); sync(); });
    county.addEventListener("change", sync);
    // The current value: a city, or a county under a city of the groups.
    if (value) {
      var p = value.slice(0, 2) + "0000";
      prov.value = p;
      cities(p);
      var asCity = Array.prototype.some.call(city.options, function (o) { return o.value === value; });
      var parent = value.slice(0, 4) + "00";
      if (asCity) { city.value = value; counties(value); }
      else { city.value = parent; counties(parent, value); }
    } else {
      cities("");
      counties("");
    }
    var label = box.querySelector("label");
    var group = el("fieldset", { "class": "picker-cascade" });
    group.appendChild(el("legend", {}, label ? label.textContent : ""));
    group.appendChild(labelled(prov.id, d.l1, prov));
    group.appendChild(labelled(city.id, d.l2, city));
    group.appendChild(labelled(county.id, d.l3, county));
    group.appendChild(status);
    group.appendChild(hidden);
    if (label) label.remove();
    original.remove();
    box.insertBefore(group, box.firstChild);
  }

  // A search picker as a combobox: type, pick with Up/Down and Enter, Escape closes.
  function search(box) {
    var input = box.querySelector("input[type=search]");
    var field = box.querySelector("input[type=hidden]");
    var chosen = box.querySelector(".picker-chosen");
    if (!input || !field || !chosen) return;
    var kind = box.dataset.picker, multiple = box.dataset.multiple === "true";
    var id = input.id + "_list";
    var list = el("ul", { id: id, role: "listbox", "class": "picker-list", hidden: "" });
    var live = el("p", { "class": "sr-only", role: "status" });
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", id);
    input.parentNode.parentNode.insertBefore(list, input.parentNode.nextSibling);
    box.appendChild(live);
    var find = box.querySelector(".picker-find");
    if (find) find.hidden = true;
    var items = [], active = -1, timer = null, asked = 0;

    function codes() { return field.value ? field.value.split(",") : []; }
    function close() {
      list.hidden = true; input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant"); active = -1;
    }
    function mark(i) {
      active = i;
      Array.prototype.forEach.call(list.children, function (li, n) {
        li.setAttribute("aria-selected", n === i ? "true" : "false");
      });
      if (i >= 0 && list.children[i]) {
        input.setAttribute("aria-activedescendant", list.children[i].id);
        list.children[i].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function show(found) {
      items = found; list.textContent = "";
      found.forEach(function (it, n) {
        var li = el("li", { id: id + "_" + n, role: "option", "aria-selected": "false" }, it[1]);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(n); });
        list.appendChild(li);
      });
      list.hidden = found.length === 0;
      input.setAttribute("aria-expanded", found.length ? "true" : "false");
      live.textContent = found.length ? found.length + " ↓" : box.dataset.noMatch;
      mark(-1);
    }
    function chip(value, text) {
      var li = el("li", { "data-value": value });
      li.appendChild(el("span", {}, text));
      li.appendChild(document.createTextNode(" "));
      var b = el("button", { type: "button", "class": "secondary", "aria-label": box.dataset.remove + "：" + text }, box.dataset.remove);
      li.appendChild(b);
      return li;
    }
    function refreshNone() {
      var none = chosen.querySelector(".picker-none");
      var any = chosen.querySelector("li[data-value]");
      if (any && none) none.remove();
      if (!any && !none) chosen.appendChild(el("li", { "class": "picker-none" }, box.dataset.none));
    }
    function choose(n) {
      var it = items[n];
      if (!it) return;
      var list2 = multiple ? codes() : [];
      if (list2.indexOf(it[0]) < 0) list2.push(it[0]);
      field.value = list2.join(",");
      if (!multiple) Array.prototype.forEach.call(chosen.querySelectorAll("li[data-value]"), function (li) { li.remove(); });
      if (!chosen.querySelector('li[data-value="' + it[0] + '"]')) chosen.appendChild(chip(it[0], it[1]));
      refreshNone();
      live.textContent = it[1];
      input.value = "";
      close();
    }
    chosen.addEventListener("click", function (e) {
      var b = e.target.closest("button");
      if (!b) return;
      var li = b.closest("li[data-value]");
      if (!li) return;
      e.preventDefault();
      var v = li.dataset.value;
      field.value = codes().filter(function (c) { return c !== v; }).join(",");
      li.remove();
      refreshNone();
      input.focus();
    });
    function ask(q) {
      var n = ++asked, e = encodeURIComponent(q);
      var urls = kind === "majors"
        ? ["/api/v1/ref/undergraduate_majors?limit=15&q=" + e, "/api/v1/ref/vocational_majors?limit=15&q=" + e]
        : kind === "occupation"
          ? ["/api/v1/occupations/suggestions?limit=10&title=" + e]
          : ["/api/v1/employers?limit=15&q=" + e];
      Promise.all(urls.map(getJSON)).then(function (answers) {
        if (n !== asked) return;
        var found = [];
        answers.forEach(function (a, i) {
          (a.items || []).forEach(function (x) {
            if (kind === "majors") {
              if (x.level >= 2) found.push([x.code, x.name + "（" + (i === 0 ? "本科" : "高职专科") + " " + x.code + "）"]);
            } else if (kind === "occupation") {
              if (x.level === 4) found.push([x.code, x.name + "（" + x.code + "）"]);
            } else found.push([x.credit_code, x.name + "（" + x.credit_code + "）"]);
          });
        });
        show(found);
      }).catch(function () { show([]); });
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      var q = input.value.trim();
      if (!q) { show([]); close(); return; }
      timer = setTimeout(function () { ask(q); }, 200);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden;
      if (e.key === "ArrowDown") {
        e.preventDefault();
        if (!open && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        if (items.length) mark(Math.min(active + 1, items.length - 1));
      } else if (e.key === "ArrowUp") {
        e.preventDefault();
        if (items.length) mark(Math.max(active - 1, 0));
      } else if (e.key === "Enter") {
        // Enter picks; it never submits the form from the search box.
        e.preventDefault();
        if (open && active >= 0) choose(active);
        else if (open && items.length === 1) choose(0);
        else if (input.value.trim()) ask(input.value.trim());
      } else if (e.key === "Escape") {
        if (open) { e.preventDefault(); close(); }
      }
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-picker="region"]'), region);
    Array.prototype.forEach.call(document.querySelectorAll("fieldset.picker-search"), search);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
