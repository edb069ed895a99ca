// The screenshots of the clinic's pages in docs/: the worklist, a retreated patient and the cohort explorer,
// on the demo's simulated registry (463 patients, seed 2019, its scans as lesion measurements).
//   node tests/e2e/clinic/screenshots.mjs PRRT_BINARY OUT_DIR      (scripts/clinic_screenshots.sh)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUsers, launchBrowser, logIn, runPrrt, startServer } from './harness.mjs';

const [prrt, out] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'prrt-shots-'));
const db = join(work, 'r.db');
let server;
let browser;
try {
  runPrrt(prrt, 'simulate', '--patients', '463', '--seed', '2019', '--lesions', '--db', db);
  addUsers(prrt, db);
  let url;
  ({ server, url } = await startServer(prrt, db));
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  await logIn(page, url, 'ana');
  await page.selectOption('#worklist-which', 'blocked');
  await page.waitForSelector('#worklist-count:has-text("of")');
  await page.screenshot({ path: join(out, 'clinic-worklist.png') });

  // A patient who had R-PRRT: the first of the worklist sorted by phase, descending (RR, R, I).
  await page.selectOption('#worklist-which', '');
  await page.click('th:has-text("Phase")');
  await page.click('th:has-text("Phase")');
  await page.waitForSelector('th:has-text("Phase ▼")');
  await page.click('main table tbody tr:first-child a');
  await page.waitForSelector('#plan-summary');
  await page.screenshot({ path: join(out, 'clinic-patient.png'), fullPage: true });

  await page.click('#nav-cohort');
  await page.waitForSelector('#km-chart path.curve');
  await page.check('#km-cohort-retreatment');
  await page.check('#km-cohort-control');
  await page.click('#km-run');
  await page.waitForFunction(() => document.querySelectorAll('#km-chart path.curve').length === 2);
  await page.screenshot({ path: join(out, 'clinic-cohort.png'), fullPage: true });
  console.log(`screenshots written to ${out}`);
} finally {
  if (browser) await browser.close();
  if (server) server.kill();
  rmSync(work, { recursive: true, force: true });
}
