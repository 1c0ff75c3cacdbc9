/**
 * Reads a Markdown document's fenced code blocks and the convention that makes them checkable:
 *
 * - the info string's first word is the language; `title="file.ext"` names the file the block is
 *   (```` ```ts title="realtime.ts" ````), `shared` makes the file available to every section, and `fragment`
 *   marks a block that is deliberately not a whole file;
 * - the blocks of one section (the text under one `#`, `##` or `###` heading) form one small project, what a
 *   reader pasting that section gets.
 */

/** A fenced code block as the document has it. */
export interface CodeBlock {
  /** The info string's first word, lower-cased (`ts`, `svelte`, `bash`…), or `''`. */
  lang: string;
  /** The file name from `title="…"`, if any. */
  title: string | undefined;
  /** `shared`: the file is copied into every section that does not write its own. */
  shared: boolean;
  /** `fragment`: not a whole file (checked for syntax only). */
  fragment: boolean;
  /** The heading of the section the block belongs to (`''` before the first heading). */
  section: string;
  /** The 1-based line of the block's first code line. */
  line: number;
  /** The code, with the fence's indentation removed. */
  code: string;
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^#{1,3}\s+(.+?)\s*#*\s*$/;
const TITLE = /\btitle=(?:"([^"]*)"|'([^']*)'|(\S+))/;

/** Splits an info string such as `ts title="main.ts" shared` into its parts. */
function parseInfo(info: string): Pick<CodeBlock, 'lang' | 'title' | 'shared' | 'fragment'> {
  const match = TITLE.exec(info);
  const rest = info.replace(TITLE, ' ').trim().split(/\s+/);
  return {
    lang: (rest[0] ?? '').toLowerCase(),
    title: match ? (match[1] ?? match[2] ?? match[3]) : undefined,
    shared: rest.includes('shared'),
    fragment: rest.includes('fragment'),
  };
}

/**
 * Every fenced code block of `markdown`, in order.
 * @throws when a fence is never closed (the rest of the document would silently become code)
 */
export function extractBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const open = FENCE.exec(line);
    if (!open) {
      const heading = HEADING.exec(line);
      if (heading) section = heading[1] ?? '';
      continue;
    }
    const [, indent = '', fence = '', info = ''] = open;
    const start = i + 1;
    const body: string[] = [];
    for (i++; ; i++) {
      if (i >= lines.length) throw new Error(`line ${start}: the code fence ${fence} is never closed`);
      const close = FENCE.exec(lines[i] ?? '');
      if (close && close[2]?.[0] === fence[0] && (close[2]?.length ?? 0) >= fence.length && !close[3]?.trim()) break;
      body.push((lines[i] ?? '').replace(new RegExp(`^ {0,${indent.length}}`), ''));
    }
    blocks.push({ ...parseInfo(info), section, line: start + 1, code: body.join('\n') + '\n' });
  }
  return blocks;
}
