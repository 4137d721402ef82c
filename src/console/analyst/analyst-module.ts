/**
 * The analyst's pages of the console (issue 14 item 1): work item queues,
 * the work item page with live updates, new work items from templates,
 * configuration items, search. For analysts and administrators.
 */
import type { ConsoleModule } from '../console-module.js';

export const analystModule: ConsoleModule = {
  name: 'analyst',
  nav: [],
  register() {},
};
