/**
 * The administrator pages' templates (Eta, autoEscape: every `<%= %>` is
 * escaped; `<%~ %>` only for includes and attribute words chosen here).
 * Every form posts with the session's CSRF token; secrets are typed into
 * password fields and never rendered back (not even their length).
 */

const subnav = `<nav aria-label="Administration" class="subnav"><ul>
<% [['users', 'Users and roles'], ['run-as', 'Run As accounts'], ['packs', 'Management packs'], ['servers', 'Servers']].forEach(function (x) { %>
<li><a href="/console/admin/<%= x[0] %>"<%~ it.section === x[0] ? ' aria-current="page"' : '' %>><%= x[1] %></a></li>
<% }) %></ul></nav>
<% if (it.notice) { %><div class="notice" role="status"><p><%= it.notice %></p></div><% } %>
<% if (it.problem) { %><div class="alert" role="alert"><p><strong><%= it.problem.message %></strong></p><% if (it.problem.remedy) { %><p><%= it.problem.remedy %></p><% } %></div><% } %>
`;

const users = `<% layout('@layout') %>
<h1>Users and roles</h1>
<%~ include('@adminNav', it) %>
<table>
  <caption>Users, by name</caption>
  <thead><tr><th scope="col">User name</th><th scope="col">Display name</th><th scope="col">Role</th><th scope="col">State</th><th scope="col">Change</th></tr></thead>
  <tbody>
  <% it.users.forEach(function (u, i) { %>
  <tr><td><%= u.username %></td><td><%= u.displayName || '' %></td><td><%= u.role %></td><td><%= u.disabled ? 'disabled' : 'enabled' %></td>
  <td><form method="post" action="/console/admin/users/<%= encodeURIComponent(u.username) %>" class="inline">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <label for="role-<%= i %>" class="sr">Role of <%= u.username %></label>
    <select id="role-<%= i %>" name="role"><% it.roles.forEach(function (r) { %><option value="<%= r.name %>"<%~ r.name === u.role ? ' selected' : '' %>><%= r.label %></option><% }) %></select>
    <label for="state-<%= i %>" class="sr">State of <%= u.username %></label>
    <select id="state-<%= i %>" name="state"><option value="enabled"<%~ u.disabled ? '' : ' selected' %>>enabled</option><option value="disabled"<%~ u.disabled ? ' selected' : '' %>>disabled</option></select>
    <button type="submit">Save <span class="sr"><%= u.username %></span></button>
  </form></td></tr>
  <% }) %>
  </tbody>
</table>
<% if (it.next) { %><nav aria-label="Pages" class="pager"><a href="/console/admin/users">First</a> <a href="/console/admin/users?after=<%= encodeURIComponent(it.next) %>">Next users</a></nav><% } %>
<h2>Add a user</h2>
<form method="post" action="/console/admin/users" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="new-username">User name</label><input id="new-username" name="username" required autocomplete="off" value="<%= it.values.username || '' %>"></p>
  <p><label for="new-display">Display name</label><input id="new-display" name="displayName" autocomplete="off" value="<%= it.values.displayName || '' %>"></p>
  <p><label for="new-role">Role</label><select id="new-role" name="role"><% it.roles.forEach(function (r) { %><option value="<%= r.name %>"<%~ r.name === (it.values.role || 'end-user') ? ' selected' : '' %>><%= r.label %></option><% }) %></select></p>
  <p><label for="new-password">Password (at least <%= it.minPassword %> characters)</label><input id="new-password" name="password" type="password" required autocomplete="new-password"></p>
  <p><button type="submit">Add user</button></p>
</form>
<h2>Roles</h2>
<table>
  <caption>What each role may do</caption>
  <thead><tr><th scope="col">Role</th><th scope="col">Description</th><th scope="col">Permissions</th></tr></thead>
  <tbody><% it.allRoles.forEach(function (r) { %><tr><td><%= r.label %></td><td><%= r.description %></td><td><%= r.permissions.join(', ') %></td></tr><% }) %></tbody>
</table>
`;

