// The course server's staff pages: copy and share buttons for a join link. Loaded by those pages only
// (never by the book); without it the link is still there to select and copy by hand.
(function () {
  "use strict";

  function say(button, text) {
    var status = document.getElementById(button.getAttribute("data-status"));
    if (status) {
      status.textContent = text;
    }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // An address without HTTPS has no clipboard API: select a hidden field and copy it the old way.
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.style.position = "fixed";
      field.style.left = "-9999px";
      document.body.appendChild(field);
      field.select();
      var ok;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(field);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy refused"));
      }
    });
  }

  function textOf(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    return source ? (source.value !== undefined ? source.value : source.textContent) : "";
  }

  function setUp() {
    var copies = document.querySelectorAll("button[data-copy]");
    Array.prototype.forEach.call(copies, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copyText(textOf(button)).then(
          function () { say(button, "Copied."); },
          function () { say(button, "This browser did not allow copying: select the text and copy it yourself."); }
        );
      });
    });
    var shares = document.querySelectorAll("button[data-share]");
    Array.prototype.forEach.call(shares, function (button) {
      if (!navigator.share) {
        return; // stays hidden: this browser cannot share
      }
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.share({ title: button.getAttribute("data-share"), url: textOf(button) }).catch(function () {
          say(button, "Not shared.");
        });
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
