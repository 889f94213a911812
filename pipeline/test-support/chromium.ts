/**
 * Debian's Chromium (apt-get install chromium, which .ci/run does) driven by playwright-core: never
 * a downloaded browser. Shared by the site's browser tests and bench/site.ts.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless and quiet: no GPU, and none of the background requests this machine's network refuses. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(
      `${CHROMIUM_PATH} is missing: the site's browser tests need Debian's chromium. ` +
        '.ci/run installs it (apt-get update && apt-get install -y chromium); run that, or install it yourself.',
    );
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}
