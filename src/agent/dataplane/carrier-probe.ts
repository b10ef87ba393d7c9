// The radio's carrier read at the moment of sending (docs/dataplane.md §2, "Uplink hold"). The carrier
// monitor (`ip monitor link`) reaches the agent 5–30 ms after the kernel on a loaded machine, and
// every packet the reverse tunnel sends in that window is dropped by the radio; reading
// /sys/class/net/<iface>/carrier (one pread on an open fd, ~10 µs) closes the window to the probe's
// interval. The agent runs under `ip netns exec` (or in its container), whose /sys is its namespace's.
import { closeSync, openSync, readSync } from 'node:fs';

export interface CarrierProbe {
  /** false only when the kernel says the carrier is off; true when up or unknown (no file, read error). */
  carrier(): boolean;
  readonly errors: number;
  close(): void;
}

/** `sysClassNet`: where the interfaces' attributes are (tests point it at a directory of their own). */
export function openCarrierProbe(iface: string, sysClassNet = '/sys/class/net'): CarrierProbe {
  let fd: number | null = null;
  let errors = 0;
  try {
    fd = openSync(`${sysClassNet}/${iface}/carrier`, 'r');
  } catch {
    errors++;
  }
  const buf = Buffer.alloc(4);
  return {
    carrier(): boolean {
      if (fd === null) return true;
      try {
        // Position 0: kernfs produces the value anew on each read from the start.
        const n = readSync(fd, buf, 0, buf.length, 0);
        return !(n > 0 && buf[0] === 0x30); // '0'
      } catch {
        // EINVAL while the interface is administratively down: no carrier either.
        errors++;
        return false;
      }
    },
    get errors() {
      return errors;
    },
    close(): void {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
