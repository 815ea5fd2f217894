/**
 * Progress of a long command (`fit`, `simulate`) on stderr, drawn only on a terminal and not under --quiet:
 * a bar over the command's phases with the current phase's name and the elapsed time, redrawn while a phase
 * runs. A phase that reports its own progress (`update(done, total)`) shows done/total instead. Elsewhere
 * (pipes, CI, --quiet) every method does nothing.
 */
import { stderrIsTTY } from "./output.ts";

export interface PhaseProgress {
  /** Enter the next phase (its label replaces the planned one when given). */
  next(label?: string): void;
  /** Progress inside the current phase (e.g. fits done / fits planned). */
  update(done: number, total: number): void;
  stop(): void;
}

const SILENT: PhaseProgress = { next: () => undefined, update: () => undefined, stop: () => undefined };

/**
 * A phase bar for `command` over the planned `phases`.
 *
 * @example
 * const bar = await phaseProgress("fit", ["fitting", "validating"]);
 * bar.next(); await fit(); bar.next(); await validate(); bar.stop();
 */
export async function phaseProgress(command: string, phases: readonly string[]): Promise<PhaseProgress> {
  if (!stderrIsTTY() || phases.length === 0) return SILENT;
  const { SingleBar } = await import("cli-progress");
  const bar = new SingleBar({
    stream: process.stderr,
    format: `${command} |{bar}| {step}/{steps} {phase}{inner} | {duration_formatted}`,
    barsize: 20,
    hideCursor: true,
    clearOnComplete: true,
    fps: 4,
  });
  let index = -1;
  let started = false;
  const payload = (label: string, inner = "") => ({ step: index + 1, steps: phases.length, phase: label, inner });
  return {
    next(label) {
      index = Math.min(index + 1, phases.length - 1);
      const name = label ?? phases[index] ?? "";
      if (!started) {
        started = true;
        bar.start(phases.length, index, payload(name));
      } else bar.update(index, payload(name));
    },
    update(done, total) {
      if (!started) return;
      bar.update(index + (total > 0 ? Math.min(done / total, 1) : 0), { inner: ` (${done}/${total})` });
    },
    stop() {
      if (!started) return;
      started = false;
      bar.update(phases.length);
      bar.stop();
    },
  };
}
