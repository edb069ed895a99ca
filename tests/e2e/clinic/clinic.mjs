// prrt serve's pages in Debian's headless Chromium, driven by playwright-core (no browser download): log in,
// the worklist, a patient, recording a cycle (the plan changes), a rejected cycle (the field's error shown),
// the cohort explorer's Kaplan–Meier plot, the study page, and a viewer without the forms.
//   node clinic.mjs PRRT_BINARY [SCREENSHOT_DIR]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [prrt, shots] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'prrt-clinic-'));
const db = join(work, 'r.db');
const fail = (message) => { throw new Error(message); };
const run = (...args) => execFileSync(prrt, args, { stdio: ['ignore', 'pipe', 'pipe'] });

let server;
let browser;
try {
  run('import', '--db', db, '--from', 'tests/data/registry_example');
  run('user', 'add', '--db', db, '--name', 'ana', '--role', 'clinician', '--password', 'correct horse');
  run('user', 'add', '--db', db, '--name', 'vic', '--role', 'viewer', '--password', 'correct horse');
  server = spawn(prrt, ['serve', '--db', db, '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    server.stderr.on('data', (chunk) => {
      text += chunk;
      const found = text.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) resolve(found[0]);
    });
    server.on('exit', (code) => reject(new Error(`prrt serve ended (${code}): ${text}`)));
  });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));

  // Log in: a wrong password is refused with a message, the right one opens the worklist.
  await page.goto(url);
  await page.fill('#login-user', 'ana');
  await page.fill('#login-password', 'wrong horse');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:has-text("wrong user name or password")');
  await page.fill('#login-password', 'correct horse');
  await page.click('#login-submit');
  await page.waitForSelector('h1:has-text("Worklist")');
  const rows = await page.locator('main table tbody tr').count();
  if (rows !== 3) fail(`the worklist shows ${rows} patients; expected 3`);
  if (shots) await page.screenshot({ path: join(shots, 'clinic-worklist.png') });

  // P001's platelet curve lies on its CTCAE grade bands (the laboratory gave the LLN).
  await page.click('a:has-text("P001")');
  await page.waitForSelector('svg[aria-label="platelets over time"] rect.band.grade4');
  if (await page.locator('svg[aria-label="platelets over time"] rect.band').count() !== 4) fail('expected 4 grade bands');
  await page.goBack();
  await page.waitForSelector('h1:has-text("Worklist")');

  // A patient: record a cycle and see the plan change.
  await page.click('a:has-text("P003")');
  await page.waitForSelector('#plan-summary');
  const before = await page.textContent('#plan-summary');
  const given = (text) => Number(text.match(/(\d+) of \d+ cycles/)[1]);
  await page.selectOption('#cycles-phase', 'I');
  await page.fill('#cycles-date', '2010-05-17');
  await page.fill('#cycles-activity_gbq', '7.4');
  await page.click('#record-cycles-submit');
  await page.waitForFunction((old) => document.querySelector('#plan-summary')?.textContent !== old, before);
  const after = await page.textContent('#plan-summary');
  if (given(after) !== given(before) + 1) fail(`the plan did not count the new cycle: '${before}' -> '${after}'`);

  // A cycle the import would refuse: the field's error is shown and nothing changes.
  await page.fill('#cycles-date', '2010-07-19');
  await page.fill('#cycles-activity_gbq', '70');
  await page.click('#record-cycles-submit');
  await page.waitForSelector('#cycles-activity_gbq-error:has-text("expected a number > 0 and <= 10")');
  if (await page.textContent('#plan-summary') !== after) fail('a refused cycle changed the plan');
  if (shots) await page.screenshot({ path: join(shots, 'clinic-patient.png'), fullPage: true });

  // The cohort explorer: Kaplan–Meier curves, medians and the log-rank test.
  await page.click('#nav-cohort');
  await page.waitForSelector('#km-chart path.curve');
  await page.selectOption('#km-group', 'tumour');
  await page.click('#km-run');
  await page.waitForFunction(() => document.querySelectorAll('#km-chart path.curve').length === 3);
  await page.waitForSelector('#km-logrank:has-text("Log-rank")');
  if (shots) await page.screenshot({ path: join(shots, 'clinic-cohort.png') });

  // The study page: the report of the registry and its downloads.
  await page.click('#nav-study');
  await page.waitForSelector('#study-report');
  for (const name of ['report.html', 'study.xlsx', 'adtte.csv']) {
    if (await page.locator(`a:has-text("${name}")`).count() !== 1) fail(`the study page has no link to ${name}`);
  }

  // Log out; a viewer sees the patient but no forms.
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await page.fill('#login-user', 'vic');
  await page.fill('#login-password', 'correct horse');
  await page.click('#login-submit');
  await page.waitForSelector('#who:has-text("vic (viewer)")');
  await page.goto(`${url}#/patient/P001`);
  await page.waitForSelector('text=Viewers cannot record data.');
  if (await page.locator('form.record').count() !== 0) fail('a viewer was shown the forms');
  if (problems.length) fail(`script errors in the page: ${problems.join('; ')}`);
  console.log('clinic_in_chromium: log-in, worklist, recording a cycle, a refused cycle, the cohort explorer, the study page and a viewer: all as expected');
} finally {
  if (browser) await browser.close();
  if (server) server.kill();
  rmSync(work, { recursive: true, force: true });
}
