/**
 * The console's administrator pages (issue 14 item 2) as a console module:
 * users and roles, Run As accounts, management packs (with a file upload:
 * multipart/form-data is parsed in this module's own scope only, bounded by
 * the pack size limit) and the servers of the group. Administrators only.
 */

import { leaseSettings } from '../../management-group/lease-settings.js';
import { MAX_PACK_BYTES } from '../../management-packs/pack-schema.js';
import type { ConsoleModule } from '../console-module.js';
import { ADMIN_PREFIX, adminPageRoutes } from './admin-pages.js';
import { ADMIN_STYLES, ADMIN_VIEWS } from './admin-views.js';
import { parseMultipartForm } from './multipart-form.js';
import { servePageRoutes } from './serve-page-routes.js';

/** A pack file and the form's other fields. */
const UPLOAD_LIMIT = MAX_PACK_BYTES + 64 * 1024;

export const adminModule: ConsoleModule = {
  name: 'administrator',
  nav: [{ href: ADMIN_PREFIX, label: 'Administration', role: 'administrator' }],
  views: ADMIN_VIEWS,
  styles: ADMIN_STYLES,
  async register(app, ctx) {
    await app.register(async (scope) => {
      scope.addContentTypeParser(
        'multipart/form-data',
        { parseAs: 'buffer', bodyLimit: UPLOAD_LIMIT },
        async (request: { headers: Record<string, unknown> }, body: Buffer) =>
          parseMultipartForm(body, String(request.headers['content-type'] ?? '')),
      );
      servePageRoutes(
        scope,
        adminPageRoutes({
          db: ctx.server.db,
          api: ctx.api,
          leaseSettings: ctx.server.leaseSettings ?? leaseSettings(undefined),
          leaseChanged: ctx.server.leaseChanged,
          roles: ctx.server.roles ?? [],
        }),
      );
    });
  },
};
