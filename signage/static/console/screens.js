/* The live screens board. Joins the Socket.IO namespace /console with the console session
   cookie and applies what the server pushes: `board` (everything, on connection and after
   screens.yaml changed), `screens` (changed rows) and `alerts` (offline / back online). No
   polling: without a connection the page says so and Socket.IO reconnects by itself. Rows say
   whether each screen is enrolled; for admins the pairing codes waiting for approval are listed
   from the same rows, each with its approve button (a plain form with the CSRF token). */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("board-config").getAttribute("data-config"));
  var text = config.text;
  var lang = document.documentElement.lang || "vi";
  var boardBody = document.querySelector("#board tbody");
  var strangerBody = document.querySelector("#strangers tbody");
  var alertList = document.getElementById("alerts");
  var pairingBody = document.querySelector("#pairings tbody");
  var live = document.getElementById("live");
  var rows = {};
  // The last row of each screen from the node it is connected to. With several nodes every
  // node's rows reach this page; a node the screen is not connected to sends it as online
  // `elsewhere`, without the slide, version and size that only the serving node knows.
  var served = {};
  var REPORTED = ["last_seen", "connected_at", "connections", "current_item", "current_label",
    "playlist_version", "expected_version", "screen_size", "user_agent"];

  function withReport(data) {
    if (!data.elsewhere) {
      if (data.online) { served[data.id] = data; } else { delete served[data.id]; }
      return data;
    }
    var from = served[data.id];
    if (!from) { return data; }
    var merged = {};
    Object.keys(data).forEach(function (key) { merged[key] = data[key]; });
    REPORTED.forEach(function (key) { merged[key] = from[key]; });
    merged.last_seen = Math.max(from.last_seen || 0, data.last_seen || 0) || null;
    return merged;
  }

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  function stamp(ms) {
    if (!ms) { return text.never; }
    var at = new Date(ms);
    var options = { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false, timeZone: config.timezone };
    if (new Date() - at > 20 * 3600 * 1000) { options.day = "numeric"; options.month = "numeric"; }
    try {
      return new Intl.DateTimeFormat(lang, options).format(at);
    } catch (e) {
      return at.toLocaleString();
    }
  }

  function cell(row, field, content) {
    var td = element("td", "", content);
    if (field) { td.setAttribute("data-field", field); }
    row.appendChild(td);
    return td;
  }

  function badge(online) {
    return element("span", "badge " + (online ? "ok" : "bad"), online ? text.online : text.offline);
  }

  function enrollment(data) {
    var pairing = data.pairing || [];
    var waiting = pairing.filter(function (p) { return !p.approved; }).map(function (p) { return p.code; });
    if (data.enrolled) { return element("span", "badge ok", text.enrolled); }
    if (waiting.length) {
      return element("span", "badge warn", text.waiting.replace("%(code)s", waiting.join(", ")));
    }
    // Approved: the screen collects its credential at its next poll, within seconds.
    if (pairing.length) { return element("span", "badge warn", text.approved); }
    return element("span", "badge bad", text.notEnrolled);
  }

  function postForm(action, fields, label, question) {
    var form = element("form", "inline");
    form.method = "post";
    form.action = action;
    if (question) { form.setAttribute("data-confirm", question); }
    fields.csrf_token = config.csrfToken;
    Object.keys(fields).forEach(function (name) {
      var input = element("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.appendChild(input);
    });
    var button = element("button", "", label);
    button.type = "submit";
    form.appendChild(button);
    return form;
  }

  /* What the screen shows now: the server's small drawing of the slide (its address names the
     screen and the item, so a new item loads a new picture) and the item's label. A slide the
     server cannot draw (an emergency message) keeps only the label. */
  function showing(data) {
    var box = document.createDocumentFragment();
    if (data.current_item) {
      var image = element("img", "slide-thumbnail");
      var portrait = data.orientation === "portrait";
      image.alt = "";
      image.width = portrait ? 108 : 192;
      image.height = portrait ? 192 : 108;
      image.setAttribute("data-item", data.current_item);
      image.addEventListener("error", function () { image.hidden = true; });
      image.src = config.thumbnailUrl.replace("SCREEN", encodeURIComponent(data.id))
        .replace("ITEM", encodeURIComponent(data.current_item));
      box.appendChild(image);
    }
    box.appendChild(element("span", "item-label", data.current_label || data.current_item || "—"));
    return box;
  }

  function screenRow(data) {
    var tr = element("tr");
    tr.id = "screen-" + data.id;
    tr.setAttribute("data-screen", data.id);
    tr.setAttribute("data-online", data.online ? "true" : "false");
    tr.setAttribute("data-enrolled", data.enrolled ? "true" : "false");
    cell(tr, "status").appendChild(badge(data.online));
    cell(tr, "enrollment").appendChild(enrollment(data));
    var who = cell(tr, "");
    who.appendChild(element("strong", "", data.name));
    who.appendChild(element("br"));
    who.appendChild(element("code", "", data.id));
    if (data.location) {
      who.appendChild(element("br"));
      who.appendChild(element("span", "muted", data.location));
    }
    cell(tr, "", (data.groups || []).map(function (g) { return config.groupNames[g] || g; }).join(", "));
    var playlist = cell(tr, "playlist", data.playlist_name || "—");
    if (data.playlist_version) {
      playlist.appendChild(document.createTextNode(" "));
      playlist.appendChild(element("code", "", data.playlist_version.slice(0, 8)));
      // The screen reports an older version than the server sent it: not caught up (yet).
      if (data.expected_version && data.playlist_version !== data.expected_version) {
        playlist.appendChild(document.createTextNode(" "));
        playlist.appendChild(element("span", "badge bad", text.outdated));
      }
    }
    cell(tr, "item").appendChild(showing(data));
    var size = data.screen_size;
    cell(tr, "size", size ? size.width + "×" + size.height : "—");
    var seen = cell(tr, "seen", stamp(data.last_seen ? data.last_seen * 1000 : 0));
    seen.setAttribute("data-ms", data.last_seen ? String(Math.round(data.last_seen * 1000)) : "");
    if (config.admin) {
      var link = element("a", "", text.groups);
      link.href = config.groupsUrl.replace("SCREEN", encodeURIComponent(data.id));
      var actions = cell(tr, "");
      actions.appendChild(link);
      if (data.enrolled) {
        actions.appendChild(document.createTextNode(" "));
        actions.appendChild(postForm(
          config.revokeUrl.replace("SCREEN", encodeURIComponent(data.id)), {}, text.revoke,
          text.revokeConfirm.replace("%(name)s", data.name)));
      }
    }
    return tr;
  }

  function strangerRow(data) {
    var tr = element("tr");
    tr.id = "stranger-" + data.id;
    tr.setAttribute("data-screen", data.id);
    cell(tr, "").appendChild(element("code", "", data.id));
    cell(tr, "address", data.address || "—");
    var seen = cell(tr, "seen", stamp(data.last_seen ? data.last_seen * 1000 : 0));
    seen.setAttribute("data-ms", data.last_seen ? String(Math.round(data.last_seen * 1000)) : "");
    if (config.admin) {
      var link = element("a", "button", text.register);
      link.href = config.registerUrl + "?id=" + encodeURIComponent(data.id);
      cell(tr, "").appendChild(link);
    }
    return tr;
  }

  function place(data) {
    var old = document.getElementById("screen-" + data.id) || document.getElementById("stranger-" + data.id);
    if (data.gone) {
      if (old) { old.remove(); }
      delete rows[data.id];
      delete served[data.id];
    } else {
      data = withReport(data);
      var fresh = data.registered ? screenRow(data) : strangerRow(data);
      var body = data.registered ? boardBody : strangerBody;
      if (old && old.parentNode === body) {
        body.replaceChild(fresh, old);
      } else {
        if (old) { old.remove(); }
        body.appendChild(fresh);
      }
      rows[data.id] = data;
    }
    summarise();
  }

  function renderPairings() {
    if (!pairingBody) { return; }
    pairingBody.textContent = "";
    var waiting = [];
    Object.keys(rows).forEach(function (id) {
      (rows[id].pairing || []).forEach(function (p) { if (!p.approved) { waiting.push(p); } });
    });
    waiting.sort(function (a, b) { return a.created - b.created; });
    waiting.forEach(function (p) {
      var tr = element("tr");
      tr.id = "pairing-" + p.code;
      tr.setAttribute("data-code", p.code);
      tr.setAttribute("data-screen", p.screen);
      cell(tr, "").appendChild(element("code", "pairing-code", p.code));
      cell(tr, "").appendChild(element("code", "", p.screen));
      cell(tr, "", p.address || "—");
      cell(tr, "", stamp(p.created * 1000));
      cell(tr, "").appendChild(postForm(config.approveUrl, { code: p.code },
        text.approve.replace("%(code)s", p.code)));
      pairingBody.appendChild(tr);
    });
    document.getElementById("no-pairings").hidden = waiting.length > 0;
  }

  function summarise() {
    var online = 0;
    var offline = 0;
    Object.keys(rows).forEach(function (id) {
      if (!rows[id].registered) { return; }
      if (rows[id].online) { online++; } else { offline++; }
    });
    document.getElementById("counts").textContent =
      "(" + text.counts.replace("%(up)s", online).replace("%(down)s", offline) + ")";
    document.getElementById("no-strangers").hidden = strangerBody.children.length > 0;
    renderPairings();
  }

  function alertItem(alert) {
    var li = element("li", "alert-item " + (alert.online ? "ok" : "bad"));
    li.setAttribute("data-screen", alert.screen);
    li.setAttribute("data-event", alert.event);
    li.appendChild(element("strong", "", alert.name));
    li.appendChild(document.createTextNode(" (" + alert.screen + "): " +
      (alert.online ? text.backOnline : text.wentOffline) + " "));
    li.appendChild(element("time", "", stamp(alert.changed_at)));
    return li;
  }

  function showAlerts(list, replace) {
    if (replace) { alertList.textContent = ""; }
    // `list` is newest first on `board`, oldest first in an `alerts` batch.
    var ordered = replace ? list.slice().reverse() : list;
    ordered.forEach(function (alert) { alertList.insertBefore(alertItem(alert), alertList.firstChild); });
    document.getElementById("no-alerts").hidden = alertList.children.length > 0;
  }

  function board(message) {
    boardBody.textContent = "";
    strangerBody.textContent = "";
    rows = {};
    message.screens.forEach(place);
    showAlerts(message.alerts || [], true);
    summarise();
  }

  // Times written by the server as data-ms are shown in the venue's time zone.
  Array.prototype.forEach.call(document.querySelectorAll("[data-ms]"), function (node) {
    var ms = Number(node.getAttribute("data-ms"));
    if (ms) { node.textContent = stamp(ms); }
  });

  var socket = io("/console", {
    transports: ["websocket", "polling"],
    reconnectionDelay: 1000,
    reconnectionDelayMax: 10000
  });
  socket.on("connect", function () { live.setAttribute("data-state", "live"); });
  socket.on("disconnect", function (reason) {
    live.setAttribute("data-state", "lost");
    // The server closes the socket when the session has ended (signed out here or
    // everywhere): reloading shows the sign-in page instead of a board that stopped.
    if (reason === "io server disconnect") { window.location.reload(); }
  });
  socket.on("connect_error", function () { live.setAttribute("data-state", "lost"); });
  socket.on("board", board);
  socket.on("screens", function (list) { list.forEach(place); });
  socket.on("alerts", function (list) { showAlerts(list, false); });

  window.screensBoard = {
    connected: function () { return socket.connected; },
    row: function (id) { return rows[id] || null; }
  };
})();
