/**
 * The analyst pages' Eta views (escaping every `<%= %>` value). Every field
 * has a label, every table a caption and column headers, sortable headers
 * say their order (aria-sort), and every action is a plain form that works
 * with the keyboard and without script. The work item page's facts,
 * properties, comments and history sit in a live region (live.js replaces
 * it when the item changes); the forms stay outside it, so typing is never
 * lost.
 */

const queues = `<% layout('@layout') %>
<h1>Queues</h1>
<% it.groups.forEach(function (g) { %>
<section aria-labelledby="g-<%= g.id %>">
<h2 id="g-<%= g.id %>"><%= g.label %></h2>
<ul class="cards">
<% g.queues.forEach(function (q) { %><li><a href="/console/queues/<%= q.id %>"><%= q.name %></a></li><% }) %>
</ul>
</section>
<% }) %>
`;

const queue = `<% layout('@layout') %>
<h1><%= it.queue.name %></h1>
<% if (it.queue.source !== 'console') { %><p class="meta">A view of management pack <%= it.queue.source %>.</p><% } %>
<% if (it.rows.length === 0) { %><p>Nothing in this queue<%= it.page > 1 ? ' on this page' : '' %>.</p><% } else { %>
<table>
  <caption><%= it.queue.name %>, page <%= it.page %><% if (it.sort) { %>, sorted by <%= it.label(it.sort.field) %> (<%= it.sort.direction === 'asc' ? 'ascending' : 'descending' %>)<% } %></caption>
  <thead><tr>
  <% it.columns.forEach(function (c) { %>
    <th scope="col"<%~ c.ariaSort ? ' aria-sort="' + c.ariaSort + '"' : '' %>><a href="<%= c.href %>"><%= c.label %><span class="visually-hidden">, sort <%= c.next === 'asc' ? 'ascending' : 'descending' %></span></a></th>
  <% }) %>
  </tr></thead>
  <tbody>
  <% it.rows.forEach(function (r) { %>
  <tr>
  <% it.columns.forEach(function (c) { %>
    <% if (c.field === 'displayId') { %><td><a href="/console/work-items/<%= r.displayId %>"><%= r.displayId %></a></td>
    <% } else { %><td><%= it.show(c.field, r[c.field]) %></td><% } %>
  <% }) %>
  </tr>
  <% }) %>
  </tbody>
</table>
<% } %>
<nav aria-label="Pages" class="pager">
  <% if (it.prev) { %><a href="<%= it.prev %>" rel="prev">Previous page</a><% } %>
  <span>Page <%= it.page %></span>
  <% if (it.next) { %><a href="<%= it.next %>" rel="next">Next page</a><% } %>
</nav>
`;

const workItemLive = `<dl class="facts">
  <dt>Status</dt><dd><span class="status status-<%= it.item.status %>"><%= it.item.status %></span></dd>
  <dt>Priority</dt><dd><%= it.priorityName(it.item.priority) %></dd>
  <dt>Assigned to</dt><dd><%= it.item.assignedTo || 'nobody' %></dd>
  <dt>Affected user</dt><dd><%= it.item.affectedUser || 'none' %></dd>
  <dt>Class</dt><dd><%= it.item.class %></dd>
  <dt>Opened</dt><dd><%= it.date(it.item.createdAt) %></dd>
  <dt>Updated</dt><dd><%= it.date(it.item.updatedAt) %></dd>
</dl>
<h2>Description</h2>
<% if (it.item.description) { %><p class="pre"><%= it.item.description %></p><% } else { %><p>No description.</p><% } %>
<h2>Properties</h2>
<% if (it.properties.length === 0) { %><p>No other properties.</p><% } else { %>
<table>
  <caption>Properties of this work item, including those of management pack class extensions</caption>
  <thead><tr><th scope="col">Property</th><th scope="col">Value</th><th scope="col">From</th></tr></thead>
  <tbody>
  <% it.properties.forEach(function (p) { %><tr><th scope="row"><%= p.label %></th><td><%= p.value %></td><td><%= p.source %></td></tr><% }) %>
  </tbody>
</table>
<% } %>
<h2>Related configuration items</h2>
<% if (!it.related) { %><p>Not available.</p><% } else if (it.related.length === 0) { %><p>None.</p><% } else { %>
<ul class="related"><% it.related.forEach(function (c) { %>
  <li><a href="/console/config-items/<%= c.id %>"><%= c.name %></a> (<%= c.class %>)
  <form method="post" action="/console/work-items/<%= it.item.displayId %>/config-items/<%= c.id %>/remove" class="inline">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <button type="submit" aria-label="Unrelate <%= c.name %>">Unrelate</button>
  </form></li>
<% }) %></ul>
<% } %>
<h2>Comments</h2>
<% if (it.comments.length === 0) { %><p>No comments yet.</p><% } %>
<ol class="comments">
<% it.comments.forEach(function (c) { %>
  <li><p class="meta"><strong><%= c.author %></strong>, <%= it.date(c.createdAt) %><% if (c.private) { %> · <span class="private">private note</span><% } %></p><p class="pre"><%= c.body %></p></li>
<% }) %>
</ol>
<h2>History</h2>
<ol class="history">
<% it.history.forEach(function (h) { %>
  <li><%= it.date(h.at) %> · <%= h.actor %> · <%= h.text %></li>
<% }) %>
</ol>
`;

