// prrt serve's pages in Debian's headless Chromium, driven by playwright-core (no browser download): log in,
// the worklist, a patient, recording a work-up and a cycle (the plan changes), a rejected cycle (the field's error shown),
// the cohort explorer's Kaplan–Meier plot, the study page, a patient's rows changed outside prrt corrected,
// and a viewer without the forms.
//   node clinic.mjs PRRT_BINARY
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUsers, launchBrowser, logIn, runPrrt, startServer, stopServer } from './harness.mjs';

const [prrt] = process.argv.slice(2);
const work = mkdtempSync(join(tmpdir(), 'prrt-clinic-'));
const db = join(work, 'r.db');
const fail = (message) => { throw new Error(message); };
// Text that reads 'null' in the page: an absent element handed to the DOM as it was.
const nullTexts = (page) => page.evaluate(() => [...document.querySelectorAll('main, main *')].flatMap((node) => [...node.childNodes])
  .filter((child) => child.nodeType === Node.TEXT_NODE && child.textContent.trim() === 'null').length);

let server;
let browser;
try {
  runPrrt(prrt, 'import', '--db', db, '--from', 'tests/data/registry_example');
  addUsers(prrt, db);
  let url;
  let temp;
  ({ server, url, temp } = await startServer(prrt, db));
  browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  // Any dialog means text from the registry or a form ran as script.
  page.on('dialog', async (dialog) => { problems.push(`a dialog opened: ${dialog.message()}`); await dialog.dismiss(); });

  // Log in: a wrong password is refused with a message, the right one opens the worklist. A hostile user name
  // is just a wrong one.
  const hostile = { img: '<img src=x onerror="alert(1)">', script: '<script>alert(2)</script>', sql: "'); DROP TABLE patients; --" };
  await page.goto(url);
  await page.fill('#login-user', hostile.sql);
  await page.fill('#login-password', hostile.img);
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:has-text("wrong user name or password")');
  await page.reload();
  await page.fill('#login-user', 'ana');
  await page.fill('#login-password', 'wrong horse');
  await page.click('#login-submit');
  await page.waitForSelector('#login-error:has-text("wrong user name or password")');
  await page.fill('#login-password', 'correct horse');
  await page.click('#login-submit');
  await page.waitForSelector('h1:has-text("Worklist")');
  const rows = await page.locator('main table tbody tr').count();
  if (rows !== 3) fail(`the worklist shows ${rows} patients; expected 3`);
  // Next actions with their windows: P003's overdue blood tests 4 to 6 weeks after its cycle 2 (2010-03-15);
  // P001's RR cycle, blocked, with the one day it was found so (the plan's as-of date, today), not a range.
  const nextAction = async (id) => page.textContent(`main table tbody tr:has(a:text-is("${id}")) td:nth-child(5)`);
  if ((await nextAction('P003')) !== 'blood_tests I 2: overdue (2010-04-12 – 2010-04-26)') fail(`P003's next action: ${await nextAction('P003')}`);
  if (!/^cycle RR 1: blocked \(\d{4}-\d{2}-\d{2}\)$/.test(await nextAction('P001'))) fail(`P001's next action: ${await nextAction('P001')}`);

  // P001's platelet curve lies on its CTCAE grade bands (the laboratory gave the LLN).
  await page.click('a:has-text("P001")');
  await page.waitForSelector('svg[aria-label="platelets over time"] rect.band.grade4');
  if (await page.locator('svg[aria-label="platelets over time"] rect.band').count() !== 4) fail('expected 4 grade bands');
  await page.goBack();
  await page.waitForSelector('h1:has-text("Worklist")');
  // P002 has died: nothing is planned, and the page says so.
  await page.click('a:text-is("P002")');
  await page.waitForSelector('#plan-summary:has-text("deceased")');
  if (await page.locator('main p.note:text-is("Nothing planned.")').count() !== 1) fail("P002's page does not say 'Nothing planned.'");
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

  // A work-up before I-PRRT (P003 has none): shown in the patient's work-ups.
  await page.selectOption('#baselines-phase', 'I');
  await page.fill('#baselines-date', '2009-12-21');
  await page.selectOption('#baselines-krenning_score', '3');
  await page.fill('#baselines-karnofsky', '80');
  await page.click('#record-baselines-submit');
  await page.waitForSelector("td:text-is('2009-12-21')");

  // A cycle the import would refuse: the field's error is shown and nothing changes. The forms come from the
  // registry's format: a choice starts blank (nothing is recorded by default), and a required one left blank
  // is refused beside its field.
  await page.fill('#cycles-date', '2010-07-19');
  await page.fill('#cycles-activity_gbq', '70');
  await page.click('#record-cycles-submit');
  await page.waitForSelector('#cycles-activity_gbq-error:has-text("expected a number > 0 and <= 10")');
  await page.waitForSelector('#cycles-phase-error:has-text("missing; it is required")');
  if (await page.textContent('#plan-summary') !== after) fail('a refused cycle changed the plan');

  // Hostile text typed into every text field of the forms: stored as text where the field is free text, refused
  // with the text quoted where it is not, and never run or read as markup.
  await page.fill('#events-date', '2011-02-01');
  await page.selectOption('#events-event', 'other_malignancy');
  await page.fill('#events-x_note', hostile.img);
  await page.click('#record-events-submit');
  await page.waitForSelector(`td:text-is('${hostile.img}')`);
  await page.fill('#responses-date', '2010-09-01');
  await page.selectOption('#responses-response', 'sd');
  await page.selectOption('#responses-method', 'recist');
  await page.fill('#responses-x_note', hostile.sql);
  await page.click('#record-responses-submit');
  await page.waitForSelector(`td:text-is("${hostile.sql}")`);
  const cyclesShown = await page.textContent('#plan-summary');
  // (Date fields are the browser's date pickers: they take no text.)
  await page.fill('#cycles-date', '2010-07-19');
  await page.fill('#cycles-activity_gbq', hostile.script);
  await page.click('#record-cycles-submit');
  await page.waitForSelector('#cycles-activity_gbq-error:has-text("<script>alert(2)</script>")');
  await page.fill('#baselines-date', '2010-01-04');
  await page.selectOption('#baselines-phase', 'R');
  await page.fill('#baselines-karnofsky', hostile.script);
  await page.click('#record-baselines-submit');
  await page.waitForSelector('#baselines-karnofsky-error:has-text("<script>")');
  // A lab result's unit is chosen among its test's (labs.csv: creatinine in umol/l or mg/dl, hb in g/dl, g/l or
  // mmol/l).
  const units = () => page.locator('#labs-unit option').evaluateAll((options) => options.map((o) => o.value));
  if ((await units()).join() !== '') fail(`units offered before a test is chosen: ${await units()}`);
  await page.selectOption('#labs-test', 'creatinine');
  if ((await units()).join() !== ',umol/l,mg/dl') fail(`creatinine's units: ${await units()}`);
  await page.selectOption('#labs-unit', 'mg/dl');
  await page.selectOption('#labs-test', 'hb');
  if ((await units()).join() !== ',g/dl,g/l,mmol/l') fail(`hb's units: ${await units()}`);
  if (await page.inputValue('#labs-unit') !== '') fail('a unit of creatinine stayed chosen for hb');
  await page.fill('#labs-date', '2010-07-19');
  for (const [field, text] of [['#labs-value', hostile.img], ['#labs-lln', hostile.sql], ['#labs-uln', hostile.script]]) {
    await page.fill(field, text);
  }
  await page.click('#record-labs-submit');
  await page.waitForSelector('#labs-value-error:has-text("onerror")');
  await page.waitForSelector('#labs-lln-error:has-text("DROP TABLE")');
  await page.waitForSelector('#labs-uln-error:has-text("<script>")');
  // A lesion measurement (RECIST 1.1), hostile text for its organ stored and shown as text; the response of a
  // later date is computed from the measurements (P003's I-PRRT starts 2010-01-11): 20 mm <= 0.7 x 30 mm, PR.
  // The diameter says of which lesions it is required (the format's required_when).
  const diameterLabel = await page.locator('label:has(#lesions-diameter_mm)').textContent();
  if (!diameterLabel.includes('diameter_mm (required when role is target)')) fail(`the diameter's label: ${diameterLabel}`);
  if (await page.locator('#record-responses-explanation').count() !== 0) fail('the response form explains computed responses the patient does not have');
  for (const [date, mm] of [['2010-01-05', '30'], ['2010-06-01', '20']]) {
    await page.fill('#lesions-date', date);
    await page.fill('#lesions-lesion_id', 'L1');
    await page.fill('#lesions-organ', hostile.script);
    await page.fill('#lesions-diameter_mm', mm);
    await page.selectOption('#lesions-role', 'target');
    if (date === '2010-01-05') {
      await page.click('#record-lesions-submit');
      await page.waitForSelector('#lesions-lymph_node-error:has-text("missing; it is required")');
    }
    await page.selectOption('#lesions-lymph_node', 'no');
    await page.click('#record-lesions-submit');
    await page.waitForSelector(`td:text-is("${mm}")`);
  }
  if (await page.locator(`td:text-is("${hostile.script}")`).count() !== 2) fail('the lesions\' organ is not shown as text');
  await page.waitForSelector('td:text-is("RECIST 1.1 from lesions.csv against the I-PRRT baseline of 2010-01-05: target sum 20 mm, 30 mm at baseline")');
  // The phase's best response is that PR, and says so.
  await page.waitForSelector('td:text-is("pr (from lesion measurements)")');
  if (await page.locator('main img, main script').count() !== 0) fail('hostile text became an element of the page');
  if (await page.textContent('#plan-summary') !== cyclesShown) fail('a refused cycle changed the plan');

  // A correction: the cycle of 2010-05-17 was 3.7 GBq, not 7.4 (the row of that date is replaced).
  await page.selectOption('#cycles-phase', 'I');
  await page.fill('#cycles-date', '2010-05-17');
  await page.fill('#cycles-activity_gbq', '3.7');
  await page.click('#record-cycles-put');
  await page.waitForSelector('td:has-text("2010-05-17: 3.7 GBq")');
  if (await page.locator('td:has-text("2010-05-17: 7.4 GBq")').count() !== 0) fail('the corrected cycle is still shown');
  // The same cycle given on the wrong date: chosen among the cycles recorded (which fills the form), re-dated.
  await page.selectOption('#cycles-row', { label: 'I · 2010-05-17 · 3.7' });
  if (await page.inputValue('#cycles-activity_gbq') !== '3.7') fail('choosing a recorded cycle did not fill the form');
  await page.fill('#cycles-date', '2010-05-19');
  await page.click('#record-cycles-put');
  await page.waitForSelector('td:has-text("2010-05-19: 3.7 GBq")');
  if (await page.locator('td:has-text("2010-05-17:")').count() !== 0) fail('the re-dated cycle is still shown on its old date');
  // A response computed from the lesion measurements is not among the responses recorded, and the form says
  // why.
  const responseRows = await page.locator('#responses-row option').allTextContents();
  if (responseRows.some((t) => t.startsWith('2010-06-01'))) fail(`a computed response is offered for correction: ${responseRows}`);
  const explained = await page.locator('#record-responses-explanation').textContent().catch(() => null);
  if (!explained?.includes('computed from the lesion measurements')) fail(`the response form does not say why a computed response is not offered: ${explained}`);
  // The scan of 2010-06-01 was on 2010-06-03: moved whole (its response, computed from it, moves with it).
  await page.click('#record-lesions-redate');
  await page.waitForSelector('#record-lesions p.error:has-text("Choose the recorded row")');
  const scanRows = await page.locator('#lesions-row option').allTextContents();
  await page.selectOption('#lesions-row', { index: scanRows.findIndex((t) => t.startsWith('2010-06-01')) });
  await page.fill('#lesions-date', '2010-06-03');
  await page.click('#record-lesions-redate');
  await page.waitForSelector("td:text-is('2010-06-03')");
  if (await page.locator("td:text-is('2010-06-01')").count() !== 0) fail('the moved scan is still shown on its old date');
  await page.waitForSelector('td:text-is("RECIST 1.1 from lesions.csv against the I-PRRT baseline of 2010-01-05: target sum 20 mm, 30 mm at baseline")');
  // A response recorded in error is removed (a second click confirms).
  await page.fill('#responses-date', '2010-11-01');
  await page.selectOption('#responses-response', 'pr');
  await page.selectOption('#responses-method', 'recist');
  await page.fill('#responses-x_note', 'entered in error');
  await page.click('#record-responses-submit');
  await page.waitForSelector("td:text-is('entered in error')");
  await page.fill('#responses-date', '2010-11-01');
  await page.selectOption('#responses-method', 'recist');
  await page.click('#record-responses-delete');
  await page.waitForSelector('#record-responses-delete:has-text("Click again")');
  await page.click('#record-responses-delete');
  await page.waitForSelector("td:text-is('entered in error')", { state: 'detached' });
  // A birth date typed wrong, corrected.
  await page.fill('#follow-up-birth_date', '1962-11-24');
  await page.click('#follow-up-submit');
  await page.waitForSelector('#patient-title:has-text("born 1962-11-24")');
  // A death: the last contact moves to it, and the plan ends.
  await page.fill('#follow-up-death_date', '2016-02-10');
  await page.click('#follow-up-submit');
  await page.waitForSelector('#patient-follow-up:has-text("Died 2016-02-10")');
  await page.waitForSelector('#plan-summary:has-text("deceased")');
  if (await page.inputValue('#follow-up-last_contact_date') !== '2016-02-10') fail('the last contact did not move to the death');
  // The audit trail shows who recorded the death.
  await page.click('#audit-show');
  await page.waitForSelector("#audit-trail td:text-is('death_date')");
  const deathRow = await page.locator("#audit-trail tr:has(td:text-is('death_date'))").last().textContent();
  if (!deathRow.includes('ana') || !deathRow.includes('update') || !deathRow.includes('2016-02-10')) fail(`the death's audit row: ${deathRow}`);
  await page.goBack();
  await page.waitForSelector('h1:has-text("Worklist")');
  await page.fill('#worklist-filter', hostile.script);
  await page.waitForSelector('#worklist-count:has-text("none of 3 patients")');
  await page.fill('#worklist-filter', '');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  // A new patient, registered from the worklist, opens on its page; a second with the same id is refused.
  await page.fill('#register-patient_id', 'N001');
  await page.selectOption('#register-sex', 'f');
  await page.fill('#register-birth_date', '1961-05-02');
  await page.selectOption('#register-primary_site', 'pancreatic');
  await page.click('#register-submit');
  await page.waitForSelector('#patient-title:has-text("N001 — f, born 1961-05-02, pancreatic NET")');
  for (const none of ['No cycle recorded.', 'No work-up recorded.', 'No response or event recorded.', 'No lesion measurement recorded.']) {
    if (await page.locator(`main p.note:text-is("${none}")`).count() !== 1) fail(`N001's page does not say '${none}'`);
  }
  await page.goBack();
  await page.waitForSelector('#worklist-count:has-text("1–4 of 4 patients")');
  await page.fill('#register-patient_id', 'N001');
  await page.selectOption('#register-sex', 'f');
  await page.fill('#register-birth_date', '1961-05-02');
  await page.selectOption('#register-primary_site', 'pancreatic');
  await page.click('#register-submit');
  await page.waitForSelector('#register-patient_id-error:has-text("registered already")');
  // Registered by mistake: N001, with nothing recorded, is removed from its page (two clicks).
  await page.click('a:text-is("N001")');
  await page.waitForSelector('#patient-title:has-text("N001")');
  await page.click('#patient-remove');
  await page.waitForSelector('#patient-remove:has-text("Click again")');
  await page.click('#patient-remove');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  if (await page.locator('a:text-is("N001")').count() !== 0) fail('the removed patient is still in the worklist');
  await page.click('a:text-is("P003")');
  await page.waitForSelector('#patient-title:has-text("P003")');
  if (await page.locator('#patient-remove').count() !== 0) fail('a patient with rows recorded offers removal');
  // Registered under a mistyped id: P003 is given the right one (another patient's is refused beside the
  // field), and its page opens under it with its cycles.
  await page.fill('#rename-patient_id', 'P001');
  await page.click('#rename-submit');
  await page.waitForSelector('#rename-patient_id-error:has-text("registered already")');
  await page.fill('#rename-patient_id', 'P030');
  await page.click('#rename-submit');
  await page.waitForSelector('#patient-title:has-text("P030 — f")');
  await page.waitForSelector('td:has-text("2010-03-15: 7.4 GBq")');
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  await page.waitForSelector('a:text-is("P030")');
  if (await page.locator('a:text-is("P003")').count() !== 0) fail('the renamed patient is still in the worklist under the old id');

  // The cohort explorer: Kaplan–Meier curves, medians and the log-rank test.
  await page.click('#nav-cohort');
  await page.waitForSelector('#km-chart path.curve');
  if (await nullTexts(page) !== 0) fail("the cohort explorer shows 'null'");
  // By group, retreatment and control are drawn in the colours of the report's Fig. 3.
  const groupColours = await page.$$eval('#km-chart text', (texts) => Object.fromEntries(texts
    .filter((t) => t.textContent.includes(' (n = ')).map((t) => [t.textContent.split(' (n = ')[0], t.getAttribute('fill')])));
  if (groupColours.retreatment !== '#1f5fa8' || groupColours.control !== '#c0392b') {
    fail(`retreatment and control not in the report's blue and red: ${JSON.stringify(groupColours)}`);
  }
  await page.selectOption('#km-group', 'tumour');
  await page.click('#km-run');
  await page.waitForFunction(() => document.querySelectorAll('#km-chart path.curve').length === 3);
  await page.waitForSelector('#km-logrank:has-text("Log-rank")');
  // Filters: only midgut and pancreatic tumours, so two curves.
  await page.check('#km-tumour-midgut');
  await page.check('#km-tumour-pancreatic');
  await page.click('#km-run');
  await page.waitForFunction(() => document.querySelectorAll('#km-chart path.curve').length === 2);

  // The study page: the report of the registry and its downloads.
  await page.click('#nav-study');
  await page.waitForSelector('#study-report');
  for (const name of ['report.html', 'study.xlsx', 'adtte.csv']) {
    if (await page.locator(`a:has-text("${name}")`).count() !== 1) fail(`the study page has no link to ${name}`);
  }
  // Its files, with data of each patient, in a folder of the server's temporary directory that only the
  // server's user may open.
  const studyFolders = readdirSync(temp);
  if (studyFolders.length !== 1 || !studyFolders[0].startsWith('prrt_serve_')) fail(`the server's temporary directory holds ${studyFolders}`);
  const mode = statSync(join(temp, studyFolders[0])).mode & 0o777;
  if (mode !== 0o700) fail(`the study's folder has mode ${mode.toString(8)}, not 700`);

  // A dose made 'abc' in the sqlite3 shell: the worklist lists P001 to correct (the server looks for other
  // processes' changes every second), their page shows the problem and the forms filled from the rows as
  // stored; the dose corrected there, the page is P001's timeline again.
  execFileSync('sqlite3', [db, "UPDATE cycles SET activity_gbq = 'abc' WHERE patient_id = 'P001' AND date = '2005-04-18'"]);
  await page.waitForTimeout(1200);
  await page.click('#nav-worklist');
  await page.click('#worklist-to-correct a:text-is("P001")');
  await page.waitForSelector(`#patient-problems li:text-is("cycles.csv (recorded) P001|2005-04-18: activity_gbq: found 'abc'; expected a number")`);
  await page.selectOption('#cycles-row', await page.locator('#cycles-row option', { hasText: 'abc' }).getAttribute('value'));
  if (await page.inputValue('#cycles-activity_gbq') !== 'abc') fail('the form was not filled from the row as stored');
  await page.fill('#cycles-activity_gbq', '7.4');
  await page.click('#record-cycles-put');
  await page.waitForSelector('#patient-title:has-text("P001 — f")');
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  if (await page.locator('#worklist-to-correct li').count() !== 0) fail('P001 is still listed to correct');
  // A lab result given no patient_id: listed as such, with no link (no page can show it), until given back.
  const hbOfP001 = "patient_id = 'P001' AND date = '2005-03-15' AND test = 'hb'";
  execFileSync('sqlite3', [db, `UPDATE labs SET patient_id = NULL WHERE ${hbOfP001}`]);
  await page.waitForTimeout(1200);
  await page.click('#nav-cohort');
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-to-correct li:has-text("rows without a patient_id")');
  if (await page.locator('#worklist-to-correct li a').count() !== 0) fail('rows without a patient_id have a link');
  execFileSync('sqlite3', [db, "UPDATE labs SET patient_id = 'P001' WHERE patient_id IS NULL"]);
  await page.waitForTimeout(1200);
  await page.click('#nav-cohort');
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  if (await page.locator('#worklist-to-correct li').count() !== 0) fail('the rows are still listed to correct');
  // A cycle stored under an id no patient has (P004): its page offers to register the patient, or to remove
  // the row; removed, nothing is left to correct.
  execFileSync('sqlite3', [db, "INSERT INTO cycles (patient_id, phase, date, activity_gbq) VALUES ('P004', 'I', '2011-03-01', '7.4')"]);
  await page.waitForTimeout(1200);
  await page.click('#nav-cohort');
  await page.click('#nav-worklist');
  await page.click('#worklist-to-correct a:text-is("P004")');
  await page.waitForSelector('#patient-title:has-text("P004 — rows to correct")');
  await page.selectOption('#cycles-row', '0');
  await page.click('#record-cycles-submit');
  await page.waitForSelector('p.error:text-is("no patient \'P004\' in the registry")');  // the row removed, nothing under the id
  await page.click('#nav-worklist');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  if (await page.locator('#worklist-to-correct li').count() !== 0) fail('P004 is still listed to correct');

  // Log out; a viewer sees the patient but no forms.
  await page.click('#logout');
  await page.waitForSelector('#login-user');
  await logIn(page, url, 'vic');
  await page.waitForSelector('#who:has-text("vic (viewer)")');
  await page.waitForSelector('#worklist-count:has-text("1–3 of 3 patients")');
  if (await nullTexts(page) !== 0) fail("a viewer's worklist shows 'null'");
  await page.goto(`${url}#/patient/P001`);
  await page.waitForSelector('text=Viewers cannot record data.');
  if (await page.locator('form.record').count() !== 0) fail('a viewer was shown the forms');
  if (problems.length) fail(`script errors in the page: ${problems.join('; ')}`);
  // Stopped by SIGTERM (as a service manager stops it), the server ends normally and removes the study's files.
  const stopped = await stopServer(server);
  server = null;
  if (stopped.code !== 0) fail(`prrt serve stopped by SIGTERM ended with ${JSON.stringify(stopped)}, not 0`);
  if (readdirSync(temp).length !== 0) fail(`prrt serve left ${readdirSync(temp)} in its temporary directory`);
  console.log('clinic_in_chromium: log-in, worklist, recording a cycle, a refused cycle, hostile text in every form field and the search box, the cohort explorer with filters, the study page, a dose changed outside prrt corrected, a lab result given no patient_id listed, a cycle of no patient removed, a viewer, and the server stopped by SIGTERM: all as expected');
} finally {
  if (browser) await browser.close();
  if (server) server.kill();
  rmSync(work, { recursive: true, force: true });
}
