/**
 * The report page's Eta templates and stylesheet (compiled into the build).
 * Eta escapes every `<%= %>`; the raw `<%~ %>` form only places a template
 * in the layout and the charts, which svg-chart.ts renders with every text
 * escaped. No script: the Content-Security-Policy forbids it. Every chart
 * is followed by its data as a table (caption, column headers), so a screen
 * reader or a keyboard reaches every number.
 */

const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · Data warehouse <%= it.groupName %></title>
<link rel="stylesheet" href="/reports/static/reports.css">
<link rel="icon" href="/reports/static/icon.svg" type="image/svg+xml">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/reports">Data warehouse reports</a>
  <% if (it.user) { %>
  <form class="signout" method="post" action="/reports/sign-out">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <span>Signed in as <strong><%= it.user.username %></strong></span>
    <button type="submit">Sign out</button>
  </form>
  <% } %>
</header>
<main id="main" tabindex="-1">
<%~ it.body %>
</main>
<footer><p>Data warehouse <%= it.groupName %> · times are UTC</p></footer>
</body>
</html>
`;

const signIn = `<% layout('@layout') %>
<h1>Sign in</h1>
<% if (it.message) { %><div class="alert" role="alert"><p><%= it.message %></p></div><% } %>
<form method="post" action="/reports/sign-in" class="form narrow">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="username">User name</label>
  <input id="username" name="username" autocomplete="username" required value="<%= it.username %>"></p>
  <p><label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required></p>
  <p><button type="submit">Sign in</button></p>
</form>
`;

const table = `<table>
  <caption><%= it.caption %></caption>
  <thead><tr><% it.columns.forEach(function (c) { %><th scope="col"><%= c.label %></th><% }) %></tr></thead>
  <tbody>
  <% if (it.rows.length === 0) { %><tr><td colspan="<%= it.columns.length %>">No data for this selection.</td></tr><% } %>
  <% it.rows.forEach(function (r) { %><tr><% it.columns.forEach(function (c, i) { %><% if (i === 0) { %><th scope="row"><%= it.cell(r[c.key]) %></th><% } else { %><td><%= it.cell(r[c.key]) %></td><% } %><% }) %></tr>
  <% }) %>
  </tbody>
</table>`;

const reports = `<% layout('@layout') %>
<h1>Service desk reports</h1>
<form method="get" action="/reports" class="filters" aria-label="Report parameters">
  <p><label for="from">From</label><input id="from" name="from" type="date" value="<%= it.p.from %>"></p>
  <p><label for="to">To</label><input id="to" name="to" type="date" value="<%= it.p.to %>"></p>
  <p><label for="grain">Period</label>
  <select id="grain" name="grain"><% it.grains.forEach(function (g) { %>
    <option value="<%= g.value %>"<%~ g.value === it.p.grain ? ' selected' : '' %>><%= g.label %></option><% }) %>
  </select></p>
  <p><label for="class">Class</label>
  <select id="class" name="class"><option value="">All classes</option><% it.classes.forEach(function (c) { %>
    <option value="<%= c %>"<%~ c === it.p.class ? ' selected' : '' %>><%= c %></option><% }) %>
  </select></p>
  <p><button type="submit">Show</button></p>
</form>
<% if (it.error) { %>
<div class="alert" role="alert"><p><%= it.error.message %></p><p><%= it.error.remedy %></p></div>
<% } else { %>
<p class="meta">From <%= it.p.from %> to <%= it.p.to %>, <%= it.grainLabel %><%= it.p.class ? ', ' + it.p.class : '' %>.</p>
<% it.sections.forEach(function (s) { %>
<section class="report" aria-labelledby="h-<%= s.name %>">
  <h2 id="h-<%= s.name %>"><%= s.title %></h2>
  <p class="meta"><%= s.description %> <a href="<%= s.csv %>">Download CSV<span class="visually-hidden"> of <%= s.title %></span></a></p>
  <div class="chart-box"><%~ s.chart %></div>
  <%~ include('@table', { caption: s.title + ': the data', columns: s.columns, rows: s.rows, cell: it.cell }) %>
</section>
<% }) %>
<% } %>
`;

const error = `<% layout('@layout') %>
<h1><%= it.heading %></h1>
<p><%= it.message %></p>
<% if (it.remedy) { %><p><%= it.remedy %></p><% } %>
<p><a href="/reports">Back to the reports</a></p>
`;

export const REPORT_VIEWS: Record<string, string> = {
  '@layout': layout,
  '@signIn': signIn,
  '@table': table,
  '@reports': reports,
  '@error': error,
};

/** The page's icon (the browser asks for one): a small bar chart. */
export const REPORT_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#0b3d6e"/><rect x="3" y="8" width="2" height="5" fill="#fff"/><rect x="7" y="4" width="2" height="9" fill="#fff"/><rect x="11" y="6" width="2" height="7" fill="#fff"/></svg>`;

export const REPORT_STYLESHEET = `
:root { --fg: #1b1f24; --muted: #57606a; --accent: #0b5cad; --bg: #ffffff; --line: #d0d7de; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f0a500; outline-offset: 2px; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
.top { display: flex; flex-wrap: wrap; gap: 16px; align-items: center; padding: 12px 24px; background: #0b3d6e; color: #fff; }
.top a { color: #fff; }
.brand { font-weight: 700; font-size: 1.2em; text-decoration: none; }
.signout { margin-left: auto; display: flex; gap: 8px; align-items: center; }
main { max-width: 1000px; margin: 0 auto; padding: 24px; }
footer { max-width: 1000px; margin: 0 auto; padding: 0 24px 24px; color: var(--muted); }
label { display: block; font-weight: 600; }
input, select { padding: 6px 8px; border: 1px solid #6e7781; border-radius: 4px; font: inherit; }
.narrow input { width: 100%; }
button { font: inherit; padding: 6px 14px; border-radius: 4px; border: 1px solid #0b3d6e; background: #0b5cad; color: #fff; cursor: pointer; }
.signout button { background: transparent; border-color: #fff; }
.narrow { max-width: 24em; }
.alert { color: var(--bad); border-left: 4px solid var(--bad); padding: 4px 12px; background: #fdf0ef; }
.filters { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: end; }
.filters p { margin: 0 0 8px; }
.meta { color: var(--muted); }
.report { border-top: 1px solid var(--line); margin-top: 24px; }
.chart-box { overflow-x: auto; }
.chart-box svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 0.9em; }
caption { text-align: left; color: var(--muted); }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); }
tbody th { font-weight: 400; }
`;
