/* The emergency page: keeps the preview in step with the form, and marks screens as they
   acknowledge a message (`ack` pushed on the Socket.IO namespace /console). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("emergency-config").getAttribute("data-config"));
  var form = document.getElementById("compose");
  var frame = document.getElementById("preview");

  function draft() {
    var messages = {};
    Array.prototype.forEach.call(form.querySelectorAll("[data-lang]"), function (field) {
      var lang = field.getAttribute("data-lang");
      var value = field.value.trim();
      if (!value) { return; }
      messages[lang] = messages[lang] || { headline: "", body: "" };
      messages[lang][field.getAttribute("data-part")] = value;
    });
    return messages;
  }

  function preview() {
    if (!frame || !frame.contentWindow) { return; }
    frame.contentWindow.postMessage({ kind: "draft", messages: draft() }, window.location.origin);
  }

  if (form && frame) {
    form.addEventListener("input", preview);
    frame.addEventListener("load", preview);
    window.addEventListener("message", function (event) {
      if (event.origin === window.location.origin && event.data && event.data.kind === "preview-ready") { preview(); }
    });
  }

  function acknowledged(message) {
    var article = document.getElementById("override-" + message.override);
    if (!article) { return; }
    var item = article.querySelector('li[data-screen="' + CSS.escape(message.screen) + '"]');
    if (!item || item.getAttribute("data-acknowledged") === "true") { return; }
    item.setAttribute("data-acknowledged", "true");
    var label = item.querySelector("[data-ack-label]");
    label.className = "badge ok";
    label.textContent = config.text.shown;
    var count = article.querySelector(".ack-count");
    var done = article.querySelectorAll('li[data-acknowledged="true"]').length;
    count.textContent = config.text.count
      .replace("%(done)s", done).replace("%(total)s", count.getAttribute("data-total"));
  }

  if (document.querySelector("[data-override]")) {
    var socket = io("/console", { transports: ["websocket", "polling"] });
    socket.on("ack", acknowledged);
    // On (re)connection the board brings every acknowledgement so far: none is missed while
    // the page was loading or the connection was down.
    socket.on("board", function (board) {
      Object.keys(board.acks || {}).forEach(function (id) {
        Object.keys(board.acks[id]).forEach(function (screen) {
          acknowledged({ override: Number(id), screen: screen });
        });
      });
    });
  }
})();
