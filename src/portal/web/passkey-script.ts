/**
 * The one script the portal writes: registers a passkey or signs in with one, through
 * @simplewebauthn/browser (loaded before it as the global SimpleWebAuthnBrowser). Plain ES2017
 * so old phone browsers parse it; pages work without it, only the passkey buttons need it.
 */
export const PASSKEY_SCRIPT = `(function () {
  var lib = window.SimpleWebAuthnBrowser;
  var meta = document.querySelector('meta[name="csrf-token"]');
  var status = document.getElementById('passkey-status');
  function say(text) { if (status) status.textContent = text; }
  function post(url, body) {
    return fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json', 'x-csrf-token': meta ? meta.content : '' }, body: JSON.stringify(body || {}) })
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) throw new Error(j.detail || j.title || ('HTTP ' + r.status)); return j; }); });
  }
  function wire(id, optionsUrl, verifyUrl, start) {
    var button = document.getElementById(id);
    if (!button) return;
    if (!lib || !lib.browserSupportsWebAuthn()) { say(button.getAttribute('data-unsupported')); return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      say(button.getAttribute('data-working'));
      post(optionsUrl).then(function (options) { return start({ optionsJSON: options }); })
        .then(function (response) { return post(verifyUrl, response); })
        .then(function (result) { window.location.assign(result.next || '/'); })
        .catch(function (error) { say(button.getAttribute('data-failed') + ' ' + error.message); });
    });
  }
  if (lib) {
    wire('passkey-register', '/api/passkey/register/options', '/api/passkey/register/verify', lib.startRegistration);
    wire('passkey-sign-in', '/api/passkey/sign-in/options', '/api/passkey/sign-in/verify', lib.startAuthentication);
  }
})();
`;
