/**
 * A throw-away redis-server for queue tests: a free loopback port, no persistence (`--save '' --appendonly
 * no`), its own temp dir, stopped (and the dir removed) by `stop()`. `redisServerMissing()` says why the tests
 * must skip when the machine has no redis-server (CI installs it with apt; see .ci/run).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  port: number;
  /** Process id of the redis-server (CPU accounting in benches). */
  pid: number | undefined;
  /** redis://[:password@]127.0.0.1:port (rediss://[:password@]localhost:port with TLS) */
  url: string;
  password: string | null;
  stop(): Promise<void>;
}

/** Why queue tests cannot run here (null when redis-server is installed). */
export function redisServerMissing(): string | null {
  const r = spawnSync("redis-server", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    const why =
      "redis-server is not installed (apt-get install redis-server; .ci/run does): queue tests SKIPPED (they fail in CI)";
    process.stderr.write(`\n*** ${why} ***\n\n`);
    return why;
  }
  return null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A self-signed certificate for `localhost` / 127.0.0.1 in `dir` (openssl), or null when openssl is missing.
 * Clients trust it through NODE_EXTRA_CA_CERTS=<cert>.
 */
export function selfSignedCert(dir: string): { cert: string; key: string } | null {
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const r = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      key,
      "-out",
      cert,
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
    ].concat(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]),
    { encoding: "utf8" },
  );
  return r.error || r.status !== 0 ? null : { cert, key };
}

/**
 * Start redis-server on a free loopback port; resolves once it accepts connections. With `tls`, it listens for
 * TLS only (`rediss://localhost:port`).
 */
export async function startRedis(
  opts: { password?: string; tls?: { cert: string; key: string } } = {},
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "fastface-redis-"));
  const port = await freePort();
  const listen = opts.tls
    ? [
        "--port",
        "0",
        "--tls-port",
        String(port),
        "--tls-cert-file",
        opts.tls.cert,
        "--tls-key-file",
        opts.tls.key,
      ].concat(["--tls-ca-cert-file", opts.tls.cert, "--tls-auth-clients", "no"])
    : ["--port", String(port)];
  const args = [...listen, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir];
  if (opts.password) args.push("--requirepass", opts.password);
  const child: ChildProcess = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start within 10 s:\n${out}`)), 10_000);
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      out += chunk;
      if (out.includes("Ready to accept connections")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code}:\n${out}`));
    });
  });
  child.stdout?.removeAllListeners("data");
  child.stdout?.resume();
  child.removeAllListeners("exit");
  const auth = opts.password ? `:${encodeURIComponent(opts.password)}@` : "";
  return {
    port,
    pid: child.pid,
    url: opts.tls ? `rediss://${auth}localhost:${port}` : `redis://${auth}127.0.0.1:${port}`,
    password: opts.password ?? null,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
