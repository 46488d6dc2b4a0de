/* How an emergency override looks on a screen: shared by the player and the console's preview,
   so the preview is exactly what screens show.

   signageOverrideView.render(box, override, languages) fills `box` (the player's #alert) with
   the "Emergency notice" label and the override's text in each of `languages` that it has, in
   that order (the "*" text stands for the first language when that one has none), or its first
   text when none matches. ES2017, no framework. */
(function () {
  "use strict";

  var ALERT_LABEL = { vi: "Thông báo khẩn", en: "Emergency notice" };

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function block(message, lang, index) {
    var node = element("div", index === 0 ? "primary" : "secondary");
    if (lang) { node.lang = lang; }
    if (message.headline) { node.appendChild(element("h1", "", message.headline)); }
    if (message.body) { node.appendChild(element("p", "", message.body)); }
    return node;
  }

  function render(box, override, languages) {
    box.textContent = "";
    var order = languages && languages.length ? languages : ["vi"];
    var label = order.map(function (l) { return ALERT_LABEL[l]; }).filter(Boolean).join(" · ");
    if (label) { box.appendChild(element("div", "alert-label", label)); }
    var messages = override.messages || {};
    var shown = 0;
    order.forEach(function (lang) {
      var message = messages[lang] || (shown === 0 ? messages["*"] : null);
      if (!message) { return; }
      box.appendChild(block(message, lang, shown++));
    });
    if (!shown) {
      var any = Object.keys(messages)[0];
      if (any) { box.appendChild(block(messages[any], any === "*" ? "" : any, 0)); }
    }
  }

  window.signageOverrideView = { render: render };
})();
