// The team schedules a disclosure and publishes it in a real browser (JavaScript
// off: every form works without it), then reads the public advisory.
// Usage:
//   node disclosure_flow.mjs BASE EMAIL PASSWORD CASE_ID DATE SCREENSHOT_DIR
//     sign in, open the case, write the advisory, schedule it for DATE 14:00
//     Europe/Amsterdam, check the steps the scheduler will fire, publish now, and
//     open the advisory from the public archive.
// Prints one line per step; exits non-zero with the reason on any failure.
import { chromium } from 'playwright-core';

const [base, email, password, caseId, date, shots] = process.argv.slice(2);
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const submit = async (page, formSelector) => {
  await Promise.all([page.waitForNavigation(), page.click(`${formSelector} button[type=submit]`)]);
};
try {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${base}/team/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await submit(page, 'form[action="/team/login"]');
  if (!(await page.textContent('main')).includes('Inbox')) fail(`not on the dashboard: ${page.url()}`);
  console.log('signed in');
  await page.goto(`${base}/team/cases/${caseId}`);

  const advisory = `form[action="/team/cases/${caseId}/advisory"]`;
  await page.fill('#adv-title', 'Open redirect after sign-in');
  await page.fill('#adv-summary', 'The login page followed any `next` address.');
  await page.fill('#adv-description', 'A link to /login?next=//evil.example sent the user to another site after signing in.');
  await page.fill('#adv-remedy', 'Upgrade to 2.1.2.');
  await page.fill('#adv-workarounds', 'Strip the next parameter at the proxy.');
  await page.fill('#adv-fixed', '2.1.2');
  await page.fill('#adv-refs', 'https://example.org/demo-project/commit/00000000000000000000000000000000000000aa');
  await submit(page, advisory);
  if ((await page.inputValue('#adv-title')) !== 'Open redirect after sign-in') fail('the advisory draft was not kept');
  console.log('advisory written');

  const schedule = `form[action="/team/cases/${caseId}/schedule"]`;
  await page.fill('#sched-date', date);
  await page.fill('#sched-time', '14:00');
  await page.fill('#sched-zone', 'Europe/Amsterdam');
  await submit(page, schedule);
  let main = await page.textContent('main');
  if (!main.includes(`${date} 14:00`)) fail(`the schedule is not shown:\n${main}`);
  if (!main.includes('Europe/Amsterdam')) fail('the zone is not shown');
  for (const step of ['pre-announce', 'pre-notify']) {
    if (!main.includes(step)) fail(`the ${step} step is not listed:\n${main}`);
  }
  await page.screenshot({ path: `${shots}/scheduled.png`, fullPage: true });
  console.log('scheduled; the pre-announcement and pre-notification are listed');

  // "Publish now…" opens a confirmation page: early, it names the skipped steps and
  // the members not told, and asks why.
  await submit(page, `form[action="/team/cases/${caseId}/disclosure/publish"][method="get"]`);
  main = await page.textContent('main');
  for (const want of ['Publish now?', 'publishing now is early', 'pre-announcement', 'pre-notification', 'This cannot be undone']) {
    if (!main.includes(want)) fail(`the confirmation page lacks "${want}":\n${main}`);
  }
  await page.screenshot({ path: `${shots}/confirm-publish.png`, fullPage: true });
  console.log('the confirmation page names the skipped steps');
  const confirm = `form[action="/team/cases/${caseId}/disclosure/publish"][method="post"]`;
  // A blank reason (spaces pass the browser's "required") is refused by the server.
  await page.fill('#step-reason', '   ');
  await submit(page, confirm);
  main = await page.textContent('main');
  if (!main.includes('Give the reason for publishing early')) fail(`published without a reason:\n${main}`);
  if (main.includes('Published as')) fail('published without a reason');
  console.log('refused without a reason');
  await page.fill('#step-reason', 'The fix leaked in a public commit.');
  await submit(page, confirm);
  main = await page.textContent('main');
  if (!main.includes('Reason given: The fix leaked in a public commit.')) fail(`the reason is not on the case:\n${main}`);
  const published = main.match(/Published as (DEMO-\d{4}-\d{3})/);
  if (!published) fail(`not published:\n${main}`);
  const id = published[1];
  console.log(`published as ${id}`);

  await page.goto(`${base}/p/demo/advisories`);
  const archive = await page.textContent('main');
  if (!archive.includes('Open redirect after sign-in')) fail(`the archive lacks it:\n${archive}`);
  const first = await page.getAttribute('main a[href*="/advisories/DEMO-"]', 'href');
  if (!first.endsWith(id)) fail(`the newest advisory is not first: ${first}`);
  await Promise.all([page.waitForNavigation(), page.click(`main a[href$="/advisories/${id}"]`)]);
  const body = await page.textContent('main');
  for (const want of ['Open redirect after sign-in', 'Strip the next parameter at the proxy.', '2.1.2', 'CWE-601']) {
    if (!body.includes(want)) fail(`the advisory page lacks "${want}":\n${body}`);
  }
  await page.screenshot({ path: `${shots}/advisory.png`, fullPage: true });
  console.log('the public advisory page shows it');
  console.log('OK');
} finally {
  await browser.close();
}
