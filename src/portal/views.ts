/**
 * The portal's pages as Eta templates (compiled into the build, so the portal
 * runs from dist/ alone). Eta escapes every `<%= %>` value (autoEscape); no
 * template uses the raw `<%~ %>` form except to place one template inside
 * another (layout body, includes). No script anywhere: every page works with
 * the keyboard and a screen reader through plain links, labelled fields and
 * forms, and the Content-Security-Policy forbids scripts outright.
 */
import { BASE_STYLESHEET } from '../web/base-styles.js';

const layout = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title><%= it.title %> · Self-Service Portal</title>
<link rel="stylesheet" href="/static/portal.css">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">Self-Service Portal</a>
  <% if (it.user) { %>
  <nav aria-label="Main">
    <ul>
      <li><a href="/"<%~ it.nav === 'home' ? ' aria-current="page"' : '' %>>Catalog</a></li>
      <li><a href="/help"<%~ it.nav === 'help' ? ' aria-current="page"' : '' %>>Get help</a></li>
      <li><a href="/requests"<%~ it.nav === 'requests' ? ' aria-current="page"' : '' %>>My requests</a></li>
      <li><a href="/approvals"<%~ it.nav === 'approvals' ? ' aria-current="page"' : '' %>>My approvals</a></li>
    </ul>
  </nav>
  <form class="signout" method="post" action="/sign-out">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <span>Signed in as <strong><%= it.user.username %></strong></span>
    <button type="submit">Sign out</button>
  </form>
  <% } %>
</header>
<main id="main" tabindex="-1">
<%~ it.body %>
</main>
<footer><p>Management group <%= it.groupName %></p></footer>
</body>
</html>
`;

const signIn = `<% layout('@layout') %>
<h1>Sign in</h1>
<% if (it.message) { %><div class="alert" role="alert"><p><%= it.message %></p></div><% } %>
<form method="post" action="/sign-in" class="form narrow">
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
<h1>How can we help?</h1>
<form method="get" action="/" role="search" class="search">
  <label for="q">Search the catalog</label>
  <input id="q" name="q" type="search" value="<%= it.q %>">
  <button type="submit">Search</button>
</form>
<p class="help-link">Something broken? <a href="/help">Ask for help</a>.</p>
<% if (it.q) { %>
<h2>Results for “<%= it.q %>”</h2>
<% if (it.results.length === 0) { %><p>No request offering matches “<%= it.q %>”.</p><% } %>
<ul class="offerings"><% it.results.forEach(function (o) { %>
  <li><a href="/offerings/<%= o.id %>"><%= o.title %></a><p><%= o.description %></p></li>
<% }) %></ul>
<% } else { %>
<% it.services.forEach(function (s) { %>
<section aria-labelledby="svc-<%= s.id %>">
  <h2 id="svc-<%= s.id %>"><%= s.title %></h2>
  <p><%= s.description %></p>
  <ul class="offerings"><% s.offerings.forEach(function (o) { %>
    <li><a href="/offerings/<%= o.id %>"><%= o.title %></a><p><%= o.description %></p></li>
  <% }) %></ul>
</section>
<% }) %>
<% } %>
`;

const offering = `<% layout('@layout') %>
<h1><%= it.offering.title %></h1>
<p><%= it.offering.description %></p>
<% if (it.hasErrors) { %><div class="alert" role="alert"><p><%= it.errors[''] || 'Please correct the answers marked below.' %></p></div><% } %>
<form method="post" action="/offerings/<%= it.offering.id %>" class="form" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <% it.offering.questions.forEach(function (q) { var id = 'q_' + q.id; var err = it.errors[q.id]; var v = it.values[q.id] || ''; var desc = err ? ' aria-describedby="' + id + '-error" aria-invalid="true"' : ''; %>
  <% if (q.type === 'yes-no' || q.type === 'choice') { %>
  <fieldset>
    <legend><%= q.label %><% if (q.required) { %> <span class="req">(required)</span><% } %></legend>
    <% (q.type === 'yes-no' ? ['yes', 'no'] : q.choices).forEach(function (c, i) { %>
    <p class="choice"><input type="radio" id="<%= id %>-<%= i %>" name="<%= id %>" value="<%= c %>"<%~ v === c ? ' checked' : '' %><%~ desc %>>
    <label for="<%= id %>-<%= i %>"><%= q.labels ? q.labels[i] : c %></label></p>
    <% }) %>
    <%~ include('@fieldError', { id: id, error: err }) %>
  </fieldset>
  <% } else { %>
  <p><label for="<%= id %>"><%= q.label %><% if (q.required) { %> <span class="req">(required)</span><% } %></label>
  <% if (q.type === 'long-text') { %>
  <textarea id="<%= id %>" name="<%= id %>" rows="5"<%~ desc %>><%= v %></textarea>
  <% } else { %>
  <input id="<%= id %>" name="<%= id %>" type="<%= q.type === 'number' ? 'number' : q.type === 'date' ? 'date' : 'text' %>" value="<%= v %>"<%~ desc %>>
  <% } %>
  <%~ include('@fieldError', { id: id, error: err }) %></p>
  <% } %>
  <% }) %>
  <p><button type="submit">Submit request</button></p>
