// Announcements: plays the sound items of the screen's state at their times, on a screen
// declared with speakers (`sound: true` in screens.yaml). The server sends each sound item's
// plays of the day (Unix ms of its clock); the player's server clock (signagePlayer.serverNow)
// decides when one is due, so every screen of a group speaks together. A play found more than
// GRACE_MS late (the screen was off, or the page just opened) is skipped, not played late.
// An emergency message with a spoken version is read once when it appears (and once after a
// reload while it lasts), before any announcement waiting.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("player-config").textContent);
  var GRACE_MS = 15000;
  var CHECK_MS = 250;
  var done = {};  // what was played (or let pass) -> until when to remember it
  var KEEP_MS = 2 * 86400000;
  var queue = [];
  var playing = null;
  var started = false;
  var heard = [];
  var checks = 0;
  var cachedDigest = null;
  var MEDIA = "signage-media-v1";  // the player's media cache, kept by the service worker

  // Spoken files are named by their content; an audio file of the library carries its hash.
  function url(name, sha256) {
    return config.mediaUrl + name.split("/").map(encodeURIComponent).join("/") +
      (sha256 ? "?v=" + String(sha256).slice(0, 16) : "");
  }

  // Fetch every file of the day's announcements while online, so they play offline too.
  function cacheSounds(state) {
    if (cachedDigest === state.digest) { return; }
    cachedDigest = state.digest;
    forgetOld(window.signagePlayer.serverNow());
    if (!window.caches) { return; }
    var urls = [];
    (state.sounds || []).forEach(function (sound) {
      (sound.media || []).forEach(function (name) { urls.push(url(name, sound.sha256)); });
    });
    caches.open(MEDIA).then(function (cache) {
      urls.forEach(function (address) {
        cache.match(address).then(function (hit) {
          if (!hit) { cache.add(address).catch(function () { /* again with the next state */ }); }
        });
      });
    }).catch(function () { /* no cache storage: online only */ });
  }

  // A kiosk runs for months without a reload: forget plays of past days.
  function forgetOld(now) {
    Object.keys(done).forEach(function (key) {
      if (done[key] < now - KEEP_MS) { delete done[key]; }
    });
  }

  function check() {
    var player = window.signagePlayer;
    var state = player && player.state();
    checks += 1;
    if (!state || !state.screen || !state.screen.sound) { return; }
    var now = player.serverNow();
    cacheSounds(state);
    (player.overrides ? player.overrides() : []).forEach(function (override) {
      var key = "override:" + override.id;
      if (done[key]) { return; }
      done[key] = override.until * 1000;  // Unix seconds: spoken once while it lasts
      var media = spokenOverride(override, state.screen.languages || []);
      if (media.length) {
        queue.unshift({ id: key, at: now, media: media });
      }
    });
    (state.sounds || []).forEach(function (sound) {
      (sound.plays || []).forEach(function (at) {
        var key = sound.id + "@" + at;
        if (done[key] || at > now) { return; }
        done[key] = at;
        // What was due before the page had a state is history, not an announcement to make.
        if (started && now - at <= GRACE_MS) {
          queue.push({
            id: sound.id, at: at, media: (sound.media || []).slice(), sha256: sound.sha256
          });
        }
      });
    });
    started = true;
    next();
  }

  // The spoken versions of an override in the screen's languages, in order; the text for any
  // language ("*") when it has none of them.
  function spokenOverride(override, languages) {
    var messages = override.messages || {};
    var media = languages.filter(function (lang) {
      return messages[lang] && messages[lang].audio;
    }).map(function (lang) { return messages[lang].audio; });
    if (!media.length && messages["*"] && messages["*"].audio) { media.push(messages["*"].audio); }
    return media;
  }

  function next() {
    if (playing || !queue.length) { return; }
    var entry = queue.shift();
    entry.started = window.signagePlayer.serverNow();
    entry.parts = [];
    heard.push(entry);
    part(entry, 0);
  }

  function part(entry, index) {
    if (index >= entry.media.length) {
      playing = null;
      next();
      return;
    }
    var audio = new Audio(url(entry.media[index], entry.sha256));
    var record = { media: entry.media[index], playing: false, ended: false, error: false };
    entry.parts.push(record);
    playing = audio;
    var finished = false;
    function onward() {
      if (finished) { return; }
      finished = true;
      part(entry, index + 1);
    }
    audio.addEventListener("playing", function () { record.playing = true; });
    audio.addEventListener("ended", function () { record.ended = true; onward(); });
    audio.addEventListener("error", function () { record.error = true; onward(); });
    var promise = audio.play();
    if (promise && promise.catch) {
      promise.catch(function () { record.error = true; onward(); });
    }
  }

  if (!config.preview) { setInterval(check, CHECK_MS); }

  window.signageAnnouncer = {
    heard: heard,
    checks: function () { return checks; },
    playing: function () { return !!playing; }
  };
})();
