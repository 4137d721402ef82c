/** Where the console lives on the management server's listen address, and where a sign-in may lead. */
import { localPathUnder } from '../web/local-path.js';

export const CONSOLE_PREFIX = '/console';

/** After sign-in: only a console path ("/console/..."), else the console's home. */
export const consoleNext = localPathUnder(CONSOLE_PREFIX);
