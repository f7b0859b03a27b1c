// app.js: the portal's only script besides the vendored libraries. Pages
// work without it; it adds the CSRF header to htmx requests, shows times
// in the reader's time zone (UTC stays in the tooltip), and shows only the
// fields that belong to the chosen kind of query.
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

  // A select with data-toggle-fieldsets shows the fieldsets of its form
  // whose data-for names the chosen kind ("person"), or "identifier" for
  // any other choice, and hides the rest. Without the script every
  // fieldset shows and the server ignores the fields of other kinds.
  function toggleFieldsets(sel) {
    var kind = sel.value === "person" ? "person" : "identifier";
    var sets = sel.form.querySelectorAll("fieldset[data-for]");
    for (var i = 0; i < sets.length; i++) {
      sets[i].hidden = sets[i].getAttribute("data-for") !== kind;
    }
  }

  function initToggles(root) {
    var sels = root.querySelectorAll("select[data-toggle-fieldsets]");
    for (var i = 0; i < sels.length; i++) {
      toggleFieldsets(sels[i]);
      sels[i].addEventListener("change", function (ev) { toggleFieldsets(ev.target); });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { localTimes(document); initToggles(document); });
  document.addEventListener("htmx:afterSettle", function () { localTimes(document); });
})();
