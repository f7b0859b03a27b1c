// app.js: the portal's only script besides the vendored libraries. Pages
// work without it; it adds the CSRF header to htmx requests and shows
// times in the reader's time zone (UTC stays in the tooltip).
(function () {
  "use strict";

  function csrfToken() {
    var m = document.querySelector('meta[name="csrf-token"]');
    return m ? m.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (ev) {
    var t = csrfToken();
    if (t) {
      ev.detail.headers["X-CSRF-Token"] = t;
    }
  });

  var fmt;
  try {
    fmt = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short"
    });
  } catch (e) {
    fmt = null;
  }

  function localTimes(root) {
    if (!fmt) {
      return;
    }
    var els = root.querySelectorAll("time[datetime]");
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.dataset.local) {
        continue;
      }
      var d = new Date(el.getAttribute("datetime"));
      if (!isNaN(d.getTime())) {
        el.textContent = fmt.format(d);
        el.dataset.local = "1";
      }
    }
  }

  document.addEventListener("DOMContentLoaded", function () { localTimes(document); });
  document.addEventListener("htmx:afterSettle", function () { localTimes(document); });
})();
