/**
 * A topic's payload contract: a Standard Schema v1 validator (zod, valibot, arktype…) or a JSON Schema object
 * (compiled with ajv, an optional peer dependency loaded only when a JSON Schema is given), turned into one check
 * that answers the issues of a payload, content-free.
 *
 * Content-free means: an issue's `path` is a JSON Pointer whose segments are array indexes or identifier-like keys
 * (any other key, which may be data such as an e-mail address used as a key, becomes `*`); its `message` is ajv's
 * (made from the schema, never from the data), or a Standard Schema validator's only when it quotes nothing, holds
 * no run of 4+ digits and no personal data (valibot writes `received "jane@…"`), else a generic one. Logs and the
 * audit log keep only the paths.
 */
import { createRequire } from 'node:module';
import { isStandardSchema, type StandardSchemaV1 } from '../../src/protocol/standard-schema.js';
import { findPii } from './pii-detectors.js';

/** A JSON Schema (draft-07 by default; 2019-09 and 2020-12 when its `$schema` says so). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** What `registerTopic` takes as `schema`: any Standard Schema v1 validator, or a JSON Schema object. */
export type PayloadSchema = StandardSchemaV1 | JsonSchema;

/** One way a payload misses its contract, without any of its content. */
export interface ContractIssue {
  /** JSON Pointer to the value at fault (`''`: the payload itself; `*`: a key that was not identifier-like). */
  readonly path: string;
  /** What is wrong, in words that quote no data. */
  readonly message: string;
}

/** The issues of a payload (none: an empty list); a promise when the validator is asynchronous. */
export type ContractCheck = (value: unknown) => readonly ContractIssue[] | Promise<readonly ContractIssue[]>;

/** The ajv range the gateway is built and tested with (its optional peer range). */
export const AJV_RANGE = '^8.12.0';
/** The ajv-formats range, for JSON Schemas with `format`. */
export const AJV_FORMATS_RANGE = '^3.0.1';

/** Issues kept per payload: enough to fix it, bounded for answers and audit entries. */
export const MAX_ISSUES = 10;

const GENERIC = 'does not match the schema';
const THREW: readonly ContractIssue[] = Object.freeze([{ path: '', message: 'the schema validator threw an error' }]);
const OK: readonly ContractIssue[] = Object.freeze([]);

const SAFE_KEY = /^[A-Za-z_$][\w$-]{0,63}$/;

