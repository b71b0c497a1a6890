// A reporter with JavaScript disabled: open the report form, submit a report
// with a plain-text attachment, land on the private case page, and reply.
// Usage: node report_flow.mjs BASE_URL PROJECT SCREENSHOT_DIR
// Prints one line per step; exits non-zero with the reason on any failure.
import { chromium } from 'playwright-core';

const [base, project, shots] = process.argv.slice(2);
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  await page.goto(`${base}/p/${project}/report`);
  if (!(await page.title()).includes('Report a vulnerability')) fail(`unexpected title ${await page.title()}`);
  console.log('form loaded');
  await page.fill('#summary', 'Open redirect in the login page');
  await page.fill('#details', 'The next parameter accepts absolute URLs.');
  await page.fill('#versions_tested', '2.1.0 (vulnerable)');
  await page.fill('#email', 'browser-reporter@example.net');
  await page.check('input[name=wants_credit]');
  await page.setInputFiles('#files', { name: 'poc.txt', mimeType: 'text/plain', buffer: Buffer.from('curl -i "/login?next=https://evil.example"\n') });
  await page.screenshot({ path: `${shots}/report-form.png`, fullPage: true });
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const url = page.url();
  if (!/\/c\/[A-Za-z0-9_-]{40,}/.test(url)) fail(`not on a case page after submitting: ${url}\n${await page.content()}`);
  const body = await page.textContent('main');
  if (!body.includes('This page is your private link')) fail('no private-link notice');
  if (!body.includes('Open redirect in the login page')) fail('summary missing on the case page');
  console.log(`case page ${url.replace(/\/c\/.*/, '/c/<token>')}`);

  await page.fill('#text', 'A second vector: the logout page too.');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  const after = await page.textContent('main');
  if (!after.includes('A second vector: the logout page too.')) fail('reply not shown in the thread');
  if (!after.includes('Your message was sent to the security team.')) fail('no message saying the reply was sent');
  await page.screenshot({ path: `${shots}/case-page.png`, fullPage: true });
  console.log('reply shown');
  if (errors.length) fail(`console errors: ${errors.join('; ')}`);
  console.log('OK');
} finally {
  await browser.close();
}
