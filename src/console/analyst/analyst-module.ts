/**
 * The analyst's pages of the console (issue 14 item 1): work item queues,
 * the work item page with live updates, new work items from templates,
 * configuration items, search. For analysts and administrators.
 */
import type { ConsoleModule } from '../console-module.js';
import { ANALYST_STYLES, ANALYST_VIEWS } from './analyst-views.js';
import { configItemPages } from './config-item-pages.js';
import { newWorkItemPages } from './new-work-item-pages.js';
import { queuePages } from './queue-pages.js';
import { searchPage } from './search-page.js';
import { workItemPages } from './work-item-pages.js';

export const analystModule: ConsoleModule = {
  name: 'analyst',
  nav: [
    { href: '/console/queues', label: 'Queues', role: 'analyst' },
    { href: '/console/new', label: 'New work item', role: 'analyst' },
    { href: '/console/config-items', label: 'Configuration items', role: 'analyst' },
    { href: '/console/search', label: 'Search', role: 'analyst' },
  ],
  views: ANALYST_VIEWS,
  styles: ANALYST_STYLES,
  register(app, ctx) {
    queuePages(app, ctx);
    workItemPages(app, ctx);
    newWorkItemPages(app, ctx);
    configItemPages(app, ctx);
    searchPage(app, ctx);
  },
};
