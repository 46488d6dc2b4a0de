/* Signage player.

   Rotates the screen's playlist against the server clock, so that every screen of a group shows
   the same slide at the same moment without a message per slide: with the cycle made of the
   item durations, the slide on screen is the one whose slot contains
   (server_now - epoch) mod cycle. The server clock is estimated from Socket.IO round trips.
   Shows overrides full screen, reports heartbeats and proof of play, and keeps playing from
   local storage and the service worker cache while the server is unreachable.

   Enrollment: the screen's credential (a token) is kept in local storage and sent with every
   connection. Without one, or when the server refuses or revokes it, the player shows a pairing
   code over the rotation and polls until an admin approved the code, then keeps the token it
   receives. Reports are only sent while enrolled (the server would not believe them).

   Written for Chromium several years old: ES2017, no framework, no build step. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  // The console's preview: a given state at a given moment, no server connection, nothing kept.
  var preview = config.preview || null;
  var prefix = "signage:" + config.screen + ":";
  var PLAY_QUEUE_LIMIT = 5000;
  var PLAY_BATCH = 200;
  var CLOCK_SAMPLES = 5;
  var PAGES = "signage-pages-v1";
  var MEDIA = "signage-media-v1";

  var layers = [document.getElementById("layer-a"), document.getElementById("layer-b")];
  var alertBox = document.getElementById("alert");
  var ticker = document.getElementById("ticker");
  var tickerTrack = document.getElementById("ticker-track");
  var connection = document.getElementById("connection");

  var state = null;
  var overrides = {};
  var offset = load("offset", 0);
  var bestRtt = Infinity;
  var socket = null;
  var front = 0;
  var shownKey = null;
  var preparedKey = null;
  var current = null;
  var timer = null;
  var alertKey = null;
  var flushing = false;
  var switches = [];
  var acked = {};
  var acking = {};
  var token = load("token", null);
  var enrolled = false;
  var pairingTimer = null;
  var pairingBox = document.getElementById("pairing");
  var PAIRING_POLL_MS = 3000;
  // What the pairing panel says, in the screen's languages (Vietnamese first, then English).
  var PAIRING_TEXTS = {
    vi: {
      title: "Màn hình này chưa được ghép nối",
      body: "Quản trị viên: nhập mã này ở trang Màn hình của bảng điều khiển " +
        "(hoặc chạy bluezone-signage screens approve MÃ)."
    },
    en: {
      title: "This screen is not paired yet",
      body: "Admin: enter this code on the Screens page of the console " +
        "(or run bluezone-signage screens approve CODE)."
    }
  };

  function save(name, value) {
    if (preview) { return; }
    try { localStorage.setItem(prefix + name, JSON.stringify(value)); } catch (e) { /* full */ }
  }

  function load(name, fallback) {
    try {
      var text = localStorage.getItem(prefix + name);
      return text === null ? fallback : JSON.parse(text);
    } catch (e) {
      return fallback;
    }
  }

  function serverNow() { return Date.now() + offset; }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  /* ---- rotation ---- */

  function slides() {
    if (!state || !state.items) { return []; }
    return state.items.filter(function (item) { return item.kind !== "ticker"; });
  }

  function lengthOf(item) { return Math.max(1, Number(item.duration) || 1) * 1000; }

  function slotAt(now) {
    var list = slides();
    if (!list.length) { return null; }
    var cycle = list.reduce(function (sum, item) { return sum + lengthOf(item); }, 0);
    var elapsed = now - (state.epoch || 0);
    var round = Math.floor(elapsed / cycle);
    var position = elapsed - round * cycle;
    var start = 0;
    for (var index = 0; index < list.length; index++) {
      var length = lengthOf(list[index]);
      if (position < start + length) {
        return {
          item: list[index],
          slot: round + ":" + index,
          key: state.digest + ":" + round + ":" + index,
          endsAt: now - position + start + length
        };
      }
      start += length;
    }
    return null;
  }

  function tick() {
    clearTimeout(timer);
    var slot = slotAt(serverNow());
    if (slot && slot.key !== shownKey) {
      show(slot);
    } else if (!slot && shownKey !== null) {
      clear();
    }
    renderAlert(serverNow());
    var wait = slot ? slot.endsAt - serverNow() : 1000;
    timer = setTimeout(tick, Math.max(5, Math.min(wait, 1000)));
  }

  function show(slot) {
    var back = 1 - front;
    if (preparedKey !== slot.key) { render(layers[back], slot.item); }
    preparedKey = null;
    finishPlay();
    layers[back].classList.add("shown");
    layers[front].classList.remove("shown");
    stopMedia(layers[front]);
    startMedia(layers[back]);
    front = back;
    shownKey = slot.key;
    current = { item: slot.item.id, version: state.version, shownAt: serverNow() };
    document.body.setAttribute("data-item", slot.item.id);
    switches.push({ slot: slot.slot, key: slot.key, item: slot.item.id, at: Date.now(), server: serverNow() });
    if (switches.length > 200) { switches.shift(); }
    // Prepare the next slide once the cross-fade is over, so it is loaded before its turn.
    setTimeout(prepareNext, 700);
  }

  function prepareNext() {
    var slot = slotAt(serverNow());
    if (!slot) { return; }
    var next = slotAt(slot.endsAt + 1);
    if (!next || next.key === preparedKey || next.key === shownKey) { return; }
    render(layers[1 - front], next.item);
    preparedKey = next.key;
  }

  function clear() {
    finishPlay();
    layers.forEach(function (layer) { stopMedia(layer); layer.classList.remove("shown"); });
    shownKey = null;
    preparedKey = null;
    document.body.removeAttribute("data-item");
  }

  /* ---- rendering ---- */

  function mediaUrl(item) {
    return config.mediaUrl + item.media.split("/").map(encodeURIComponent).join("/") +
      "?v=" + String(item.sha256 || "").slice(0, 16);
  }

  function qrUrl(item) { return config.qrUrl + "?data=" + encodeURIComponent(item.url); }

  function langBlock(entry, index, titleKey, bodyKey) {
    var block = element("div", index === 0 ? "lang-block" : "lang-block secondary");
    block.lang = entry.lang;
    if (entry[titleKey]) { block.appendChild(element("h1", "", entry[titleKey])); }
    if (bodyKey && entry[bodyKey]) { block.appendChild(element("p", "", entry[bodyKey])); }
    return block;
  }

  // A slide in three or more languages may be taller than the screen: shrink its blocks
  // together, in small steps (never below half size), so that no language is cut off.
  function fitText(layer) {
    var blocks = layer.children;
    var scale = 1;
    var i;
    for (i = 0; i < blocks.length; i++) { blocks[i].style.zoom = ""; }
    if (!layer.clientHeight) { return; }
    while (scale > 0.5 && layer.scrollHeight > layer.clientHeight + 1) {
      scale = Math.round((scale - 0.05) * 100) / 100;
      for (i = 0; i < blocks.length; i++) { blocks[i].style.zoom = String(scale); }
    }
  }

  function fitWhenReady(layer) {
    fitText(layer);
    if (document.fonts && document.fonts.status !== "loaded") {
      document.fonts.ready.then(function () { fitText(layer); });
    }
  }

  function render(layer, item) {
    stopMedia(layer);
    layer.textContent = "";
    layer.className = "layer kind-" + item.kind + (layer.classList.contains("shown") ? " shown" : "");
    layer.setAttribute("data-item", item.id);
    var content = item.content || [];
    if (item.kind === "text") {
      content.forEach(function (entry, i) { layer.appendChild(langBlock(entry, i, "title", "body")); });
      fitWhenReady(layer);
    } else if (item.kind === "image") {
      var image = element("img");
      image.alt = "";
      image.src = mediaUrl(item);
      layer.appendChild(image);
      content.filter(function (e) { return e.caption; }).forEach(function (entry, i) {
        var caption = element("div", i === 0 ? "caption" : "caption secondary", entry.caption);
        caption.lang = entry.lang;
        layer.appendChild(caption);
      });
    } else if (item.kind === "video") {
      var video = element("video");
      video.muted = true;
      video.setAttribute("muted", "");
      video.setAttribute("playsinline", "");
      video.preload = "auto";
      video.src = mediaUrl(item);
      layer.appendChild(video);
    } else if (item.kind === "qr") {
      var code = element("div", "qr-code");
      var picture = element("img");
      picture.alt = item.short_url || item.url;
      picture.src = qrUrl(item);
      code.appendChild(picture);
      layer.appendChild(code);
      var text = element("div", "qr-text");
      content.forEach(function (entry, i) { text.appendChild(langBlock(entry, i, "title", "caption")); });
      text.appendChild(element("div", "short-url", item.short_url || item.url));
      layer.appendChild(text);
    } else if (item.kind === "html") {
      content.forEach(function (entry, i) {
        var block = element("div", i === 0 ? "lang-block" : "lang-block secondary");
        block.lang = entry.lang;
        // Sanitized on the server by the playlist loader before it is ever sent.
        block.innerHTML = entry.html;
        layer.appendChild(block);
      });
      fitWhenReady(layer);
    } else if (item.kind === "clock") {
      var first = content[0] || {};
      var clock = element("div", "clock-time");
      clock.setAttribute("data-timezone", item.timezone || "Asia/Ho_Chi_Minh");
      clock.setAttribute("data-lang", first.lang || "vi");
      layer.appendChild(clock);
      layer.appendChild(element("div", "clock-date"));
      if (first.caption) { layer.appendChild(element("div", "clock-caption", first.caption)); }
      updateClock(layer);
    }
  }

  function updateClock(layer) {
    var clock = layer.querySelector(".clock-time");
    if (!clock) { return; }
    var zone = clock.getAttribute("data-timezone");
    var lang = clock.getAttribute("data-lang");
    var at = new Date(serverNow());
    try {
      clock.textContent = new Intl.DateTimeFormat(lang, {
        hour: "2-digit", minute: "2-digit", hour12: false, timeZone: zone
      }).format(at);
      layer.querySelector(".clock-date").textContent = new Intl.DateTimeFormat(lang, {
        weekday: "long", day: "numeric", month: "long", year: "numeric", timeZone: zone
      }).format(at);
    } catch (e) {
      clock.textContent = at.toTimeString().slice(0, 5);
    }
  }

  function startMedia(layer) {
    var video = layer.querySelector("video");
    if (video) {
      video.currentTime = 0;
      var playing = video.play();
      if (playing && playing.catch) { playing.catch(function () { /* shown as a still */ }); }
    }
  }

  function stopMedia(layer) {
    var video = layer.querySelector("video");
    if (video) { video.pause(); }
  }

  function renderTicker() {
    var texts = [];
    ((state && state.items) || []).forEach(function (item) {
      if (item.kind !== "ticker") { return; }
      (item.content || []).forEach(function (entry) { if (entry.text) { texts.push(entry); } });
    });
    if (!texts.length) {
      ticker.hidden = true;
      document.body.classList.remove("with-ticker");
      return;
    }
    // One span per language, marked with its lang, so each text gets its own font stack.
    tickerTrack.textContent = "";
    texts.forEach(function (entry, index) {
      if (index) { tickerTrack.appendChild(document.createTextNode("     •     ")); }
      var span = element("span", "", entry.text);
      if (entry.lang) { span.lang = entry.lang; }
      tickerTrack.appendChild(span);
    });
    var line = tickerTrack.textContent;
    // A steady reading speed whatever the length: about eight characters a second.
    tickerTrack.style.animationDuration = Math.max(15, line.length / 8) + "s";
    ticker.hidden = false;
    document.body.classList.add("with-ticker");
  }

  /* ---- overrides ---- */

  function activeOverrides(now) {
    return Object.keys(overrides).map(function (id) { return overrides[id]; }).filter(function (o) {
      return !o.cancelled && o.starts * 1000 <= now && now < o.until * 1000;
    }).sort(function (a, b) { return (b.priority - a.priority) || (b.id - a.id); });
  }

  function renderAlert(now) {
    var list = activeOverrides(now);
    if (!list.length) {
      alertBox.hidden = true;
      alertKey = null;
      document.body.removeAttribute("data-override");
      return;
    }
    // Several overrides at once take turns of ten seconds, highest priority first.
    var chosen = list[Math.floor(now / 10000) % list.length];
    var key = chosen.id + ":" + chosen.until;
    document.body.setAttribute("data-override", String(chosen.id));
    acknowledge(chosen.id);
    if (key === alertKey) { return; }
    alertKey = key;
    window.signageOverrideView.render(alertBox, chosen, config.languages);
    alertBox.hidden = false;
  }

  /* Tell the server this override is on screen (the console shows who acknowledged); retried
     on the next tick until the server answers, again after a reconnection. */
  function acknowledge(id) {
    if (acked[id] || acking[id] || !enrolled || !socket || !socket.connected) { return; }
    acking[id] = true;
    socket.timeout(5000).emit("ack", { override: id }, function (error, reply) {
      delete acking[id];
      // Any answer settles it, except the refusal of a socket not believed (yet): that one is
      // sent again once the screen is enrolled (which clears `acked`).
      if (!error && reply && (reply.ok || enrolled)) { acked[id] = true; }
    });
  }

  function setOverrides(list) {
    overrides = {};
    (list || []).forEach(function (o) { overrides[o.id] = o; });
    save("overrides", list || []);
    alertKey = null;
    renderAlert(serverNow());
  }

  /* ---- state ---- */

  function applyState(message, fresh) {
    if (!message || !message.items) { return; }
    // An offline reload can offer an older cached copy than the one already held: keep the newer.
    if (state && message.server_time < state.server_time) { return; }
    if (fresh && bestRtt === Infinity && typeof message.server_time === "number") {
      offset = message.server_time - Date.now();
    }
    var changed = !state || state.digest !== message.digest;
    state = message;
    save("state", message);
    if (message.overrides) { setOverrides(message.overrides); }
    if (changed) {
      preparedKey = null;
      renderTicker();
      if (!preview) { cacheMedia(); }
    }
    tick();
  }

  function cacheMedia() {
    if (!window.caches || !state) { return; }
    var urls = [];
    state.items.forEach(function (item) {
      if (item.media) { urls.push(mediaUrl(item)); }
      if (item.kind === "qr" && item.url) { urls.push(qrUrl(item)); }
    });
    caches.open(MEDIA).then(function (cache) {
      urls.forEach(function (url) {
        cache.match(url).then(function (hit) {
          if (!hit) { cache.add(url).catch(function () { /* retried on the next state */ }); }
        });
      });
    }).catch(function () { /* no cache storage: online only */ });
  }

  function cachePage() {
    if (!window.caches) { return; }
    var urls = [location.href, config.stateUrl].concat(config.assets);
    caches.open(PAGES).then(function (cache) {
      urls.forEach(function (url) {
        fetch(url, { cache: "no-store" }).then(function (response) {
          if (response.ok) { cache.put(url, response); }
        }).catch(function () { /* offline: keep the older copy */ });
      });
    }).catch(function () { /* no cache storage */ });
  }

  /* ---- clock ---- */

  function setOffset(value) {
    var jump = Math.abs(value - offset) > 5;
    offset = value;
    save("offset", value);
    if (jump) { tick(); }
  }

  function syncClock() {
    var samples = 0;
    bestRtt = Infinity;
    function sample() {
      if (!socket.connected || samples >= CLOCK_SAMPLES) { return; }
      var sent = Date.now();
      socket.timeout(3000).emit("clock", {}, function (error, reply) {
        samples++;
        var received = Date.now();
        var rtt = received - sent;
        // The sample with the shortest round trip bounds the error best (half its round trip).
        if (!error && reply && typeof reply.now === "number" && rtt <= bestRtt) {
          bestRtt = rtt;
          setOffset(reply.now + rtt / 2 - received);
        }
        setTimeout(sample, 150);
      });
    }
    sample();
  }

  /* ---- reports ---- */

  function finishPlay() {
    if (!current) { return; }
    var end = serverNow();
    var queue = load("plays", []);
    queue.push({
      item: current.item,
      version: current.version || "",
      shown_at: current.shownAt / 1000,
      duration: Math.max(0, end - current.shownAt) / 1000
    });
    if (queue.length > PLAY_QUEUE_LIMIT) { queue.splice(0, queue.length - PLAY_QUEUE_LIMIT); }
    save("plays", queue);
    current = null;
  }

  function flushPlays() {
    if (flushing || !enrolled || !socket || !socket.connected) { return; }
    var batch = load("plays", []).slice(0, PLAY_BATCH);
    if (!batch.length) { return; }
    flushing = true;
    socket.timeout(10000).emit("played", batch, function (error, reply) {
      flushing = false;
      if (error || !reply) { return; }
      // Stored or refused as malformed: either way this batch is done with.
      var queue = load("plays", []);
      queue.splice(0, batch.length);
      save("plays", queue);
      if (queue.length) { setTimeout(flushPlays, 100); }
    });
  }

  function heartbeat() {
    if (!enrolled || !socket || !socket.connected) { return; }
    socket.emit("heartbeat", {
      item: current ? current.item : null,
      version: state ? state.version : null,
      width: window.innerWidth,
      height: window.innerHeight
    });
  }

  /* ---- enrollment ---- */

  function forget(name) {
    try { localStorage.removeItem(prefix + name); } catch (e) { /* storage unavailable */ }
  }

  function showPairing(code) {
    var texts = config.languages.filter(function (lang) { return PAIRING_TEXTS[lang]; });
    if (!texts.length) { texts = ["vi", "en"]; }
    document.getElementById("pairing-code").textContent = code;
    var box = document.getElementById("pairing-text");
    box.textContent = "";
    texts.forEach(function (lang, index) {
      var block = element("div", index === 0 ? "lang-block" : "lang-block secondary");
      block.lang = lang;
      block.appendChild(element("h2", "", PAIRING_TEXTS[lang].title));
      block.appendChild(element("p", "", PAIRING_TEXTS[lang].body));
      box.appendChild(block);
    });
    pairingBox.hidden = false;
    document.body.setAttribute("data-pairing", code);
  }

  function hidePairing() {
    clearTimeout(pairingTimer);
    pairingTimer = null;
    pairingBox.hidden = true;
    document.body.removeAttribute("data-pairing");
  }

  function pairLater(ms) {
    clearTimeout(pairingTimer);
    pairingTimer = setTimeout(pairStep, Math.max(500, ms));
  }

  /* One step of pairing: ask for a code when none is held (or it expired), else ask whether it
     was approved; repeated every few seconds until the credential arrives. */
  function pairStep() {
    pairingTimer = null;
    if (enrolled || !socket || !socket.connected) { return; }
    var pairing = load("pairing", null);
    if (!pairing || !pairing.secret || pairing.expires < serverNow() + 5000) {
      socket.timeout(5000).emit("pair", {}, function (error, reply) {
        if (!error && reply && reply.code && reply.secret) {
          save("pairing", { code: reply.code, secret: reply.secret, expires: reply.expires });
          showPairing(reply.code);
          pairLater(PAIRING_POLL_MS);
        } else {
          pairLater(reply && reply.retry_after ? reply.retry_after * 1000 : 5000);
        }
      });
      return;
    }
    showPairing(pairing.code);
    socket.timeout(5000).emit("pair_status", { secret: pairing.secret }, function (error, reply) {
      if (error || !reply) { pairLater(PAIRING_POLL_MS); return; }
      if (reply.state === "enrolled" && reply.token) {
        token = reply.token;
        save("token", token);
        forget("pairing");
        setEnrolled();
      } else if (reply.state === "unknown") {
        forget("pairing");
        pairLater(0);
      } else {
        pairLater(reply.retry_after ? reply.retry_after * 1000 : PAIRING_POLL_MS);
      }
    });
  }

  function setEnrolled() {
    enrolled = true;
    hidePairing();
    acked = {};
    heartbeat();
    flushPlays();
    renderAlert(serverNow());
  }

  function onEnrollment(message) {
    if (message && message.enrolled) {
      setEnrolled();
      return;
    }
    enrolled = false;
    if (message && message.refused) {
      // Revoked, replaced or never valid: forget it, pair again.
      token = null;
      forget("token");
    }
    if (!pairingTimer) { pairStep(); }
  }

  /* ---- connection ---- */

  function connect() {
    socket = io({
      // A function, so that every reconnection sends the credential held at that moment.
      auth: function (send) {
        var auth = { screen: config.screen, protocol: 2 };
        if (token) { auth.token = token; }
        send(auth);
      },
      transports: ["websocket", "polling"],
      reconnectionDelay: 1000,
      reconnectionDelayMax: 30000,
      randomizationFactor: 0.5,
      timeout: 10000
    });
    socket.on("connect", function () {
      connection.hidden = true;
      acked = {};
      // Holding a credential, the socket is believed unless the server says otherwise
      // (`enrollment {enrolled: false}` right after the programme).
      enrolled = !!token;
      if (enrolled) { hidePairing(); }
      syncClock();
      heartbeat();
      flushPlays();
    });
    socket.on("disconnect", function () {
      connection.hidden = false;
      clearTimeout(pairingTimer);
      pairingTimer = null;
    });
    socket.on("enrollment", onEnrollment);
    socket.on("connect_error", function (error) {
      connection.hidden = false;
      if (error && error.message === "screen not registered") {
        // Removed from the catalog: reload to show the "not registered yet" page.
        setTimeout(function () { location.reload(); }, 5000);
      }
    });
    socket.on("state", function (message) { applyState(message, true); });
    socket.on("overrides", setOverrides);
    socket.on("override", function (o) {
      overrides[o.id] = o;
      save("overrides", Object.keys(overrides).map(function (id) { return overrides[id]; }));
      alertKey = null;
      renderAlert(serverNow());
    });
    socket.on("override_end", function (message) {
      delete overrides[message.id];
      save("overrides", Object.keys(overrides).map(function (id) { return overrides[id]; }));
      alertKey = null;
      renderAlert(serverNow());
    });
  }

  function startPreview() {
    offset = preview.at - Date.now();
    applyState(preview.state, false);
    setInterval(function () { updateClock(layers[front]); }, 1000);
  }

  function start() {
    if (preview) {
      startPreview();
      return;
    }
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(config.workerUrl, { scope: config.workerScope })
        .catch(function () { /* not a secure context: online only */ });
    }
    var cached = load("state", null);
    if (cached) { applyState(cached, false); }
    setOverrides(load("overrides", []));
    if (!token) {
      // Not paired yet: show the code held from before at once, even before connecting.
      var held = load("pairing", null);
      if (held && held.code && held.expires > serverNow()) { showPairing(held.code); }
    }
    fetch(config.stateUrl, { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (message) { if (message) { applyState(message, true); } })
      .catch(function () { /* offline: the cached state plays on */ });
    cachePage();
    connect();
    setInterval(heartbeat, config.heartbeat * 1000);
    // Proof of play leaves in batches (every 30 s and on reconnection), not one message a slide.
    setInterval(flushPlays, 30000);
    setInterval(function () { if (socket.connected) { syncClock(); } }, 300000);
    setInterval(function () { updateClock(layers[front]); }, 1000);
    tick();
  }

  window.signagePlayer = {
    serverNow: serverNow,
    switches: switches,
    current: function () { return current; },
    state: function () { return state; },
    overrides: function () { return activeOverrides(serverNow()); },
    offset: function () { return offset; },
    connected: function () { return !!(socket && socket.connected); },
    enrolled: function () { return enrolled; }
  };

  start();
})();
