// Passkeys (WebAuthn): the browser creates or uses one with the options the server gives,
// and the answer goes back to the server, which checks it (django-otp-webauthn).
// [data-passkey-register] creates one; [data-passkey-use] signs this page's challenge and
// sends the form it is in, with the answer in its hidden "passkey" field.
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function status(button, text) {
    var box = button.closest("section, form, main").querySelector("[data-passkey-status]");
    if (box) box.textContent = text;
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    var data = await response.json();
    if (!response.ok) throw new Error(data.error ? data.error.message : "The server refused.");
    return data;
  }

  function fromBase64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var bytes = atob(base64 + "===".slice((base64.length + 3) % 4));
    return Uint8Array.from(bytes, function (c) { return c.charCodeAt(0); }).buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: fromBase64url(c.id) }); });
  }

  function asJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    var r = credential.response;
    var response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
    };
  }

  async function register(button) {
    var options = await post(button.dataset.begin);
    options.challenge = fromBase64url(options.challenge);
    options.user.id = fromBase64url(options.user.id);
    options.excludeCredentials = withIds(options.excludeCredentials);
    var credential = await navigator.credentials.create({ publicKey: options });
    var done = await post(button.dataset.complete, asJSON(credential));
    window.location.assign(done.next);
  }

  async function use(button) {
    var form = button.closest("form");
    var options = await post(button.dataset.begin);
    options.challenge = fromBase64url(options.challenge);
    options.allowCredentials = withIds(options.allowCredentials);
    var credential = await navigator.credentials.get({ publicKey: options });
    form.querySelector("input[name=passkey]").value = JSON.stringify(asJSON(credential));
    // Typed-in fields the passkey stands in for are not needed.
    var code = form.querySelector("input[name=admin_code], input[name=code]");
    if (code) code.removeAttribute("required");
    form.submit();
  }

  function wire(selector, action) {
    document.querySelectorAll(selector).forEach(function (button) {
      button.addEventListener("click", function () {
        if (!window.PublicKeyCredential) {
          status(button, "This browser cannot use passkeys. Use a code from your app instead.");
          return;
        }
        status(button, "Follow your browser's prompt…");
        action(button).catch(function (error) {
          status(button, "The passkey was not used: " + error.message + " Try again, or use a code.");
        });
      });
    });
  }

  wire("[data-passkey-register]", register);
  wire("[data-passkey-use]", use);
})();
