// A real headless browser for tests of report.html: Debian's chromium (scripts/install-deps.sh)
// driven by playwright-core, which downloads no browser of its own.
import { chromium, type Browser } from 'playwright-core';
import { hasTool } from './prereq.js';

/** Debian's package installs /usr/bin/chromium. */
export const CHROMIUM = 'chromium';

export function hasChromium(): boolean {
  return hasTool(CHROMIUM);
}

export async function launchChromium(): Promise<Browser> {
  // As root the sandbox cannot start; the page is our own file.
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
}