const workItem = `<% layout('@layout') %>
<h1><%= it.item.displayId %>: <%= it.item.title %></h1>
<% if (it.notice) { %><div class="notice" role="status"><p><%= it.notice %></p></div><% } %>
<% if (it.problem) { %><div class="alert" role="alert"><p><%= it.problem %></p></div><% } %>
<p id="live-status" class="meta" role="status"></p>
<div class="columns">
<div class="live" id="live" data-live-src="/console/work-items/<%= it.item.displayId %>/live" data-live-etag="<%= it.etag %>">
<%~ it.liveHtml %>
</div>
<div class="actions">
<h2>Actions</h2>
<form method="post" action="/console/work-items/<%= it.item.displayId %>/assign" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <fieldset><legend>Assign</legend>
  <p><label for="assignee">Assign to (user name)</label>
  <input id="assignee" name="assignedTo" value="<%= it.item.assignedTo || '' %>" autocomplete="off"></p>
  <p><button type="submit">Assign</button>
  <% if (it.item.assignedTo !== it.user.username) { %><button type="submit" name="me" value="1">Assign to me</button><% } %></p>
  </fieldset>
</form>
<form method="post" action="/console/work-items/<%= it.item.displayId %>/status" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <fieldset><legend>Status and priority</legend>
  <p><label for="status">Status</label>
  <select id="status" name="status">
  <% it.statuses.forEach(function (s) { %><option value="<%= s %>"<%~ s === it.item.status ? ' selected' : '' %>><%= s %></option><% }) %>
  </select></p>
  <p><label for="priority">Priority</label>
  <select id="priority" name="priority">
  <option value=""<%~ it.item.priority === null ? ' selected' : '' %>>none</option>
  <% it.priorities.forEach(function (p) { %><option value="<%= p.value %>"<%~ p.value === it.item.priority ? ' selected' : '' %>><%= p.name %></option><% }) %>
  </select></p>
  <p><button type="submit">Save</button></p>
  </fieldset>
</form>
<form method="post" action="/console/work-items/<%= it.item.displayId %>/resolve" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <fieldset><legend>Resolve</legend>
  <p><label for="category">Resolution category</label>
  <select id="category" name="category">
  <% it.resolutions.forEach(function (r) { %><option><%= r %></option><% }) %>
  </select></p>
  <p><label for="resolution">Resolution <span class="req">(required)</span></label>
  <textarea id="resolution" name="resolution" rows="3" required></textarea></p>
  <p><button type="submit">Resolve</button></p>
  </fieldset>
</form>
<form method="post" action="/console/work-items/<%= it.item.displayId %>/config-items" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <fieldset><legend>Related configuration item</legend>
  <p><label for="ci-name">Configuration item name</label>
  <input id="ci-name" name="name" autocomplete="off"></p>
  <p><button type="submit">Relate</button></p>
  </fieldset>
</form>
<form method="post" action="/console/work-items/<%= it.item.displayId %>/comments" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <fieldset><legend>Comment</legend>
  <p><label for="comment">Comment</label>
  <textarea id="comment" name="comment" rows="3" required></textarea></p>
  <p class="choice"><input type="checkbox" id="private" name="private" value="1"><label for="private">Private note (analysts only)</label></p>
  <p><button type="submit">Add comment</button></p>
  </fieldset>
</form>
</div>
</div>
`;

