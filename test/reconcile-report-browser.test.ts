/**
 * The discrepancy report page as officers open it: the demo federation's report (rendered from
 * a real run over the demo agencies) in Debian's chromium, checked with axe-core against WCAG 2.2
 * AA and best practices, on a desktop and a low-end phone's width.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { generateFederationData } from '../src/demo/data/index.js';
import { demoAgencyRecords, reconcileAgencies, renderReportHtml } from '../src/reconcile/index.js';
import { axeViolations, launchChromium } from './support/browser.js';

describe('discrepancy report page in chromium', () => {
  let browser: Browser;
  let html: string;
  before(async () => {
    const { base, others } = demoAgencyRecords(generateFederationData({ seed: 11, persons: 600 }));
    html = renderReportHtml(await reconcileAgencies(base, others));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  for (const [what, viewport] of [['desktop', { width: 1280, height: 900 }], ['phone', { width: 360, height: 740 }]] as const) {
    it(`has no accessibility violations on a ${what}, and names every agency`, async () => {
      const page = await browser.newPage({ viewport });
      try {
        await page.setContent(html);
        assert.deepEqual(await axeViolations(page), []);
        const text = await page.locator('body').innerText();
        for (const agency of ['DUKCAPIL', 'BPS', 'KEMENKES', 'KEMENDIKBUD', 'LICENSING']) assert.ok(text.includes(agency), agency);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0 || what === 'desktop', `the page scrolls sideways by ${overflow}px on a phone`);
      } finally {
        await page.close();
      }
    });
  }
});
