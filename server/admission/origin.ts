/**
 * The `Origin` allowlist: exact, case-insensitive comparison of scheme, host and port, after the URL parser has
 * normalized both sides (default ports dropped, IDN hosts in punycode). No substring or suffix matching, so
 * `https://app.example.com.evil.com` never passes for `https://app.example.com`.
 */

/** Normalizes an origin to `scheme://host[:port]`, or `undefined` when it is not an http(s) origin. */
export function normalizeOrigin(origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    return undefined;
  }
  return url.origin.toLowerCase();
}

/** Decides which origins may connect. */
export class OriginPolicy {
  private readonly allowed: Set<string> | undefined;

  /**
   * @param allowedOrigins exact origins (`https://app.example.com`); `undefined` allows every origin
   * @throws TypeError for an entry that is not an http(s) origin
   */
  constructor(allowedOrigins?: readonly string[]) {
    if (!allowedOrigins) return;
    this.allowed = new Set(
      allowedOrigins.map((o) => {
        const normal = normalizeOrigin(o);
        if (!normal) throw new TypeError(`allowedOrigins: not an origin: ${JSON.stringify(o)}`);
        return normal;
      }),
    );
  }

  /** Whether an allowlist is configured at all. */
  get restricted(): boolean {
    return this.allowed !== undefined;
  }

  /**
   * Whether a request with this `Origin` header may connect. A request without one is not from a browser and
   * is not subject to the allowlist.
   */
  allows(origin: string | undefined): boolean {
    return origin === undefined || !this.allowed || this.lists(origin);
  }

  /** Whether `origin` is explicitly on the allowlist (what CORS may reflect). */
  lists(origin: string | undefined): boolean {
    if (origin === undefined || !this.allowed) return false;
    const normal = normalizeOrigin(origin);
    return normal !== undefined && this.allowed.has(normal);
  }
}
