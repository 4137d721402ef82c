/**
 * The recovery dashboard's templates (Eta, autoEscape: every `<%= %>` is
 * escaped; `<%~ %>` only places the server-made SVG chart and includes).
 * `@recovery` is the page; `@recoveryLive` is its live region, served alone
 * as the fragment the console's live.js polls (console-views.ts), so the
 * page without script and the updated region are the same markup.
 */

const page = `<% layout('@layout') %>
<h1>Recovery dashboard</h1>
<p class="meta"><span id="live-status">Shown as of <%= it.when(it.d.at) %> UTC; this page updates itself.</span> <a href="/console/recovery">Refresh</a></p>
<div id="recovery-live" data-live-src="/console/recovery/live" data-live-every="<%= it.liveMs %>">
<%~ include('@recoveryLive', it) %>
</div>
`;

const live = `<section aria-labelledby="ready-h" class="panel">
<h2 id="ready-h">Recoverable now?</h2>
<% if (!it.d.readiness) { %>
<p id="readiness-answer" class="answer na">Not available</p>
<p>This database has no evidence of backups yet (its schema predates recovery evidence): smgr serve migrates it.</p>
<% } else { var r = it.d.readiness; %>
<p id="readiness-answer" class="answer <%= r.recoverable ? 'yes' : 'no' %>"><%= r.recoverable ? 'Yes' : 'No' %></p>
<table>
  <caption>Why: each check, with its remedy when it fails</caption>
  <thead><tr><th scope="col">Check</th><th scope="col">Result</th><th scope="col">Detail</th><th scope="col">Remedy</th></tr></thead>
  <tbody>
  <% r.reasons.forEach(function (x) { %>
  <tr class="reason-<%= x.ok ? 'ok' : 'no' %>"><td><%= it.checkName(x.check) %><% if (x.check === 'key-backup') { %><br><span class="meta"><%= x.subject %></span><% } %></td><td><%= x.ok ? 'pass' : 'FAIL' %></td><td><%= x.detail %><% if (x.computers && x.computers.length) { %> (<%= x.computers.join(', ') %>)<% } %></td><td><%= x.remedy || '' %></td></tr>
  <% }) %>
  </tbody>
</table>
<p class="meta">Objectives: recovery point <%= r.rpoMinutes %> min, recovery time <%= r.rtoMinutes %> min (config.json backups.rpoMinutes, backups.rtoMinutes).</p>
<% } %>
</section>

<section aria-labelledby="step-h" class="panel">
<h2 id="step-h">What to do now</h2>
<% if (it.d.step) { %>
<p id="runbook-step" class="step"><strong><%= it.d.step.problem %></strong> <%= it.d.step.action %></p>
<% if (it.d.step.command) { %><p>Command<% if (it.d.step.on) { %> (on <%= it.d.step.on %>)<% } %>: <code><%= it.d.step.command %></code></p><% } %>
<p class="meta">Runbook: <%= it.d.step.reference %></p>
<% } else { %>
<p id="runbook-step">Nothing: every check holds.</p>
<% } %>
</section>

<section aria-labelledby="timeline-h" class="panel">
<h2 id="timeline-h">Backups and drills, last 30 days</h2>
<% if (!it.d.timeline) { %><p>Not available: this database has no backup evidence tables yet.</p><% } else { var t = it.d.timeline; %>
<div class="chart-box"><%~ it.chart %></div>
<% if (t.backups.length === 0 && t.drills.length === 0) { %>
<p>No scheduled backup and no drill recorded since <%= it.when(t.from) %> UTC.</p>
<% } else { %>
<table>
  <caption>The same events as a table, oldest first</caption>
  <thead><tr><th scope="col">When (UTC)</th><th scope="col">What</th><th scope="col">Outcome</th><th scope="col">Archive</th><th scope="col">Size</th><th scope="col">Duration or RTO</th></tr></thead>
  <tbody>
  <% it.events.forEach(function (e) { %>
  <tr><td><%= it.when(e.at) %></td><td><%= e.what %></td><td><%= e.outcome %></td><td><%= e.archive || 'not recorded' %></td><td><%= e.size %></td><td><%= e.time %></td></tr>
  <% }) %>
  </tbody>
</table>
<% } %>
<p class="meta">Backups are those the schedule ran (backup_runs). An archive written by hand (smgr backup create) appears only through its drill; its size and duration are not recorded, so they are shown as not available.</p>
<% } %>
</section>

<section aria-labelledby="keys-h" class="panel">
<h2 id="keys-h">Key backups</h2>
<table>
  <caption>Each key of the group and the computers holding it</caption>
  <thead><tr><th scope="col">Key</th><th scope="col">Part</th><th scope="col">Computer</th><th scope="col">State</th><th scope="col">Last key backup (UTC)</th></tr></thead>
  <tbody>
  <% it.d.keys.forEach(function (k) { var cs = k.computers.length ? k.computers : [null]; cs.forEach(function (c) { %>
  <tr class="key-<%= k.state %>"><td><%= k.keyId %></td><td><%= k.keyPart %></td><td><%= c ? c.computerName + (c.alive ? '' : ' (not running)') : 'no computer registered' %></td><td><%= it.keyState(k.state) %></td><td><%= k.lastBackupAt ? it.when(k.lastBackupAt) : 'never' %></td></tr>
  <% }) }) %>
  </tbody>
</table>
<p class="meta">The group records when each key was last backed up, not from which computer: every computer holding a key shows the key's state.</p>
</section>

<section aria-labelledby="doctor-h" class="panel">
<h2 id="doctor-h">Last doctor result</h2>
<% if (!it.d.doctor) { %>
<p id="doctor-result">Not available: smgr doctor does not record its runs, and no restore drill has recorded one yet.</p>
<% } else { var doc = it.d.doctor; %>
<p id="doctor-result"><strong><%= doc.ok ? 'Passed' : 'FAILED' %></strong>, <%= it.when(doc.finishedAt) %> UTC, on the copy of <%= doc.archive %> restored by the drill on <%= doc.computerName %>. A doctor run on the live servers is not recorded: run smgr doctor there.</p>
<ul class="checks"><% doc.checks.forEach(function (c) { %><li><%= c.name %>: <%= c.state %></li><% }) %></ul>
<% } %>
</section>
`;

export const RECOVERY_VIEWS: Record<string, string> = {
  '@recovery': page,
  '@recoveryLive': live,
};

export const RECOVERY_STYLES = `
.panel { margin: 0 0 24px; }
.answer { font-size: 2em; font-weight: 700; margin: 0 0 8px; }
.answer.yes { color: #116329; }
.answer.no { color: #b3261e; }
.answer.na { color: #57606a; }
.step { border-left: 4px solid #b3261e; padding: 4px 12px; background: #fdf0ef; }
.chart-box { overflow-x: auto; }
.chart { max-width: 100%; height: auto; }
`;
