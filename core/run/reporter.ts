/** What the runner tells the user while it works (progress bar, log lines, or nothing). */
import type { StepReport } from '../train/trainer.ts';

export interface ProgressReporter {
  start(totalSteps: number): void;
  step(report: StepReport): void;
  /** A one-line message (phase changes, warnings). */
  message(text: string): void;
  end(): void;
}

export const silentReporter: ProgressReporter = {
  start() {},
  step() {},
  message() {},
  end() {},
};