const runAs = `<% layout('@layout') %>
<h1>Run As accounts</h1>
<%~ include('@adminNav', it) %>
<p>A Run As account's password is sealed with the management group's key when it is saved, and is never shown again. Test it by typing the password you expect.</p>
<% if (it.accounts.length === 0) { %><p>There is no Run As account yet.</p><% } else { %>
<table>
  <caption>Run As accounts, by name (no secret is shown)</caption>
  <thead><tr><th scope="col">Name</th><th scope="col">User name</th><th scope="col">Sealed by key</th><th scope="col">Created (UTC)</th><th scope="col">Test credentials</th></tr></thead>
  <tbody>
  <% it.accounts.forEach(function (a, i) { %>
  <tr><td><%= a.name %></td><td><%= a.username %></td><td><%= a.keyId %></td><td><%= it.when(a.createdAt) %></td>
  <td><form method="post" action="/console/admin/run-as/<%= a.id %>/test" class="inline">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <label for="test-<%= i %>" class="sr">Password to test for <%= a.name %></label>
    <input id="test-<%= i %>" name="password" type="password" required autocomplete="off">
    <button type="submit">Test <span class="sr"><%= a.name %></span></button>
  </form></td></tr>
  <% }) %>
  </tbody>
</table>
<% if (it.next) { %><nav aria-label="Pages" class="pager"><a href="/console/admin/run-as">First</a> <a href="/console/admin/run-as?cursor=<%= encodeURIComponent(it.next) %>">Next accounts</a></nav><% } %>
<% } %>
<h2>Create a Run As account</h2>
<form method="post" action="/console/admin/run-as" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="ra-name">Name</label><input id="ra-name" name="name" required autocomplete="off" value="<%= it.values.name || '' %>"></p>
  <p><label for="ra-username">User name</label><input id="ra-username" name="username" required autocomplete="off" value="<%= it.values.username || '' %>"></p>
  <p><label for="ra-password">Password</label><input id="ra-password" name="password" type="password" required autocomplete="new-password"></p>
  <p><button type="submit">Create account</button></p>
</form>
`;

const packs = `<% layout('@layout') %>
<h1>Management packs</h1>
<%~ include('@adminNav', it) %>
<table>
  <caption>Imported management packs<%= it.all ? ', removed ones included' : '' %></caption>
  <thead><tr><th scope="col">Id</th><th scope="col">Name</th><th scope="col">Version</th><th scope="col">Sealed</th><th scope="col">Imported (UTC)</th><th scope="col">Contents</th><th scope="col">Actions</th></tr></thead>
  <tbody>
  <% it.packs.forEach(function (p) { %>
  <tr><td><%= p.id %></td><td><%= p.name %></td><td><%= p.version %></td><td><%= p.sealed ? 'sealed' : 'unsealed' %><% if (p.keyFingerprint) { %><br><span class="meta"><%= p.keyFingerprint.slice(0, 23) %>…</span><% } %></td>
  <td><%= it.when(p.importedAt) %> by <%= p.importedBy %><% if (p.removedAt) { %><br>removed <%= it.when(p.removedAt) %><% } %></td>
  <td><%= it.contents(p) %></td>
  <td><% if (!p.removedAt) { %><a href="/console/admin/packs/<%= p.id %>/export" download>Export<span class="sr"> <%= p.id %></span></a><% if (!p.id.startsWith('smgr.')) { %> · <a href="/console/admin/packs/<%= p.id %>/remove">Remove<span class="sr"> <%= p.id %></span></a><% } %><% } %></td></tr>
  <% }) %>
  </tbody>
</table>
<p><% if (it.all) { %><a href="/console/admin/packs">Hide removed packs</a><% } else { %><a href="/console/admin/packs?all=true">Show removed packs too</a><% } %></p>
<h2>Import a management pack</h2>
<form method="post" action="/console/admin/packs" enctype="multipart/form-data" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="pack-file">Pack file (JSON, sealed or unsealed)</label><input id="pack-file" name="file" type="file" accept=".json,application/json" required></p>
  <p><button type="submit">Import</button></p>
</form>
`;