/** A segment of a path as it may be shown: an index, an identifier-like key without personal data, else `*`. */
function safeSegment(key: PropertyKey): string {
  if (typeof key === 'number') return String(key);
  if (typeof key !== 'string') return '*';
  if (/^(?:0|[1-9]\d{0,8})$/.test(key)) return key;
  return SAFE_KEY.test(key) && findPii(key).length === 0 ? key.replace(/~/g, '~0').replace(/\//g, '~1') : '*';
}

/** A JSON Pointer of safe segments (at most 16, then `…`). */
export function safePointer(segments: readonly PropertyKey[]): string {
  const shown = segments.slice(0, 16).map((s) => `/${safeSegment(s)}`);
  return shown.join('') + (segments.length > 16 ? '/…' : '');
}

const UNSAFE_MESSAGE = /["'`«»“”‘’]|\d{4,}/;

/** A validator's message when it quotes no data, else a generic one. */
function safeMessage(message: unknown): string {
  if (typeof message !== 'string' || message.length === 0 || message.length > 200) return GENERIC;
  return UNSAFE_MESSAGE.test(message) || findPii(message).length > 0 ? GENERIC : message;
}

function standardIssues(issues: readonly StandardSchemaV1.Issue[] | undefined): readonly ContractIssue[] {
  if (!issues || issues.length === 0) return OK;
  return issues.slice(0, MAX_ISSUES).map(({ path, message }) => ({
    path: safePointer((path ?? []).map((s) => (typeof s === 'object' && s !== null ? s.key : s))),
    message: safeMessage(message),
  }));
}

/** A Standard Schema validator as a check; its output (a transform's result) is not used: the payload goes as sent. */
function standardCheck(schema: StandardSchemaV1): ContractCheck {
  const validate = schema['~standard'].validate;
  return (value) => {
    let result: ReturnType<typeof validate>;
    try {
      result = validate(value);
    } catch {
      return THREW;
    }
    if (result instanceof Promise)
      return result.then(
        (settled) => standardIssues(settled.issues),
        () => THREW,
      );
    return standardIssues(result.issues);
  };
}

// ---- JSON Schema with ajv ----------------------------------------------------------------------------------------

/** What the gateway uses of ajv (declared here, so the gateway's types never name the optional package). */
interface AjvError {
  instancePath: string;
  message?: string;
}
interface AjvValidate {
  (data: unknown): boolean;
  errors?: AjvError[] | null;
}
interface AjvInstance {
  compile(schema: object): AjvValidate;
}
type AjvClass = new (options: Record<string, unknown>) => AjvInstance;
type AddFormats = (ajv: AjvInstance) => unknown;

const requireOptional = createRequire(import.meta.url);

/** `module.exports`, or its `default` (ajv's CommonJS entries carry both). */
function defaultExport<T>(module: unknown): T {
  const withDefault = module as { default?: T };
  return withDefault.default ?? (module as T);
}

function missing(error: unknown, name: string): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'MODULE_NOT_FOUND' && String(message).includes(`'${name}`);
}

/** The ajv class for the schema's draft, loaded synchronously on first use. */
function ajvClass(schema: JsonSchema): AjvClass {
  const draft = String(schema['$schema'] ?? '');
  const entry = draft.includes('2020-12') ? 'ajv/dist/2020' : draft.includes('2019-09') ? 'ajv/dist/2019' : 'ajv';
  try {
    return defaultExport<AjvClass>(requireOptional(entry));
  } catch (error) {
    if (missing(error, 'ajv'))
      throw new Error(`a JSON Schema needs the ajv package: npm install ajv@${AJV_RANGE}`, { cause: error });
    throw error;
  }
}

/** ajv-formats when installed (formats such as `email` or `date-time`), else undefined. */
function addFormats(): AddFormats | undefined {
  try {
    return defaultExport<AddFormats>(requireOptional('ajv-formats'));
  } catch (error) {
    if (missing(error, 'ajv-formats')) return undefined;
    throw error;
  }
}

/**
 * A JSON Schema as a check, compiled by ajv with its default strictness (an unknown or misspelt keyword is an
 * error, not a silent no-op; its pickier tuple and type hints stay quiet),
 * stopping at the first error (`allErrors` would let a hostile payload make the check arbitrarily slow), never
 * coercing, defaulting or removing anything: the payload goes out as sent.
 */
function jsonSchemaCheck(schema: JsonSchema): ContractCheck {
  const Ajv = ajvClass(schema);
  const ajv = new Ajv({ allErrors: false, logger: false });
  const formats = addFormats();
  if (formats) formats(ajv);
  let validate: AjvValidate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (!formats && /unknown format/.test(reason))
      throw new TypeError(`${reason}: install ajv-formats (npm install ajv-formats@${AJV_FORMATS_RANGE})`);
    throw new TypeError(`the JSON Schema is invalid: ${reason}`);
  }
  return (value) => {
    if (validate(value)) return OK;
    return (validate.errors ?? []).slice(0, MAX_ISSUES).map(({ instancePath, message }) => ({
      path: safePointer(
        instancePath === ''
          ? []
          : instancePath
              .slice(1)
              .split('/')
              .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')),
      ),
      message: message ?? GENERIC,
    }));
  };
}

/** A plain object (a JSON Schema), as opposed to a class instance or anything else. */
function isPlainObject(value: unknown): value is JsonSchema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Compiles a topic's schema into a check.
 * @throws TypeError for a value that is neither a Standard Schema validator nor a JSON Schema object, or a JSON
 *   Schema ajv refuses; Error naming the install command when ajv is missing
 * @example compileContract(z.object({ crash_free: z.number() }))
 * @example compileContract({ type: 'object', required: ['crash_free'], properties: { crash_free: { type: 'number' } } })
 */
export function compileContract(schema: PayloadSchema): ContractCheck {
  if (isStandardSchema(schema)) return standardCheck(schema);
  if (isPlainObject(schema)) return jsonSchemaCheck(schema);
  throw new TypeError('schema must be a Standard Schema validator (zod, valibot, arktype…) or a JSON Schema object');
}
