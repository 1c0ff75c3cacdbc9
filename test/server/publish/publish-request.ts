/** A raw `POST /rt/publish` as a backend would send it: signed, bearer or deliberately wrong. */
import { signPublishRequest } from '../../../server/publish/signature.js';
import type { PublisherKey } from '../../../server/publish/publisher-keys.js';

/** Keys of the publish tests: one per kind of grant. */
export const KEYS = {
  liveops: { id: 'liveops-backend', secret: 'liveops-secret-0123456789abcdef012345', topics: ['liveops.*'] },
  all: { id: 'ops-backend', secret: 'ops-secret-0123456789abcdef0123456789ab', topics: ['*'] },
  bearer: {
    id: 'simple',
    secret: 'bearer-secret-0123456789abcdef01234567',
    topics: ['kpis.s2', 'liveops.*'],
    bearer: true,
  },
  slow: {
    id: 'slow',
    secret: 'slow-secret-0123456789abcdef0123456789',
    topics: ['*'],
    rate: { burst: 2, perSecond: 0.01 },
  },
} satisfies Record<string, PublisherKey>;

/** An answer: status, headers, parsed JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** How {@link publishRequest} signs (or does not). */
export interface RequestOptions {
  /** Sign with this key (default), or send it as a bearer token with `bearer: true`; `false`: no credentials. */
  key?: PublisherKey | false;
  bearer?: boolean;
  /** Signing time (default now). */
  nowMs?: number;
  nonce?: string;
  /** Sign over these bytes instead of the body sent (a forgery). */
  signedBody?: string;
  /** Extra or overriding headers. */
  headers?: Record<string, string>;
  method?: string;
}

/** Sends `body` (an object is JSON-encoded) to `<url>/rt/publish`. */
export async function publishRequest(url: string, body: unknown, options: RequestOptions = {}): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const key = options.key === undefined ? KEYS.all : options.key;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key && options.bearer) headers['authorization'] = `Bearer ${key.secret}`;
  else if (key) {
    Object.assign(
      headers,
      signPublishRequest({
        keyId: key.id,
        secret: key.secret,
        body: options.signedBody ?? text,
        ...(options.nowMs === undefined ? {} : { nowMs: options.nowMs }),
        ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      }),
    );
  }
  const method = options.method ?? 'POST';
  const res = await fetch(`${url}/rt/publish`, {
    method,
    headers: { ...headers, ...options.headers },
    ...(method === 'GET' || method === 'HEAD' ? {} : { body: text }),
  });
  const raw = await res.text();
  return { status: res.status, headers: res.headers, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} };
}