</form>
`;

const help = `<% layout('@layout') %>
<h1>Ask for help</h1>
<p>Tell us what is wrong; the service desk will answer on your request's page.</p>
<% if (it.hasErrors) { %><div class="alert" role="alert"><p>Please correct the fields marked below.</p></div><% } %>
<form method="post" action="/help" class="form" novalidate>
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="title">What is the problem? <span class="req">(required)</span></label>
  <input id="title" name="title" value="<%= it.values.title %>"<%~ it.errors.title ? ' aria-describedby="title-error" aria-invalid="true"' : '' %>>
  <%~ include('@fieldError', { id: 'title', error: it.errors.title }) %></p>
  <p><label for="description">Details</label>
  <textarea id="description" name="description" rows="6"<%~ it.errors.description ? ' aria-describedby="description-error" aria-invalid="true"' : '' %>><%= it.values.description %></textarea>
  <%~ include('@fieldError', { id: 'description', error: it.errors.description }) %></p>
  <p><button type="submit">Send</button></p>
</form>
`;

const requests = `<% layout('@layout') %>
<h1>My requests</h1>
<% if (it.items.length === 0) { %><p>You have no requests yet. <a href="/">Browse the catalog</a> or <a href="/help">ask for help</a>.</p><% } else { %>
<table>
  <caption>Your requests, newest first</caption>
  <thead><tr><th scope="col">Id</th><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Updated</th></tr></thead>
  <tbody>
  <% it.items.forEach(function (w) { %>
  <tr><td><a href="/requests/<%= w.displayId %>"><%= w.displayId %></a></td><td><%= w.title %></td><td><%= w.class === 'incident' ? 'Help request' : 'Service request' %></td><td><span class="status status-<%= w.status %>"><%= w.status %></span></td><td><%= it.date(w.updatedAt) %></td></tr>
  <% }) %>
  </tbody>
</table>
<% } %>
<nav aria-label="Pages" class="pager">
  <% if (it.first) { %><a href="/requests">Newest</a><% } %>
  <% if (it.next) { %><a href="/requests?cursor=<%= it.next %>">Older requests</a><% } %>
</nav>
`;

const request = `<% layout('@layout') %>
<h1><%= it.item.displayId %>: <%= it.item.title %></h1>
<dl class="facts">
  <dt>Status</dt><dd><span class="status status-<%= it.item.status %>"><%= it.item.status %></span></dd>
  <dt>Kind</dt><dd><%= it.item.class === 'incident' ? 'Help request' : 'Service request' %></dd>
  <dt>Opened</dt><dd><%= it.date(it.item.createdAt) %></dd>
  <dt>Updated</dt><dd><%= it.date(it.item.updatedAt) %></dd>
  <% if (it.item.assignedTo) { %><dt>Assigned to</dt><dd><%= it.item.assignedTo %></dd><% } %>
</dl>
<% if (it.item.description) { %><h2>Details</h2><p class="pre"><%= it.item.description %></p><% } %>
<h2>Comments</h2>
<% if (it.comments.length === 0) { %><p>No comments yet.</p><% } %>
<ol class="comments">
<% it.comments.forEach(function (c) { %>
  <li><p class="meta"><strong><%= c.author %></strong>, <%= it.date(c.createdAt) %></p><p class="pre"><%= c.body %></p></li>
<% }) %>
</ol>
<% if (it.commentError) { %><div class="alert" role="alert"><p><%= it.commentError %></p></div><% } %>
<form method="post" action="/requests/<%= it.item.displayId %>/comments" class="form">
  <input type="hidden" name="_csrf" value="<%= it.csrf %>">
  <p><label for="comment">Add a comment</label>
  <textarea id="comment" name="comment" rows="4" required></textarea></p>
  <p><button type="submit">Add comment</button></p>
</form>
<h2>History</h2>
<ol class="history">
<% it.history.forEach(function (h) { %>
  <li><%= it.date(h.at) %> · <%= h.actor %> · <%= h.text %></li>
<% }) %>
</ol>
`;

const approvals = `<% layout('@layout') %>
<h1>My approvals</h1>
<% if (it.message) { %><div class="alert" role="status"><p><%= it.message %></p></div><% } %>
<% if (it.pending.length === 0) { %><p>Nothing is waiting for your approval.</p><% } %>
<% it.pending.forEach(function (a) { %>
<section class="approval" aria-labelledby="a-<%= a.id %>">
  <h2 id="a-<%= a.id %>"><%= a.title %></h2>
  <p><%= a.workItem.displayId %>: <%= a.workItem.title %> · asked by <%= a.requestedBy %>, <%= it.date(a.requestedAt) %></p>
  <form method="post" action="/approvals/<%= a.id %>" class="form">
    <input type="hidden" name="_csrf" value="<%= it.csrf %>">
    <p><label for="c-<%= a.id %>">Comment</label>
    <textarea id="c-<%= a.id %>" name="comment" rows="2"></textarea></p>
    <p><button type="submit" name="decision" value="approved">Approve</button>
    <button type="submit" name="decision" value="rejected">Reject</button></p>
  </form>
</section>
<% }) %>
<% if (it.decided.length > 0) { %>
<h2>Answered</h2>
<ul><% it.decided.forEach(function (a) { %><li><%= a.title %> (<%= a.workItem.displayId %>): <%= a.status %></li><% }) %></ul>
<% } %>
`;

export const VIEWS: Record<string, string> = {
  '@layout': layout,
  '@signIn': signIn,
  '@home': home,
  '@offering': offering,
  '@help': help,
  '@requests': requests,
  '@request': request,
  '@approvals': approvals,
};

export const STYLESHEET = BASE_STYLESHEET;
