/* quizlib's service worker: the published course, kept in this browser so that after one visit every page
   opens offline. Written by quizlib.fronts.offline into the book's root with the list of the book's files, each
   with a hash of its content, and a version made from them: a rebuilt book is a new worker, which fetches what
   changed (a file whose hash is the same as in the old copy is taken from it), then takes over and drops the
   old copy.

   Only the book's own files are answered from the copy. Anything else (the course server's API, the join page,
   staff pages, sign-in) goes to the network as if there were no worker, and is never kept. Pages are fetched
   from the network first, so a learner online always reads the book as it is now; the copy answers when the
   network does not (offline, or no answer within a few seconds). Scripts, styles, fonts and images come from
   the copy. */
(function () {
  "use strict";

  var VERSION = "__QUIZLIB_VERSION__";
  var FILES = [/* __QUIZLIB_FILES__ */];  // [address relative to the book's root, hash of its content]
  var PREFIX = "quizlib-book:" + new URL("./", self.location.href).pathname + ":";
  var CACHE = PREFIX + VERSION;
  var BASE = new URL("./", self.location.href);
  // where each copy notes the hashes of the files it holds (a key of the cache, not a file of the book)
  var HASHES = new URL("__QUIZLIB_HASHES__", BASE).href;
  var PAGE_TIMEOUT_MS = 4000;
  var KEPT = {};
  FILES.forEach(function (f) { KEPT[new URL(f[0], BASE).href] = f[1]; });

  // The older copies of this book, each with the hashes of what it holds.
  function olderCopies() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== CACHE; })
        .map(function (name) {
          return caches.open(name).then(function (cache) {
            return cache.match(HASHES).then(function (noted) { return noted ? noted.json() : {}; })
              .then(function (hashes) { return { cache: cache, hashes: hashes }; }, function () { return null; });
          });
        }));
    }).then(function (copies) { return copies.filter(Boolean); });
  }

  function keep(cache, url, older) {
    var same = older.filter(function (o) { return o.hashes[url] === KEPT[url]; });
    var fromOldCopy = same.length ? same[0].cache.match(url) : Promise.resolve(undefined);
    return fromOldCopy.then(function (old) {
      if (old) return cache.put(url, old);
      return fetch(url, { cache: "no-cache", credentials: "same-origin" }).then(function (response) {
        if (response.ok) return cache.put(url, response);
        // a file the server keeps back (the practice copy of an assessment under quizlib serve) is left out;
        // anything else is a failed install, tried again on the next visit, and the old copy stays
        if (response.status !== 404 && response.status !== 403) throw new Error(url + ": " + response.status);
        return undefined;
      });
    });
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(Promise.all([caches.open(CACHE), olderCopies()]).then(function (opened) {
      var cache = opened[0], older = opened[1];
      return Promise.all(Object.keys(KEPT).map(function (url) { return keep(cache, url, older); }))
        .then(function () {
          return cache.put(HASHES, new Response(JSON.stringify(KEPT), { headers: { "Content-Type": "application/json" } }));
        });
    }).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== CACHE; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); }));
  });

  // The address a request is kept under: without its fragment; a folder is its index.html.
  function keyOf(url, isPage) {
    var u = new URL(url);
    u.hash = "";
    if (isPage) u.search = "";
    if (u.pathname.slice(-1) === "/") u.pathname += "index.html";
    return u.href;
  }

  function fromCopy(key) {
    return caches.open(CACHE).then(function (cache) { return cache.match(key); });
  }

  function pageFirstFromNetwork(request, key) {
    return new Promise(function (resolve, reject) {
      var settled = false;
      var timer = setTimeout(function () {
        fromCopy(key).then(function (copy) { if (copy && !settled) { settled = true; resolve(copy); } });
      }, PAGE_TIMEOUT_MS);
      // asked of the server each time (a page unchanged costs a 304), never taken from the HTTP cache unasked;
      // a redirect is handed to the browser as it is (a navigation may not be answered with a followed one)
      fetch(request.url, { cache: "no-cache", credentials: "same-origin", redirect: "manual" }).then(function (response) {
        clearTimeout(timer);
        if (!settled) { settled = true; resolve(response); }
      }, function (error) {
        clearTimeout(timer);
        if (settled) return;
        fromCopy(key).then(function (copy) {
          settled = true;
          if (copy) resolve(copy); else reject(error);
        });
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") return;
    var isPage = request.mode === "navigate";
    var key = keyOf(request.url, isPage);
    if (!(key in KEPT)) return;  // not one of the book's files: the network, as if there were no worker
    if (isPage) {
      event.respondWith(pageFirstFromNetwork(request, key));
      return;
    }
    event.respondWith(fromCopy(key).then(function (copy) { return copy || fetch(request); }));
  });
})();
