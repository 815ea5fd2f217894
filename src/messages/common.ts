/**
 * Message catalogue of what every area shares: the codes of the base error classes in src/errors.ts (each area
 * passes its own code where it has one) and the texts of file-system problems any command can meet.
 */

/** Malformed content (ParseError). */
export const E_PARSE = "E_PARSE";
/** No parser accepted an input (FormatError). */
export const E_FORMAT = "E_FORMAT";
/** Bad options, specs or parameters (ConfigError without an area code). */
export const E_CONFIG = "E_CONFIG";
/** A missing, unreadable or empty input (InputError without an area code). */
export const E_INPUT = "E_INPUT";
/** A compute backend that cannot be used (BackendError without an area code). */
export const E_BACKEND = "E_BACKEND";

/** What each reader (format, report kind) said of an input it could not read, one line each. */
export const triedList = (attempts: ReadonlyArray<{ format: string; reason: string }>): string =>
  attempts.map((a) => `  - ${a.format}: ${a.reason}`).join("\n");

export const unknownFormatTried = (file: string, attempts: ReadonlyArray<{ format: string; reason: string }>): string =>
  `${file}: unknown format; tried:\n${triedList(attempts)}`;
