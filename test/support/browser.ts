/**
 * Headless Chromium for the report tests: Debian's /usr/bin/chromium driven by playwright-core
 * (no browser download), every network request blocked but the report file itself, and every
 * console error, page error and blocked request collected.
 */
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install chromium`; .ci/run does it). */
export const CHROMIUM = process.env.CYCLE_ENGINE_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRED = process.env.CYCLE_ENGINE_REQUIRE_SERVICES === '1';

/**
 * True when Chromium is there. When it is not: throws under CYCLE_ENGINE_REQUIRE_SERVICES=1 (as in
 * CI), and otherwise warns loudly and returns false (the caller skips).
 */
export function chromiumAvailable(what: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium not found at ${CHROMIUM}`;
  if (REQUIRED) throw new Error(`${message}, and CYCLE_ENGINE_REQUIRE_SERVICES=1: failing instead of skipping ${what}. Install it: apt-get install chromium`);
  console.warn(`\n*** ${message}: skipping ${what}. Install it with \`apt-get install chromium\`; set CYCLE_ENGINE_REQUIRE_SERVICES=1 to fail instead. ***\n`);
  return false;
}

/** Launches the headless browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
}

/** A report opened in a page, and what went wrong while it loaded and ran. */
export interface OpenedReport {
  readonly page: Page;
  /** Console errors, page errors, and requests that were blocked (anything but the file). */
  readonly problems: string[];
}

/**
 * Opens the HTML file `file` in a new page of `browser` (viewport `width` × `height`) and waits
 * until the page sets `window.__report.ready`.
 */
export async function openReport(browser: Browser, file: string, width = 1280, height = 900): Promise<OpenedReport> {
  const url = pathToFileURL(file).href;
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
  const problems: string[] = [];
  await context.route('**', (route) => {
    if (route.request().url() === url) return route.continue();
    problems.push(`blocked request: ${route.request().url()}`);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url, { timeout: 120_000 });
  await page.waitForFunction(() => (globalThis as { __report?: { ready?: boolean } }).__report?.ready === true, undefined, { timeout: 120_000 });
  return { page, problems };
}
