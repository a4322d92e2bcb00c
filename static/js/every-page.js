// What every page does, the tenant's and the console's alike. A file, not inline code: the
// CSP allows no inline script.
"use strict";
(function () {
  // 1. The browser's time zone, for the server to write times in (a cookie; a zone chosen
  //    on the person's account wins). Without script, times read in UTC, named so.
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && /^[A-Za-z0-9_+\/-]+$/.test(zone) && document.cookie.split("; ").indexOf("tz=" + zone) === -1) {
      document.cookie =
        "tz=" + zone + "; path=/; max-age=31536000; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    }
  } catch (e) {
    // An old browser without Intl: UTC it is.
  }

  // 2. A page that answers a form (a wrong PIN, say) is safe to come back to: Back and
  //    Reload fetch it afresh instead of asking to send the form again.
  if (window.history && window.history.replaceState) {
    window.history.replaceState(window.history.state, "", window.location.href);
  }

  // 3. A form is sent once: its buttons are disabled while it goes (a double click on
  //    "Approve and unlock" approves once). After the click's own turn, so the pressed
  //    button's name still goes with the form; enabled again if the page stays (a file
  //    was downloaded) or comes back from the browser's cache.
  function buttons(form) {
    return form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
  }
  function enable(form) {
    delete form.dataset.sending;
    buttons(form).forEach(function (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.sending !== undefined) {
      event.preventDefault();
      return;
    }
    form.dataset.sending = "";
    window.setTimeout(function () {
      buttons(form).forEach(function (button) {
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
      });
    }, 0);
    window.setTimeout(function () {
      enable(form);
    }, 15000);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-sending]").forEach(enable);
    }
  });
})();
