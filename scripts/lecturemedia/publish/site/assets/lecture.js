// The chapters menu of the narrated lecture, built from its chapters track with the TextTrack
// API (browsers show no chapters in their controls), and the deck opened at full screen.
(function () {
  "use strict";
  function clock(seconds) {
    var s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }
  document.querySelectorAll("[data-chapters-for]").forEach(function (nav) {
    var video = document.getElementById(nav.getAttribute("data-chapters-for"));
    var element = video && video.querySelector('track[kind="chapters"]');
    if (!element) { nav.hidden = true; return; }
    var list = nav.querySelector("ol");
    var track = element.track;
    var built = false;
    function build() {
      if (built || !track.cues || !track.cues.length) return;
      built = true;
      Array.prototype.forEach.call(track.cues, function (cue) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("data-start", String(cue.startTime));
        var time = document.createElement("span");
        time.className = "time";
        time.textContent = clock(cue.startTime);
        var title = document.createElement("span");
        title.textContent = cue.text;
        button.append(time, title);
        button.addEventListener("click", function () {
          video.currentTime = cue.startTime;
          var played = video.play();
          if (played && played.catch) played.catch(function () {});
        });
        item.append(button);
        list.append(item);
      });
    }
    function mark() {
      var active = null; // the latest chapter begun (two touch at a boundary)
      Array.prototype.forEach.call(track.activeCues || [], function (cue) {
        if (active === null || cue.startTime > active) active = cue.startTime;
      });
      list.querySelectorAll("button").forEach(function (b) {
        if (active !== null && Number(b.getAttribute("data-start")) === active) b.setAttribute("aria-current", "true");
        else b.removeAttribute("aria-current");
      });
    }
    track.mode = "hidden"; // loads the cues without showing them
    element.addEventListener("load", build);
    track.addEventListener("cuechange", mark);
    build();
  });
  document.querySelectorAll("button[data-fullscreen]").forEach(function (button) {
    if (!document.fullscreenEnabled) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var frame = document.createElement("iframe");
      frame.className = "deck-frame";
      frame.title = button.getAttribute("data-title");
      frame.allowFullscreen = true;
      frame.src = button.getAttribute("data-fullscreen");
      document.body.append(frame);
      frame.addEventListener("load", function () { frame.focus(); });
      function leave() {
        if (document.fullscreenElement) return;
        document.removeEventListener("fullscreenchange", leave);
        frame.remove();
        button.focus();
      }
      document.addEventListener("fullscreenchange", leave);
      frame.requestFullscreen().catch(function () { frame.remove(); window.location.href = frame.src; });
    });
  });
})();
