/**
 * What came back from a URL that should have been a ticket endpoint or a gateway, in a few words for an error
 * message: the status, the content type, the first characters of the body, and where a redirect ended.
 */

/**
 * Reads the body of `res`: its text, and what it holds as JSON (`undefined` when it is not JSON).
 * @example const [text, json] = await read(res);
 */
export async function read(res: Response): Promise<[string, unknown?]> {
  const text = await res.text();
  try {
    return [text, JSON.parse(text)];
  } catch {
    return [text];
  }
}

/**
 * Describes an HTTP answer whose body is `text`: where a redirect ended, the status, the content type and the
 * first 80 characters.
 * @example answered(res, html) // 'answered 200 text/html "<!doctype html>\\n<html lang=\\"en\\">…"'
 */
export const answered = (res: Response, text: string): string =>
  `${res.redirected ? `→ ${res.url} ` : ''}answered ${res.status} ${res.headers.get('content-type')} ${JSON.stringify(text.slice(0, 80))}`;
