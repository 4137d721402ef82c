/**
 * The console's own views (layout, sign-in, home) and its stylesheet and
 * script, compiled into the build. Eta escapes every `<%= %>` value; `<%~ %>`
 * only places a template inside another or writes attribute text made of
 * constants. The one script (live.js) is a same-origin file: the
 * Content-Security-Policy of console pages allows scripts from this origin
 * only, never inline, and every page works without it.
 */
import { BASE_STYLESHEET } from '../web/base-styles.js';

const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · smgr console</title>
<link rel="stylesheet" href="/console/static/console.css">
<% if (it.live) { %><script src="/console/static/live.js" defer></script><% } %>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">smgr console</a>
  <% if (it.user) { %>
  <% if (it.nav.length > 0) { %>
  <nav aria-label="Main">
    <ul>
    <% it.nav.forEach(function (n) { %>
      <li><a href="<%= n.href %>"<%~ n.current ? ' aria-current="page"' : '' %>><%= n.label %></a></li>
    <% }) %>
    </ul>
  </nav>
  <% } %>
  <form class="signout" method="post" action="/console/sign-out">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <span>Signed in as <strong><%= it.user.username %></strong> (<%= it.user.role %>)</span>
    <button type="submit">Sign out</button>
  </form>
  <% } %>
</header>
<main id="main" tabindex="-1">
<%~ it.body %>
</main>
<footer><p>Management group <%= it.groupName %> · management server <%= it.computerName %></p></footer>
</body>
</html>
`;

const signIn = `<% layout('@layout') %>
<h1>Sign in to the console</h1>
<p>For analysts and administrators of the service desk.</p>
<% if (it.message) { %><div class="alert" role="alert"><p><%= it.message %></p></div><% } %>
<form method="post" action="/console/sign-in" class="form narrow">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="next" value="<%= it.next %>">
  <p><label for="username">User name</label>
  <input id="username" name="username" autocomplete="username" required value="<%= it.username %>"></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
`;

const home = `<% layout('@layout') %>
<h1>Console</h1>
<p>Signed in as <%= it.user.username %>, <%= it.user.role %>.</p>
<ul class="cards">
<% it.nav.forEach(function (n) { %>
  <li><a href="<%= n.href %>"><%= n.label %></a></li>
<% }) %>
</ul>
`;

export const CONSOLE_VIEWS: Record<string, string> = {
  '@layout': layout,
  '@signIn': signIn,
  '@home': home,
};

export const CONSOLE_STYLESHEET = `${BASE_STYLESHEET}
main { max-width: 1200px; }
footer { max-width: 1200px; }
.cards { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: 12px; }
.cards li { border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; }
select { font: inherit; padding: 5px 8px; border: 1px solid #6e7781; border-radius: 4px; }
a:focus, button:focus, input:focus, textarea:focus, select:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

/**
 * live.js: regions marked data-live-src are polled (default every 2 s) and
 * replaced when the server's fragment changed (ETag; 304 while unchanged).
 * Only an answer that says it is a console fragment replaces anything (a
 * sign-in page after a session ended does not); a status line says when the
 * page was updated. Without it the page still shows everything on reload.
 */
export const LIVE_SCRIPT = `'use strict';
(function () {
  var status = document.getElementById('live-status');
  function watch(el) {
    var src = el.getAttribute('data-live-src');
    var every = Number(el.getAttribute('data-live-every')) || 2000;
    var etag = el.getAttribute('data-live-etag') || '';
    function tick() {
      fetch(src, { headers: { accept: 'text/html', 'if-none-match': etag }, credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) {
          if (r.status !== 200 || r.headers.get('x-smgr-fragment') !== '1') return;
          return r.text().then(function (html) {
            etag = r.headers.get('etag') || '';
            el.innerHTML = html;
            if (status) status.textContent = 'Updated at ' + new Date().toLocaleTimeString() + '.';
          });
        })
        .catch(function () {})
        .then(function () { setTimeout(tick, every); });
    }
    setTimeout(tick, every);
  }
  var regions = document.querySelectorAll('[data-live-src]');
  for (var i = 0; i < regions.length; i++) watch(regions[i]);
})();
`;
