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

  document.addEventListener("DOMContentLoaded", function () {
    var textarea = document.getElementById("yaml-text");
    if (textarea) { gutter(textarea); }
    var form = document.getElementById("playlist-form");
    if (form) { livePreview(form); }
  });
})();
