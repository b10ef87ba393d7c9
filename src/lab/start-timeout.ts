// How long a lab's processes (agents, captures) may take to start before bring-up gives up: 10 s, or
// MIPSHOP_START_TIMEOUT_MS where everything runs slower. The kernel tier sets 60 s: user-mode-linux
// runs all of a lab's processes on one virtual CPU and traps their system calls (docs/kernel-tier.md).
export function startTimeoutMs(): number {
  const v = Number(process.env.MIPSHOP_START_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}
