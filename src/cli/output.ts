// How the CLI talks to people and machines: progress lines on stderr, results on stdout, or one JSON
// document on stdout with --json. Exit codes follow the run contract (architecture.md).

export const EXIT_OK = 0;
/** An expectation failed. */
export const EXIT_FAILED = 1;
/** The lab or its YAML is wrong, or the lab could not be brought up. */
export const EXIT_LAB_ERROR = 2;

/** A command hands main.ts the exit code it will end with; main ends the process after teardown. */
export type SetOutcome = (p: Promise<number>) => void;

export interface Output {
  json: boolean;
  progress(line: string): void;
  result(human: string, machine: unknown): void;
  error(message: string, machine?: unknown): void;
}

export function makeOutput(json: boolean, quiet = false): Output {
  return {
    json,
    progress(line) {
      if (!json && !quiet) process.stderr.write(`${line}\n`);
    },
    result(human, machine) {
      process.stdout.write(json ? `${JSON.stringify(machine, null, 2)}\n` : `${human}\n`);
    },
    error(message, machine) {
      if (json)
        process.stdout.write(`${JSON.stringify({ ok: false, error: message, ...(machine as object) }, null, 2)}\n`);
      else process.stderr.write(`error: ${message}\n`);
    },
  };
}
