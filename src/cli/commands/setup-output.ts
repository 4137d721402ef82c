/** How setup's result is shown: the facts, then the next step (back up the key). */
import type { SetupResult } from '../../management-group/setup-new-database.js';
import type { Output } from '../output.js';

export function printSetupResult(out: Output, r: SetupResult, options: { servingNext?: boolean } = {}): void {
  out.result(r, () => {
    out.line(`Management group "${r.managementGroup.name}" (${r.managementGroup.id})`);
    out.line(`Computer ${r.computerName}: management server, role ${r.role}`);
    out.line(`Database ${r.database}`);
    out.line(`Encryption key ${r.keyId} is in secure storage; config written to ${r.configPath}`);
    out.line('');
    out.line('Next: back up the encryption key now. Without it this management server cannot be recovered:');
    out.line('  smgr key backup --file <path outside this computer>');
    out.line(options.servingNext ? 'Starting the server now.' : 'Then start the server: smgr serve');
  });
}
