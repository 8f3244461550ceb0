/** SHA-256 as hex: how the coordinator stores secrets it only needs to recognise (API keys, join tokens). */
import { createHash } from 'node:crypto';

/** SHA-256 of `data` as lowercase hex. */
export function sha256hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
