// Counting readers without tracking them (README, "What we count"): this page's signed
// token goes back to this site alone, with the domain of the site that linked here and,
// on leaving, how far down the article the reader got. No cookie, no storage, no id.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !navigator.sendBeacon) return;
  if (navigator.doNotTrack === "1" || navigator.globalPrivacyControl) return;
  var url = script.getAttribute("data-beacon");
  var article = script.getAttribute("data-article");
  var search = script.getAttribute("data-search");

  function send(fields) {
    navigator.sendBeacon(url, new URLSearchParams(fields));
  }

  if (search) {
    send({ s: search });
    return;
  }
  if (!article) return;
  var view = { a: article };
  try {
    var from = document.referrer && new URL(document.referrer).hostname;
    if (from && from !== location.hostname) view.r = from;
  } catch (error) {
    // no referrer worth reporting
  }
  send(view);

  // Reading depth, in bands of a quarter of the article's text.
  var prose = document.querySelector(".prose") || document.body;
  var reached = 0;
  var reported = 0;
  function measure() {
    var box = prose.getBoundingClientRect();
    var seen = (window.innerHeight - box.top) / Math.max(box.height, 1);
    var band = Math.min(100, Math.floor(seen * 4) * 25);
    if (band > reached) reached = band;
  }
  var pending = false;
  window.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      measure();
    });
  }, { passive: true });
  measure();
  function leave() {
    if (reached > reported) {
      send({ a: article, d: String(reached) });
      reported = reached;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leave();
  });
  window.addEventListener("pagehide", leave);
})();
