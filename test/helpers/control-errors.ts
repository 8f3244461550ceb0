/** How the control-message tests name the error a codec threw. */
import { DecodeError } from '../../protocols/common/errors.js';
import { ControlError, type ControlErrorCode } from '../../protocols/control/errors.js';

/** The code of the ControlError `f` throws (fails when it throws none, rethrows anything else). */
export function controlCode(f: () => unknown): ControlErrorCode {
  try {
    f();
  } catch (e) {
    if (e instanceof ControlError) return e.code;
    throw e;
  }
  throw new Error('expected a ControlError');
}

/** Whether `e` is a DecodeError, for `assert.throws`. */
export const isDecode = (e: unknown) => e instanceof DecodeError;
