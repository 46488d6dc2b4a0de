/* The emergency preview page (framed by the emergency page): draws the draft it receives by
   postMessage from the console page of the same origin with the player's own override view. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("preview-config").getAttribute("data-config"));
  var box = document.getElementById("alert");
  window.addEventListener("message", function (event) {
    if (event.origin !== window.location.origin || !event.data || event.data.kind !== "draft") { return; }
    var messages = event.data.messages || {};
    if (!Object.keys(messages).length) {
      box.hidden = true;
      return;
    }
    window.signageOverrideView.render(box, { messages: messages }, config.languages);
    box.hidden = false;
  });
  if (window.parent !== window) { window.parent.postMessage({ kind: "preview-ready" }, window.location.origin); }
})();
