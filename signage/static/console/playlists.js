/* Playlist pages: line numbers beside the YAML editor, and a live preview of the form editor.
   Everything works without this file; it only adds comfort. */
(function () {
  "use strict";

  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function gutter(textarea) {
    var box = textarea.parentNode.querySelector(".gutter");
    if (!box) { return; }
    var errors = (textarea.getAttribute("data-errors") || "").split(",").filter(Boolean);
    function draw() {
      var count = textarea.value.split("\n").length;
      var html = [];
      for (var n = 1; n <= count; n++) {
        var span = document.createElement("span");
        span.textContent = String(n);
        if (errors.indexOf(String(n)) >= 0) { span.className = "has-error"; }
        html.push(span);
      }
      box.textContent = "";
      html.forEach(function (span) { box.appendChild(span); });
      box.scrollTop = textarea.scrollTop;
    }
    textarea.addEventListener("input", draw);
    textarea.addEventListener("scroll", function () { box.scrollTop = textarea.scrollTop; });
    draw();
  }

  function livePreview(form) {
    var aside = document.querySelector(".live-preview");
    var frame = document.getElementById("live-preview");
    if (!aside || !frame || !window.fetch || !window.FormData) { return; }
    aside.hidden = false;
    form.parentNode.classList.add("with-preview");
    var timer = null;
    var sent = 0;
    function refresh() {
      var data = new FormData(form);
      data.delete("action");
      var mine = ++sent;
      fetch(form.getAttribute("data-preview"), {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRF-Token": csrf() }
      }).then(function (response) { return response.ok ? response.json() : null; })
        .then(function (reply) {
          if (!reply || mine !== sent) { return; }
          frame.src = form.getAttribute("data-frame") + "?orientation=landscape&draft=" +
            encodeURIComponent(reply.draft);
        }).catch(function () { /* the next change tries again */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 600);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
  }

  /* Moving and removing items in the page itself (without JavaScript the same buttons ask the
     server, which sends the form back rearranged). Fields are named after their position
     (items-0-..., items-1-...), so every item is renumbered afterwards. */
  function renumber(list) {
    var items = Array.prototype.slice.call(list.children).filter(function (node) {
      return node.classList.contains("item");
    });
    items.forEach(function (item, index) {
      var old = item.getAttribute("data-index");
      if (old !== String(index)) {
        var from = "items-" + old + "-";
        var to = "items-" + index + "-";
        Array.prototype.forEach.call(item.querySelectorAll("[name], [id], [for], [data-field]"), function (node) {
          ["name", "id", "for", "data-field"].forEach(function (attribute) {
            var value = node.getAttribute(attribute);
            if (value && value.indexOf(from) === 0) { node.setAttribute(attribute, to + value.slice(from.length)); }
          });
        });
        item.id = "items-" + index;
        item.setAttribute("data-index", String(index));
      }
      var legend = item.querySelector("legend[data-format]");
      if (legend) { legend.textContent = legend.getAttribute("data-format").replace("{n}", String(index + 1)); }
      var up = item.querySelector(".move-up");
      var down = item.querySelector(".move-down");
      var remove = item.querySelector(".remove");
      if (up) { up.value = "up:" + index; up.disabled = index === 0; }
      if (down) { down.value = "down:" + index; down.disabled = index === items.length - 1; }
      if (remove) { remove.value = "remove:" + index; }
    });
  }

  function rearrange(form) {
    var list = document.getElementById("items");
    if (!list) { return; }
    form.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("button[name=action]") : null;
      var found = button ? /^(up|down|remove):\d+$/.exec(button.value) : null;
      if (!found) { return; }
      event.preventDefault();
      var item = button.closest("li.item");
      if (found[1] === "up" && item.previousElementSibling) {
        list.insertBefore(item, item.previousElementSibling);
      } else if (found[1] === "down" && item.nextElementSibling) {
        list.insertBefore(item.nextElementSibling, item);
      } else if (found[1] === "remove") {
        list.removeChild(item);
      }
      renumber(list);
      if (found[1] !== "remove" && !button.disabled) { button.focus(); }
      form.dispatchEvent(new Event("change"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.getElementById("yaml-text");
    if (textarea) { gutter(textarea); }
    var form = document.getElementById("playlist-form");
    if (form) {
      livePreview(form);
      rearrange(form);
    }
  });
})();
