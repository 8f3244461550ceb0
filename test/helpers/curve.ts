/**
 * The curve backend the tests run on: the one `MPC_CURVE_BACKEND` names (`wasm`, `native`, or `auto`, the
 * default: the faster one that loads), exactly as a node chooses it. Run the whole suite on one backend with
 * e.g. `MPC_CURVE_BACKEND=wasm npm test`; test/unit/curve-backend.test.ts runs both side by side.
 */
import type { CurveBackend } from '../../protocols/common/suite.js';
import { chooseCurveBackend } from '../../src/runtime/curve-backend.js';

/** The backend of this test process. */
export function testCurve(): CurveBackend {
  return chooseCurveBackend().backend;
}