const newChoices = `<% layout('@layout') %>
<h1>New work item</h1>
<ul class="cards">
<% it.choices.forEach(function (c) { %><li><a href="/console/new/<%= c.id %>"><%= c.name %></a><p class="meta"><%= c.note %></p></li><% }) %>
</ul>
`;

const newForm = `<% layout('@layout') %>
<h1><%= it.heading %></h1>
<% if (it.problem) { %><div class="alert" role="alert"><p><%= it.problem %></p></div><% } %>
<form method="post" action="/console/new/<%= it.choice %>" class="form" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="title">Title <span class="req">(required)</span></label>
  <input id="title" name="title" value="<%= it.values.title %>"<%~ it.errors.title ? ' aria-describedby="title-error" aria-invalid="true"' : '' %>>
  <%~ include('@fieldError', { id: 'title', error: it.errors.title }) %></p>
  <p><label for="description">Description</label>
  <textarea id="description" name="description" rows="5"><%= it.values.description %></textarea></p>
  <p><label for="priority">Priority</label>
  <select id="priority" name="priority">
  <option value="">none</option>
  <% it.priorities.forEach(function (p) { %><option value="<%= p.value %>"<%~ String(p.value) === String(it.values.priority) ? ' selected' : '' %>><%= p.name %></option><% }) %>
  </select></p>
  <p><label for="affectedUser">Affected user (user name)</label>
  <input id="affectedUser" name="affectedUser" value="<%= it.values.affectedUser %>"></p>
  <p><label for="assignedTo">Assign to (user name)</label>
  <input id="assignedTo" name="assignedTo" value="<%= it.values.assignedTo %>"></p>
  <% if (it.extensionFields.length > 0) { %>
  <fieldset><legend>Properties from management packs</legend>
  <% it.extensionFields.forEach(function (f) { %><p><label for="<%= f.id %>"><%= f.label %><% if (f.required) { %> <span class="req">(required)</span><% } %></label>
  <% if (f.kind === 'select') { %><select id="<%= f.id %>" name="<%= f.name %>">
  <option value="">none</option>
  <% f.options.forEach(function (o) { %><option value="<%= o.value %>"<%~ o.value === f.value ? ' selected' : '' %>><%= o.label %></option><% }) %>
  </select><% } else { %><input id="<%= f.id %>" name="<%= f.name %>" value="<%= f.value %>"><% } %></p>
  <% }) %>
  </fieldset>
  <% } %>
  <% if (it.templateProperties.length > 0) { %>
  <h2>From the template</h2>
  <dl class="facts"><% it.templateProperties.forEach(function (p) { %><dt><%= p.label %></dt><dd><%= p.value %></dd><% }) %></dl>
  <% } %>
  <p><button type="submit">Create</button></p>
</form>
`;

const configItems = `<% layout('@layout') %>
<h1>Configuration items</h1>
<form method="get" action="/console/config-items" class="search">
  <label for="class">Class</label>
  <select id="class" name="class">
  <option value="">every class</option>
  <% it.classes.forEach(function (c) { %><option<%~ c === it.cls ? ' selected' : '' %>><%= c %></option><% }) %>
  </select>
  <button type="submit">Show</button>
</form>
<% if (it.items.length === 0) { %><p>No configuration items.</p><% } else { %>
<table>
  <caption>Configuration items<%= it.cls ? ' of class ' + it.cls : '' %></caption>
  <thead><tr><th scope="col">Name</th><th scope="col">Class</th><th scope="col">Updated</th></tr></thead>
  <tbody>
  <% it.items.forEach(function (c) { %><tr><td><a href="/console/config-items/<%= c.id %>"><%= c.name %></a></td><td><%= c.class %></td><td><%= it.date(c.updatedAt) %></td></tr><% }) %>
  </tbody>
</table>
<% } %>
<nav aria-label="Pages" class="pager">
  <% if (it.first) { %><a href="<%= it.first %>">First page</a><% } %>
  <% if (it.next) { %><a href="<%= it.next %>" rel="next">Next page</a><% } %>
</nav>
`;