const packRemove = `<% layout('@layout') %>
<h1>Remove management pack <%= it.pack.id %>?</h1>
<%~ include('@adminNav', it) %>
<p><strong><%= it.pack.name %></strong>, version <%= it.pack.version %> (<%= it.pack.sealed ? 'sealed' : 'unsealed' %>).</p>
<p>Removing hides the pack and what it defines; the data that uses it is kept, and importing it again brings it back.</p>
<form method="post" action="/console/admin/packs/<%= it.pack.id %>/remove" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><button type="submit">Remove <%= it.pack.id %></button> <a href="/console/admin/packs">Cancel</a></p>
</form>
`;

const servers = `<% layout('@layout') %>
<h1>Servers of the management group</h1>
<%~ include('@adminNav', it) %>
<dl class="facts" id="lease">
  <dt>Workflow server (lease holder)</dt><dd><%= it.lease.holder || 'none' %><%= it.lease.holder && !it.lease.claimed ? ' (assigned, not yet claimed)' : '' %></dd>
  <dt>Fencing token</dt><dd><%= it.lease.token %></dd>
  <dt>Held since (UTC)</dt><dd><%= it.lease.since ? it.when(it.lease.since) : 'not available' %></dd>
  <dt>Lease expires (UTC)</dt><dd><%= it.lease.expiresAt ? it.whenS(it.lease.expiresAt) : 'not available' %><%= it.lease.expired ? ' (expired)' : '' %></dd>
</dl>
<table>
  <caption>Every part on every computer of the group</caption>
  <thead><tr><th scope="col">Computer</th><th scope="col">Part</th><th scope="col">Role</th><th scope="col">Liveness</th><th scope="col">Last heartbeat (UTC)</th><th scope="col">Action</th></tr></thead>
  <tbody>
  <% it.servers.forEach(function (s) { %>
  <tr><td><%= s.computerName %></td><td><%= s.part %></td><td><%= s.role %><%= s.leaseHolder ? ' (holds the lease)' : '' %></td><td><%= s.alive ? 'alive' : (s.stoppedAt ? 'stopped' : 'not heartbeating') %></td><td><%= s.lastHeartbeat ? it.whenS(s.lastHeartbeat) : 'never' %></td>
  <td><% if (s.promotable) { %><a href="/console/admin/servers/<%= encodeURIComponent(s.computerName) %>/promote">Promote<span class="sr"> <%= s.computerName %></span></a><% } %></td></tr>
  <% }) %>
  </tbody>
</table>
`;

const promote = `<% layout('@layout') %>
<h1>Promote <%= it.target %> to workflow server?</h1>
<%~ include('@adminNav', it) %>
<p>The workflow lease moves to <strong><%= it.target %></strong> with a new fencing token (now <%= it.lease.token %>); its server claims it at its next lease check.</p>
<% if (it.lease.holder && !it.lease.expired) { %>
<p class="alert"><%= it.lease.holder %> holds a live lease. Promoting anyway fences it: its next workflow write is refused.</p>
<% } %>
<form method="post" action="/console/admin/servers/<%= encodeURIComponent(it.target) %>/promote" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <input type="hidden" name="token" value="<%= it.lease.token %>">
  <% if (it.lease.holder && !it.lease.expired) { %><p class="choice"><input type="checkbox" id="force" name="force" value="yes"><label for="force">Fence the live holder <%= it.lease.holder %></label></p><% } %>
  <p><button type="submit">Promote <%= it.target %></button> <a href="/console/admin/servers">Cancel</a></p>
</form>
`;

export const ADMIN_VIEWS: Record<string, string> = {
  '@adminNav': subnav,
  '@adminUsers': users,
  '@adminRunAs': runAs,
  '@adminPacks': packs,
  '@adminPackRemove': packRemove,
  '@adminServers': servers,
  '@adminPromote': promote,
};

export const ADMIN_STYLES = `
.subnav ul { display: flex; flex-wrap: wrap; gap: 16px; list-style: none; padding: 0; margin: 0 0 16px; }
.subnav [aria-current="page"] { font-weight: 700; }
.notice { border-left: 4px solid #116329; padding: 4px 12px; background: #dafbe1; }
form.inline { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0; }
form.inline input { width: 12em; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;
