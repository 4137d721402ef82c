#!/usr/bin/env node
// Writes docs/ERRORS.md from the compiled error registry (run `npm run build` first).
import fs from 'node:fs';
import { renderErrorsDoc } from '../dist/src/errors/errors-doc.js';

fs.mkdirSync('docs', { recursive: true });
fs.writeFileSync('docs/ERRORS.md', renderErrorsDoc());
console.log('docs/ERRORS.md written');
