// Joining the confidential pre-notification list in a real browser (JavaScript off).
// Usage:
//   node list_flow.mjs apply   BASE NAME EMAIL KEY_FILE KEY_ID SCREENSHOT_DIR
//     fill in the request form as an individual package maintainer with an OpenPGP key
//   node list_flow.mjs confirm BASE LINK SCREENSHOT_DIR
//     open the link from the confirmation mail and confirm the address
//   node list_flow.mjs approve BASE EMAIL PASSWORD REQUEST_ID SCREENSHOT_DIR
//     a team member signs in, opens the request from the list page and approves it
// Prints one line per step; exits non-zero with the reason on any failure.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const [mode, base, ...rest] = process.argv.slice(2);
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
  if (mode === 'apply') {
    const [name, email, keyFile, keyId, shots] = rest;
    await page.goto(`${base}/p/demo/notification-list/apply`);
    const form = 'form[action="/p/demo/notification-list/apply"]';
    await page.fill('#name', name);
    await page.check('#individual');
    await page.selectOption('#group', 'maintainers');
    await page.fill('#criteria', 'I maintain the demo-project package in Example OS.');
    await page.fill('#reason', 'To have fixed packages ready on disclosure day.');
    await page.fill('#email', email);
    await page.fill('#address_handling', 'Only I read this address; nothing is automated.');
    await page.fill('#public_key', readFileSync(keyFile, 'utf8'));
    await page.fill('#key_id', keyId);
    await page.screenshot({ path: `${shots}/apply-form.png`, fullPage: true });
    await submit(page, form);
    const main = await page.textContent('main');
    if (!main.includes('We sent a confirmation link')) fail(`not taken:\n${main}`);
    console.log('request sent');
  } else if (mode === 'confirm') {
    const [link, shots] = rest;
    await page.goto(`${base}${link}`);
    let main = await page.textContent('main');
    if (!main.includes('waiting for you to confirm')) fail(`not the request page:\n${main}`);
    await submit(page, 'form[action$="/confirm"]');
    main = await page.textContent('main');
    if (!main.includes("waiting for the team's decision")) fail(`not confirmed:\n${main}`);
    await page.screenshot({ path: `${shots}/request-confirmed.png`, fullPage: true });
    console.log('address confirmed');
  } else if (mode === 'approve') {
    const [email, password, id, shots] = rest;
    await page.goto(`${base}/team/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await submit(page, 'form[action="/team/login"]');
    await page.goto(`${base}/team/projects/demo/list`);
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/team/projects/demo/list/requests/${id}"]`)]);
    let main = await page.textContent('main');
    if (!main.includes('validated: it encrypts')) fail(`the key is not shown as validated:\n${main}`);
    await page.check('input[name=verdict][value=approve]');
    await page.selectOption('#approve-group', 'maintainers');
    await page.fill('#decision-note', 'Welcome to the list.');
    await submit(page, `form[action="/team/projects/demo/list/requests/${id}/decide"]`);
    // Approving asks first, saying what it means.
    main = await page.textContent('main');
    if (!main.includes(`Approve request #${id}?`) || !main.includes('receives every pre-notification')) fail(`no confirmation:\n${main}`);
    await submit(page, `form[action="/team/projects/demo/list/requests/${id}/decide"]`);
    main = await page.textContent('main');
    if (!main.includes('approved')) fail(`not approved:\n${main}`);
    await page.goto(`${base}/team/projects/demo/list`);
    await page.screenshot({ path: `${shots}/list-members.png`, fullPage: true });
    console.log('approved by the team');
  } else {
    fail(`unknown mode ${mode}`);
  }
  console.log('OK');
} finally {
  await browser.close();
}