const configItem = `<% layout('@layout') %>
<h1><%= it.ci.name %></h1>
<dl class="facts">
  <dt>Class</dt><dd><%= it.ci.class %></dd>
  <dt>Created</dt><dd><%= it.date(it.ci.createdAt) %></dd>
  <dt>Updated</dt><dd><%= it.date(it.ci.updatedAt) %></dd>
</dl>
<h2>Properties</h2>
<% if (it.properties.length === 0) { %><p>No properties.</p><% } else { %>
<table>
  <caption>Properties of <%= it.ci.name %></caption>
  <thead><tr><th scope="col">Property</th><th scope="col">Value</th></tr></thead>
  <tbody><% it.properties.forEach(function (p) { %><tr><th scope="row"><%= p.label %></th><td><%= p.value %></td></tr><% }) %></tbody>
</table>
<% } %>
<h2>Related work items</h2>
<% if (!it.related) { %><p>Not available.</p><% } else if (it.related.length === 0) { %><p>None.</p><% } else { %>
<ul><% it.related.forEach(function (w) { %><li><a href="/console/work-items/<%= w.displayId %>"><%= w.displayId %></a>: <%= w.title %> (<%= w.status %>)</li><% }) %></ul>
<% } %>
`;

const search = `<% layout('@layout') %>
<h1>Search</h1>
<form method="get" action="/console/search" role="search" class="search">
  <label for="q">Search titles, display ids (IR42) and configuration item names</label>
  <input id="q" name="q" type="search" value="<%= it.q %>">
  <button type="submit">Search</button>
</form>
<% if (it.q) { %>
<h2>Work items</h2>
<% if (it.workItems.length === 0) { %><p>No work item matches “<%= it.q %>”.</p><% } else { %>
<table>
  <caption>Work items matching “<%= it.q %>”</caption>
  <thead><tr><th scope="col">Id</th><th scope="col">Title</th><th scope="col">Status</th><th scope="col">Assigned to</th></tr></thead>
  <tbody><% it.workItems.forEach(function (w) { %><tr><td><a href="/console/work-items/<%= w.displayId %>"><%= w.displayId %></a></td><td><%= w.title %></td><td><%= w.status %></td><td><%= w.assignedTo || '' %></td></tr><% }) %></tbody>
</table>
<% } %>
<h2>Configuration items</h2>
<% if (it.configItems.length === 0) { %><p>No configuration item matches “<%= it.q %>”.</p><% } else { %>
<ul><% it.configItems.forEach(function (c) { %><li><a href="/console/config-items/<%= c.id %>"><%= c.name %></a> (<%= c.class %>)</li><% }) %></ul>
<% } %>
<% } %>
`;

export const ANALYST_VIEWS: Record<string, string> = {
  '@queues': queues,
  '@queue': queue,
  '@workItemLive': workItemLive,
  '@workItem': workItem,
  '@newChoices': newChoices,
  '@newForm': newForm,
  '@configItems': configItems,
  '@configItem': configItem,
  '@search': search,
};

export const ANALYST_STYLES = `
.columns { display: grid; grid-template-columns: minmax(0, 2fr) minmax(16em, 1fr); gap: 24px; }
@media (max-width: 800px) { .columns { grid-template-columns: 1fr; } }
.actions fieldset { padding: 4px 12px; }
.actions select, .actions input:not([type=checkbox]), .actions textarea { width: 100%; }
.notice { border-left: 4px solid #1a7f37; padding: 4px 12px; background: #eefbf1; }
.private { color: #8a4600; font-weight: 600; }
.inline { display: inline; margin-left: 8px; }
.inline button { padding: 1px 8px; font-size: 0.9em; }
.related li { margin: 4px 0; }
th a { color: inherit; }
`;
