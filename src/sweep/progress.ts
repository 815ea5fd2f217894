/**
 * The sweep progress bar (cli-progress) on stderr: done/total, rate and ETA. Only drawn when stderr is a TTY;
 * otherwise every method is a no-op and the sweep is quiet.
 */
import { SingleBar } from "cli-progress";

export interface SweepProgress {
  start(total: number, alreadyDone: number): void;
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar when `tty` is true, a silent object otherwise.
 * @example const bar = sweepProgress(Boolean(process.stderr.isTTY)); bar.start(900, 0); bar.update(10); bar.stop();
 */
export function sweepProgress(tty: boolean): SweepProgress {
  if (!tty) return { start: () => undefined, update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: "sweep |{bar}| {value}/{total} results | {rate}/s | ETA {eta_formatted}",
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
    etaBuffer: 200,
    fps: 5,
  });
  let t0 = 0;
  let base = 0;
  let running = false;
  return {
    start(total, alreadyDone) {
      t0 = performance.now();
      base = alreadyDone;
      running = true;
      bar.start(total, alreadyDone, { rate: "0" });
    },
    update(done) {
      if (!running) return;
      const s = (performance.now() - t0) / 1000;
      const rate = s > 0 ? (done - base) / s : 0;
      bar.update(done, { rate: rate >= 100 ? rate.toFixed(0) : rate.toFixed(1) });
    },
    stop() {
      if (!running) return;
      running = false;
      bar.stop();
    },
  };
}
