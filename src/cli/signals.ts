// Ctrl-C and SIGTERM become an abort of the running operation; the command's `finally` then tears the
// lab down. A second signal while tearing down is ignored so teardown completes.
export function abortOnSignals(): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    if (!ac.signal.aborted) {
      process.stderr.write(`\n${sig}: stopping and tearing the lab down\n`);
      ac.abort(new Error(`interrupted by ${sig}`));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('SIGHUP', onSignal);
    },
  };
}
