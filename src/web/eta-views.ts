/**
 * Eta set up the one way smgr's pages use it: every `<%= %>` value escaped
 * (autoEscape), templates compiled into the build (loaded by name, never
 * read from disk), the raw `<%~ %>` form only to place one template inside
 * another or for attribute text built from constants.
 */
import { Eta } from 'eta';

export function createViews(...sets: Array<Record<string, string>>): Eta {
  const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
  for (const views of sets) for (const [name, text] of Object.entries(views)) eta.loadTemplate(name, text);
  return eta;
}

/** A date as "2026-11-30 12:34" (UTC), for tables and facts. */
export const shortDate = (iso: string) => new Date(iso).toISOString().replace('T', ' ').slice(0, 16);

/** The shared partials: a field's error line, and the body of an error page. */
export const SHARED_VIEWS: Record<string, string> = {
  '@fieldError': `<% if (it.error) { %><p class="field-error" id="<%= it.id %>-error"><%= it.error %></p><% } %>`,
  '@error': `<% layout('@layout') %>
<h1><%= it.heading %></h1>
<p><%= it.message %></p>
<% if (it.remedy) { %><p><%= it.remedy %></p><% } %>
<p><a href="<%= it.home.href %>"><%= it.home.label %></a></p>
`,
};
