/* Keeps the course in this browser for reading offline: registers the book's service worker (quizlib-sw.js, in
   the book's root) when the page is served over HTTP(S). Pages opened from files (file://) and browsers
   without service workers read the book as before. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator) || !/^https?:$/.test(location.protocol)) return;
  var root = new URL(document.documentElement.getAttribute("data-content_root") || "./", location.href);
  window.addEventListener("load", function () {
    navigator.serviceWorker.register(new URL("quizlib-sw.js", root).href, { scope: root.pathname })
      .catch(function () { /* no worker: the book still works online */ });
  });
})();
