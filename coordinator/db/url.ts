/**
 * The PostgreSQL URL as configuration: whether it can be one, and how it may be shown (never with its
 * password). No driver here, so the CLI can check the URL before it loads or opens anything.
 */

/**
 * `url` with its password (user info or `password=` parameter) replaced by `***`, for messages and logs.
 * Text that does not parse as a URL is not echoed at all: it cannot be redacted reliably.
 */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '<unparseable database URL>';
  }
  if (u.password) u.password = '***';
  if (u.searchParams.has('password')) u.searchParams.set('password', '***');
  // URL serialisation percent-encodes `*` in the query; show it as typed.
  return u.toString().replace(/%2A%2A%2A/g, '***');
}

/**
 * Why `url` cannot be a PostgreSQL URL (it does not parse, or is not postgres:// or postgresql://), or
 * undefined when it can; the message shows the URL only redacted.
 */
export function databaseUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the database URL does not parse (expected postgres://user:password@host/db)';
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    return `the database URL ${redactUrl(url)} is not postgres:// or postgresql://`;
  }
  return undefined;
}
