/**
 * What came back from a URL that should have been a ticket endpoint or a gateway, in a few words for an error
 * message: where a redirect ended, the status, the content type and the first 80 characters of the body.
 */

/**
 * Reads the body of `res`: what it holds as JSON (`undefined` when it is not JSON), and what `url` answered, in
 * words.
 * @example const [json, what] = await read(res, '/rt/ticket'); // what: '/rt/ticket answered 200 text/html "<!doc…"'
 */
export async function read(res: Response, url: string): Promise<[unknown, string]> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: `json` stays undefined
  }
  return [
    json,
    `${url} ${res.redirected ? `→ ${res.url} ` : ''}answered ${res.status} ${res.headers.get('content-type') ?? 'no content-type'} ${JSON.stringify(text.slice(0, 80))}`,
  ];
}
