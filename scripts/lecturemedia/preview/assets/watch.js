// Live preview (make watch): reload this deck when it changes, on the slide it was on;
// show the build's error over the last good slides; show fresh scene stills (STILLS=1).
// Served by the watcher at /__watch/watch.js; it talks to /__watch/events (Server-Sent Events).
(function () {
  "use strict";
  var page = location.pathname.replace(/^.*\//, "");
  var deck = /\.html$/.test(page) && page !== "index.html" ? page.replace(/\.html$/, "") : null;
  var key = "lecturemedia-watch:" + location.pathname;

  function reveal() {
    return typeof window.Reveal !== "undefined" && window.Reveal.getIndices ? window.Reveal : null;
  }

  // ---- keep the slide across a reload
  function savePosition() {
    var r = reveal();
    if (r) sessionStorage.setItem(key, JSON.stringify(r.getIndices()));
  }

  function restorePosition() {
    var saved = sessionStorage.getItem(key);
    var r = reveal();
    if (!saved || !r) return;
    sessionStorage.removeItem(key);
    var at = JSON.parse(saved);
    var go = function () { r.slide(at.h, at.v, at.f); };
    if (r.isReady()) go(); else r.on("ready", go);
  }

  // ---- the error overlay
  function overlay() {
    var box = document.getElementById("lecturemedia-watch-error");
    if (box) return box;
    box = document.createElement("div");
    box.id = "lecturemedia-watch-error";
    box.setAttribute("role", "alert");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60%;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1em 1.5em;background:rgba(40,0,0,.92);color:#fff;border-top:4px solid #e33;" +
      "font:16px/1.4 monospace;white-space:pre-wrap;text-align:left";
    document.body.appendChild(box);
    return box;
  }

  function showError(message) {
    var box = overlay();
    box.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "The build failed; these are the last good slides.\n\n";
    box.appendChild(title);
    box.appendChild(document.createTextNode(message));
  }

  function clearError() {
    var box = document.getElementById("lecturemedia-watch-error");
    if (box) box.remove();
  }

  // ---- the "building" badge
  function badge(on) {
    var b = document.getElementById("lecturemedia-watch-busy");
    if (!on) { if (b) b.remove(); return; }
    if (b) return;
    b = document.createElement("div");
    b.id = "lecturemedia-watch-busy";
    b.textContent = "building…";
    b.style.cssText = "position:fixed;top:.5em;right:.5em;z-index:2147483647;padding:.2em .6em;" +
      "background:rgba(0,0,0,.6);color:#fff;font:13px sans-serif;border-radius:.3em";
    document.body.appendChild(b);
  }

  // ---- stills (STILLS=1 make watch): the poster of each <video> of that scene
  function showStills(stills) {
    Object.keys(stills).forEach(function (scene) {
      var url = "/__watch/stills/" + scene + ".png?v=" + stills[scene];
      document.querySelectorAll("video").forEach(function (v) {
        var src = v.getAttribute("src") || "";
        if (src.replace(/^.*\//, "") === scene + ".mp4") v.setAttribute("poster", url);
      });
      document.querySelectorAll("img[data-still='" + scene + "']").forEach(function (img) { img.src = url; });
    });
  }

  function onReload(data) {
    var decks = data.decks || [];
    if (deck === null ? decks.length === 0 : decks.indexOf(deck) < 0) return;
    savePosition();
    location.reload();
  }

  function connect() {
    var events = new EventSource("/__watch/events");
    events.addEventListener("reload", function (e) { onReload(JSON.parse(e.data)); });
    events.addEventListener("state", function (e) {
      var s = JSON.parse(e.data);
      if (s.error) showError(s.error); else clearError();
      badge(s.building);
      showStills(s.stills || {});
    });
  }

  restorePosition();
  connect();
})();
