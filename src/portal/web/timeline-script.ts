/**
 * A progressive enhancement for the application timeline: while a step is waiting or
 * running, it asks the status endpoint every 2 s and reloads the page when anything changed,
 * so the citizen watches the workflow finish. Without JavaScript the page has a reload link.
 * Plain ES2017, like the passkey script.
 */
export const TIMELINE_SCRIPT = `(function () {
  var list = document.getElementById('timeline');
  if (!list || list.getAttribute('data-live') !== 'true' || !window.fetch) return;
  var url = list.getAttribute('data-status');
  var version = list.getAttribute('data-version');
  var polls = 0;
  function poll() {
    polls += 1;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) return;
        if (s.version !== version) { window.location.reload(); return; }
        if (s.live && polls < 300) window.setTimeout(poll, 2000);
      })
      .catch(function () { if (polls < 300) window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
`;
