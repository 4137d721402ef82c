/**
 * The modules of the web console, one per line (console-module.ts says what
 * a module is). Their navigation links show in this order.
 */

// --- console-admin
import { adminModule } from './admin/admin-module.js';
import { analystModule } from './analyst/analyst-module.js';
import type { ConsoleModule } from './console-module.js';
import { recoveryModule } from './dashboard/recovery-module.js';
// --- end console-admin

// biome-ignore format: one module per line, so each branch adds its own line
export const CONSOLE_MODULES: ConsoleModule[] = [
  analystModule,
  adminModule, // console-admin
  recoveryModule, // console-admin
];
