import type { TFieldError } from '@corebase/contracts';
import type { FastifyRequest } from 'fastify';
import type { App } from '#server/platform/http/app';
import { validationFailed } from '#server/platform/http/field-errors';

/**
 * Limits on every JSON body, whatever the route, checked in one walk as the body is parsed.
 * Generous: no client of ours comes near them (route schemas set the real, tighter maxima), but
 * a body past them is refused before any route, library or database spends time on it.
 * docs/security.md lists them.
 */
export const jsonLimits = {
  /** Nesting of objects and arrays. */
  depth: 32,
  /** Items of one array, and members of one object. */
  items: 10_000,
  /** UTF-16 code units of one string (a field name or a value). */
  stringLength: 1_000_000,
} as const;

// A cheap native pre-check; the loop below tells a paired surrogate (an emoji) from a lone one.
// eslint-disable-next-line no-control-regex -- U+0000 is what it looks for
const suspect = /[\u0000\ud800-\udfff]/;

/**
 * Why PostgreSQL could not store this text, if it could not: U+0000 (text and jsonb refuse it)
 * or a lone UTF-16 surrogate (no UTF-8 encoding exists for one).
 */
export function unstorableText(text: string): string | undefined {
  if (!suspect.test(text)) return undefined;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0) return 'must not contain the NUL character (U+0000)';
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return 'must not contain a lone surrogate (\\ud800-\\udfff without its pair)';
  }
  return undefined;
}

type TPath = (string | number)[];

/** A field name as the problem names it: a name that is itself unstorable, made printable. */
const fieldOf = (path: TPath) =>
  path
    .map((part) =>
      typeof part === 'number'
        ? String(part)
        : unstorableText(part)
          ? [...part].map((c) => (unstorableText(c) ? '\ufffd' : c)).join('')
          : part,
    )
    .join('.');

/** The first thing in a parsed JSON value past the limits or unstorable, if any. */
export function firstJsonViolation(
  value: unknown,
  path: TPath = [],
): { field: string; message: string } | undefined {
  const violation = (message: string) => ({ field: fieldOf(path), message });
  if (typeof value === 'string') {
    if (value.length > jsonLimits.stringLength) {
      return violation(`is longer than ${jsonLimits.stringLength} characters`);
    }
    const reason = unstorableText(value);
    return reason ? violation(reason) : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (path.length >= jsonLimits.depth) {
    return violation(`nests deeper than ${jsonLimits.depth} levels`);
  }
  if (Array.isArray(value)) {
    if (value.length > jsonLimits.items) {
      return violation(`has more than ${jsonLimits.items} items`);
    }
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      const found = firstJsonViolation(value[i], path);
      path.pop();
      if (found) return found;
    }
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length > jsonLimits.items) {
    return violation(`has more than ${jsonLimits.items} members`);
  }
  for (const key of keys) {
    path.push(key);
    const keyProblem =
      key.length > jsonLimits.stringLength
        ? `is a field name longer than ${jsonLimits.stringLength} characters`
        : unstorableText(key)?.replace(/^must/, 'is a field name that must');
    const found = keyProblem
      ? violation(keyProblem)
      : firstJsonViolation((value as Record<string, unknown>)[key], path);
    path.pop();
    if (found) return found;
  }
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8Lenient = new TextDecoder('utf-8');

/**
 * Where invalid UTF-8 sits in a body: the first string or field name that decodes to U+FFFD
 * when the bytes are replaced (a body that is not JSON even so is named as a whole).
 */
function invalidUtf8Field(body: Buffer): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Lenient.decode(body));
  } catch {
    return '';
  }
  const search = (value: unknown, path: TPath): string | undefined => {
    if (typeof value === 'string') return value.includes('\ufffd') ? path.join('.') : undefined;
    if (value === null || typeof value !== 'object' || path.length > jsonLimits.depth) return;
    for (const [key, item] of Object.entries(value)) {
      const at = [...path, Array.isArray(value) ? Number(key) : key];
      if (key.includes('\ufffd')) return at.join('.');
      const found = search(item, at);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return search(parsed, []) ?? '';
}

const refuse = (part: TFieldError['in'], field: string, message: string) =>
  validationFailed([{ in: part, field, message }]);

/** The first query parameter or path parameter PostgreSQL could not store, if any. */
function checkRequestText(request: FastifyRequest): void {
  // fast-querystring leaves an escape that is not UTF-8 (`%ED%A0%80`, `%FF`) as it was written,
  // but better-auth and other consumers of the raw URL decode it again (to U+FFFD).
  const at = request.url.indexOf('?');
  if (at !== -1) {
    for (const pair of request.url.slice(at + 1).split('&')) {
      const [name = '', value = ''] = pair.split(/=(.*)/s, 2);
      for (const text of [name, value]) {
        try {
          decodeURIComponent(text.replaceAll('+', ' '));
        } catch {
          throw refuse('querystring', safeDecode(name), 'is not valid percent-encoded UTF-8');
        }
      }
    }
  }
  for (const [part, values] of [
    ['querystring', request.query],
    ['params', request.params],
  ] as const) {
    if (!values || typeof values !== 'object') continue;
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      const nameProblem = unstorableText(name);
      if (nameProblem) {
        throw refuse(part, fieldOf([name]), nameProblem.replace(/^must/, 'is a name that must'));
      }
      for (const item of Array.isArray(value) ? value : [value]) {
        const reason = typeof item === 'string' ? unstorableText(item) : undefined;
        if (reason) throw refuse(part, name, reason);
      }
    }
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/**
 * Input hygiene for every route, ours and better-auth's alike: JSON bodies are valid UTF-8,
 * within `jsonLimits` and free of what PostgreSQL cannot store (U+0000, lone surrogates); so are
 * query strings and path parameters. Each is refused with a 400 naming the field, before any
 * route runs. Fastify's own answers stay: an empty body, malformed JSON, an oversized body.
 */
export function registerInputGuards(app: App): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request, body: Buffer, done) => {
      let text: string;
      try {
        text = utf8.decode(body);
      } catch {
        done(refuse('body', invalidUtf8Field(body), 'is not valid UTF-8'), undefined);
        return;
      }
      // Fastify's own parser (empty body, malformed JSON, __proto__), synchronous.
      void parseJson(request, text, (error, parsed) => {
        if (error) {
          done(error, undefined);
          return;
        }
        const violation = firstJsonViolation(parsed);
        if (violation) done(refuse('body', violation.field, violation.message), undefined);
        else done(null, parsed);
      });
    },
  );
  app.addHook('preValidation', async (request) => checkRequestText(request));
}
