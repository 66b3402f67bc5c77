import {type Browser, chromium} from 'playwright-core'

import {findBinary} from './system-binary.js'

export const CHROMIUM_MISSING = 'chromium not found: apt-get install chromium'

/** The system Chromium; a browser is never downloaded. */
export function findChromium(): string | undefined {
  return findBinary('chromium', []) ?? findBinary('chromium-browser', []) ?? findBinary('chromium', ['/usr/bin'])
}

export interface RunningBrowser {
  browser: Browser
  close(): Promise<void>
}

/**
 * Headless system Chromium with no background traffic of its own. Playwright refuses `--user-data-dir` for
 * launch() and instead gives every launch a fresh temporary profile of its own, removed on close.
 */
export async function launchChromium(): Promise<RunningBrowser> {
  const executablePath = findChromium()
  if (!executablePath) throw new Error(CHROMIUM_MISSING)
  const browser = await chromium.launch({
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
    executablePath,
    headless: true,
  })
  return {
    browser,
    close: () => browser.close(),
  }
}
