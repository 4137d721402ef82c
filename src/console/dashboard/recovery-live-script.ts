/**
 * The recovery dashboard's live updates (issue 14 item 4): a same-origin
 * script file (the Content-Security-Policy allows scripts from this origin
 * only, never inline) that polls the dashboard's fragment URL and replaces
 * the live region when its HTML changed, so the readiness answer turns from
 * "no" to "yes" without a reload. The fragment is rendered and escaped by
 * the server exactly like the page itself. Without script the page is whole
 * and current as of its loading (a Refresh link is on it). It stops polling
 * when the answer is not a fragment (signed out, forbidden) and says so.
 */
export const RECOVERY_LIVE_SCRIPT = `'use strict';
(function () {
  var region = document.getElementById('recovery-live');
  var status = document.getElementById('recovery-live-status');
  if (!region || !status || !window.fetch) return;
  var url = region.getAttribute('data-live-url');
  var every = Number(region.getAttribute('data-live-ms')) || 3000;
  var last = region.innerHTML;
  var stopped = false;
  status.textContent = 'Updates live every ' + Math.round(every / 1000) + ' s.';
  function stop(message) {
    stopped = true;
    status.textContent = message;
  }
  function tick() {
    if (stopped) return;
    fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { accept: 'text/html' } })
      .then(function (r) {
        if (r.redirected || r.headers.get('x-console-fragment') !== 'recovery') {
          stop('Live updates stopped: your session ended. Reload the page to sign in again.');
          return null;
        }
        if (!r.ok) throw new Error('HTTP ' + r.status);
        var at = r.headers.get('x-read-at');
        return r.text().then(function (html) {
          if (html !== last) {
            region.innerHTML = html;
            last = region.innerHTML;
          }
          status.textContent = 'Updates live; last read ' + (at ? at.replace('T', ' ').slice(0, 19) + ' UTC' : 'now') + '.';
          region.setAttribute('data-live-read-at', at || '');
        });
      })
      .catch(function () {
        status.textContent = 'Live updates paused: the server did not answer; retrying.';
      })
      .then(function () {
        if (!stopped) setTimeout(tick, every);
      });
  }
  setTimeout(tick, every);
})();
`;
