// A real headless browser for tests of report.html: Debian's chromium (scripts/install-deps.sh)
// driven by playwright-core, which downloads no browser of its own.
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
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

/**
 * `file` opened in a new page of `browser`, waited on until the global `name` (mipshopReport,
 * mipshopCompare) holds its plots, and a full-page screenshot kept at `screenshot`: the page, the
 * console and page errors, and every URL it requested.
 */
export async function openPlots(
  browser: Browser,
  file: string,
  name: string,
  screenshot: string,
): Promise<{ page: Page; errors: string[]; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (q) => requests.push(q.url()));
  await page.goto(pathToFileURL(file).href);
  await page.waitForFunction(
    (g) => Object.keys((globalThis as Record<string, { plots?: object } | undefined>)[g]?.plots ?? {}).length > 0,
    name,
  );
  await page.screenshot({ path: screenshot, fullPage: true });
  return { page, errors, requests };
}
