/* quizlib's one DOM helper, shared by quizlib-ui.js and quizlib-sync.js (loaded before them).
 *
 *   QuizLibDOM.el(tag, attrs, children)
 *
 * makes an element. `attrs` maps attribute names to values, with two special keys: `text` (the element's
 * text) and `className`; a value of null, undefined or false leaves the attribute out, true sets it empty.
 * `children` is a list of nodes and strings (text); null entries are skipped.
 */
(function (root) {
  "use strict";
  if (root.QuizLibDOM) return;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "className") node.className = attrs[k];
      else if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) node.setAttribute(k, attrs[k] === true ? "" : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }

  root.QuizLibDOM = { el: el };
})(typeof window !== "undefined" ? window : globalThis);
