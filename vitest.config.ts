import { defineConfig } from 'vitest/config';

// Three tiers (docs/conventions.md): unit tests beside their sources run in parallel; integration and
// e2e tests need root, namespaces, tshark or Docker and run one file at a time on this 2-core machine.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['src/**/*.test.ts'], testTimeout: 60_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Parameter sweeps that do not hold yet on every run (`make sweep`; docs/fmipv6.md): kept out of
        // `make test` until they do.
        test: {
          name: 'sweep',
          include: ['test/sweep/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        // Tests that need a kernel with sch_netem and the rest: run inside user-mode-linux by
        // `make test-kernel` (docs/kernel-tier.md), never on the host's kernel.
        test: {
          name: 'kernel',
          include: ['test/kernel/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
