/**
 * `--queue URL`: a Redis URL parsed into ioredis connection options, a printable form with the password
 * replaced by `***`, and the secrets to scrub from any text before it is printed. `rediss://` turns TLS on
 * (the server certificate is verified against Node's CA store; add a private CA with NODE_EXTRA_CA_CERTS).
 * The password may also come from the environment (FASTFACE_REDIS_PASSWORD) so it does not show in `ps`.
 */
import { isIP } from "node:net";
import { ConfigError } from "../../errors.ts";
import * as M from "../../messages/queue.ts";

/** The environment variable read for the password when the URL has none. */
export const PASSWORD_ENV = "FASTFACE_REDIS_PASSWORD";

/** Connection options in the shape ioredis takes. */
export interface RedisConnectOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: { servername?: string };
}

export interface RedisTarget {
  options: RedisConnectOptions;
  /** The URL as it may be printed: `redis://:***@host:6379/0` (never the password). */
  display: string;
  /** Texts that must never be printed (the password); see `scrub`. */
  secrets: string[];
}

/**
 * A URL as it may be printed even when it does not parse: whatever sits between `//` and `@` becomes `***`
 * unless it is a bare user name.
 * @example redactUrl("redis://:hunter2@db:6379") // "redis://:***@db:6379"
 */
export function redactUrl(text: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(text)) {
    // not even scheme://: hide everything before the last '@' (it may be a password)
    const at = text.lastIndexOf("@");
    return at < 0 ? text : `***${text.slice(at)}`;
  }
  return text.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^@/?#]*)@/, (_m, scheme: string, info: string) => {
    const colon = info.indexOf(":");
    const user = colon < 0 ? "" : info.slice(0, colon);
    return `${scheme}${user}:***@`;
  });
}

/**
 * Parse `--queue`.
 * @example
 * parseRedisUrl("rediss://ci:s3cret@redis.lab:6380/2").display // "rediss://ci:***@redis.lab:6380/2"
 * parseRedisUrl("redis://127.0.0.1:6379").options // { host: "127.0.0.1", port: 6379, db: 0 }
 */
export function parseRedisUrl(text: string, env: Record<string, string | undefined> = process.env): RedisTarget {
  const shown = redactUrl(text.trim());
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ConfigError(M.badUrl(shown, "not a URL"), M.E_QUEUE_URL);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new ConfigError(M.badUrl(shown, `unsupported scheme '${url.protocol}'`), M.E_QUEUE_URL);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new ConfigError(M.badUrl(shown, "no host"), M.E_QUEUE_URL);
  const port = url.port === "" ? 6379 : Number(url.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ConfigError(M.badUrl(shown, `bad port '${url.port}'`), M.E_QUEUE_URL);
  }
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d{1,5}$/.test(path)) {
    throw new ConfigError(M.badUrl(shown, `'/${path}' is not a database number`), M.E_QUEUE_URL);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new ConfigError(M.badUrl(shown, "no query or fragment is read; remove it"), M.E_QUEUE_URL);
  }
  const db = path === "" ? 0 : Number(path);
  const username = decode(url.username, shown);
  const password = url.password !== "" ? decode(url.password, shown) : (env[PASSWORD_ENV] ?? "");
  const options: RedisConnectOptions = { host, port, db };
  if (username !== "") options.username = username;
  if (password !== "") options.password = password;
  if (url.protocol === "rediss:") options.tls = isIP(host) === 0 ? { servername: host } : {};
  const auth = password !== "" ? `${username}:***@` : username !== "" ? `${username}@` : "";
  const hostText = isIP(host) === 6 ? `[${host}]` : host;
  const display = `${url.protocol}//${auth}${hostText}:${port}${db !== 0 ? `/${db}` : ""}`;
  return { options, display, secrets: password !== "" ? [password, encodeURIComponent(password)] : [] };
}

function decode(part: string, shown: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(M.badUrl(shown, "bad %-escape in the user or password"), M.E_QUEUE_URL);
  }
}

/**
 * Replace every secret in a text by `***` (error texts from Redis, the network or BullMQ pass through this).
 * @example scrub("AUTH hunter2 failed", ["hunter2"]) // "AUTH *** failed"
 */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s !== "") out = out.split(s).join("***");
  return out;
}
