#!/usr/bin/env node
// Part of `npm run build`: makes the template of new embedded data directories
// (src/db/pglite-template.ts) for the installed PGlite, once; later builds find it
// and return at once.
import { makePgliteTemplate } from '../dist/src/db/pglite-template.js';

const { file, made } = await makePgliteTemplate();
if (made) console.log(`made ${file}`);
