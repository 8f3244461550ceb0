/** How to run this `mpc` command again in a child process (the dev network's parties, end-to-end tests). */
import { fileURLToPath } from 'node:url';
import type { NodeProgram } from '../src/runtime/processes.js';

/**
 * The `mpc` entry matching the code running now: the compiled `index.js` beside this file when it runs from
 * `dist/`, else the TypeScript `index.ts` through tsx's loader (development and tests). A child thus never runs
 * older code than its parent, whatever `dist/` holds.
 */
export function mpcProgram(): NodeProgram {
  const here = import.meta.url;
  if (here.endsWith('.js')) return { script: fileURLToPath(new URL('./index.js', here)), execArgv: [] };
  return { script: fileURLToPath(new URL('./index.ts', here)), execArgv: ['--import', import.meta.resolve('tsx')] };
}
