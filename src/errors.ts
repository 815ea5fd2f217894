/**
 * Typed errors of fastface. Every failure a user can cause is one of these classes; the CLI's single
 * catch point (src/cli/main.ts) maps `exitCode` to the process exit code. Message texts live in the
 * catalogue under src/messages/ so they are written once and testable.
 *
 * Exit codes (also printed by `fastface --help`):
 *   0 success · 1 internal error (a bug) · 2 usage / configuration · 3 input missing or unreadable
 *   4 input malformed (parse / format) · 5 retrain verdict: accuracy does not hold · 6 backend unavailable
 */

import { E_BACKEND, E_CONFIG, E_FORMAT, E_INPUT, E_PARSE, unknownFormatTried } from "./messages/common.ts";
import { E_VERDICT } from "./messages/train.ts";

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  io: 3,
  parse: 4,
  verdictFails: 5,
  backend: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Where in an input a problem was found. All fields optional: give what is known. */
export interface Location {
  file?: string;
  /** 1-based line number in a text input. */
  line?: number;
  /** 0-based byte offset in a binary input. */
  byteOffset?: number;
}

export function formatLocation(loc: Location): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.file);
  if (loc.line !== undefined) parts.push(`line ${loc.line}`);
  if (loc.byteOffset !== undefined) parts.push(`byte ${loc.byteOffset}`);
  return parts.join(", ");
}

/** Base class: every error fastface throws on purpose. */
export class FastfaceError extends Error {
  readonly exitCode: ExitCode;
  readonly code: string;
  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Malformed content: names file and line or byte offset, and what was expected. */
export class ParseError extends FastfaceError {
  readonly location: Location;
  readonly expected: string;
  constructor(message: string, location: Location, expected: string, options?: { cause?: unknown }) {
    const where = formatLocation(location);
    super(E_PARSE, `${where ? `${where}: ` : ""}${message} (expected ${expected})`, EXIT.parse, options);
    this.location = location;
    this.expected = expected;
  }
}

/** No parser accepted the input; `attempts` says what was tried and why each failed. */
export class FormatError extends FastfaceError {
  readonly file: string;
  readonly attempts: ReadonlyArray<{ format: string; reason: string }>;
  constructor(file: string, attempts: ReadonlyArray<{ format: string; reason: string }>, message?: string) {
    super(E_FORMAT, message ?? unknownFormatTried(file, attempts), EXIT.parse);
    this.file = file;
    this.attempts = attempts;
  }
}

/** Bad options, scheduler specs, grids, parameters. */
export class ConfigError extends FastfaceError {
  constructor(message: string, code = E_CONFIG) {
    super(code, message, EXIT.usage);
  }
}

/** A file or folder that is missing, unreadable, empty, or would be overwritten. */
export class InputError extends FastfaceError {
  readonly path: string;
  constructor(path: string, message: string, code = E_INPUT) {
    super(code, `${path}: ${message}`, EXIT.io);
    this.path = path;
  }
}

/** A compute backend that cannot be used (tfjs-node-gpu missing, a kernel missing on wasm, ...). */
export class BackendError extends FastfaceError {
  constructor(message: string, code = E_BACKEND) {
    super(code, message, EXIT.backend);
  }
}

/** Retrain: the candidate's accuracy fell below baseline - tolerance. Carries the result for printing. */
export class VerdictError extends FastfaceError {
  readonly result: unknown;
  constructor(message: string, result: unknown) {
    super(E_VERDICT, message, EXIT.verdictFails);
    this.result = result;
  }
}

/** A warning: something the user should know, that did not stop the work. Collected, never thrown. */
export interface Warning {
  /** Stable identifier from the catalogue, e.g. `W_RESUMED_RUN`. Tests match on it. */
  code: string;
  message: string;
  location?: Location;
}

/** Collects warnings; passed down through pure functions instead of printing from inside them. */
export class Warnings {
  readonly list: Warning[] = [];
  add(code: string, message: string, location?: Location): void {
    this.list.push(location === undefined ? { code, message } : { code, message, location });
  }
  has(code: string): boolean {
    return this.list.some((w) => w.code === code);
  }
}
