#!/usr/bin/env node
// The `mpc` command (package.json "bin"). Registers tsx's loader so that the TypeScript CLI runs without a
// build step, then loads it. Paths resolve from this file, so `mpc` works from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('./index.ts');
