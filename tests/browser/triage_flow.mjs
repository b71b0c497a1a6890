// The team triages a report in a real browser (JavaScript off: every form works
// without it), then a collaborator opens their link.
// Usage:
//   node triage_flow.mjs team  BASE EMAIL PASSWORD CASE_ID SCREENSHOT_DIR
//     sign in; accept with a half-answered checklist (refused in place, what was typed
//     kept), then complete it; set severity and CVSS; reply; invite a collaborator —
//     after each step the page says what was done and offers only what the state allows
//   node triage_flow.mjs guest BASE LINK OTHER_CASE_ID SCREENSHOT_DIR
//     open the collaborator's link; the case is there; another case is not reachable
// Prints one line per step; exits non-zero with the reason on any failure.
import { chromium } from 'playwright-core';

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
  if (mode === 'team') {
    const [email, password, caseId, shots] = rest;
    await page.goto(`${base}/team/login`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await submit(page, 'form[action="/team/login"]');
    if (!(await page.textContent('main')).includes('Inbox')) fail(`not on the dashboard: ${page.url()}`);
    console.log('signed in; inbox shown');
    await Promise.all([page.waitForNavigation(), page.click(`a[href="/team/cases/${caseId}"]`)]);
    console.log('case opened from the inbox');

    const decide = `form[action="/team/cases/${caseId}/decide"]`;
    const flash = async (want) => {
      const f = await page.$('#flash');
      const text = f ? await f.textContent() : '';
      if (!text.includes(want)) fail(`after the step the page does not say "${want}" (it says "${text}")`);
    };
    const offered = async (want, not) => {
      const main = await page.textContent('main');
      for (const w of want) if (!main.includes(w)) fail(`"${w}" is not offered`);
      for (const n of not) if (main.includes(n)) fail(`"${n}" is offered in this state`);
    };
    // The checklist half answered: refused in place, with what was typed kept.
    await page.check(`${decide} input[name=verdict][value=accept]`);
    await page.check(`${decide} input[name="check.untrusted-input"][value=met]`);
    await page.fill(`${decide} input[name="check_note.untrusted-input"]`, 'checked untrusted-input');
    await page.fill('#decision-note', 'Confirmed on 2.1.0; fixing under embargo.');
    await submit(page, decide);
    if (!(await page.$('#error-summary'))) fail('no error summary for the incomplete checklist');
    if (!(await page.textContent('#error-summary')).includes('answer every threat-model check')) fail('the error does not say what is missing');
    if ((await page.inputValue('#decision-note')) !== 'Confirmed on 2.1.0; fixing under embargo.') fail('the explanation typed was lost');
    if ((await page.inputValue(`${decide} input[name="check_note.untrusted-input"]`)) !== 'checked untrusted-input') fail('the check note typed was lost');
    if (!(await page.isChecked(`${decide} input[name=verdict][value=accept]`))) fail('the verdict chosen was lost');
    await page.screenshot({ path: `${shots}/decide-refused.png`, fullPage: true });
    console.log('incomplete checklist refused in place; the input kept');
    await page.check(`${decide} input[name="check.not-documented"][value=met]`);
    await page.fill(`${decide} input[name="check_note.not-documented"]`, 'checked not-documented');
    await submit(page, decide);
    let main = await page.textContent('main');
    if (!main.includes('accepted')) fail('the case is not accepted');
    await flash('Decision recorded');
    await offered(['Start the fix', 'Change the decision'], ['Acknowledge the report', 'Publish now', 'Send the pre-notification now', 'Schedule the disclosure now']);
    console.log('accepted with the threat-model checklist; only the next steps offered');

    await page.selectOption('#level', 'High');
    await page.fill('#cvss3', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N');
    await page.fill('#cvss4', 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N');
    await page.fill('#cwe', 'CWE-89');
    await submit(page, `form[action="/team/cases/${caseId}/severity"]`);
    main = await page.textContent('main');
    if (!main.includes('CVSS 3.1: base 9.1')) fail(`CVSS 3.1 score not shown:\n${main}`);
    if (!main.includes('CVSS 4.0: CVSS-B')) fail('CVSS 4.0 score not shown');
    if (!main.includes('CWE-89: Improper Neutralization')) fail('CWE name not shown');
    await flash('Severity saved');
    console.log('severity, CVSS and CWE set');

    await page.fill('#reply', 'Thank you: we confirmed it and are fixing it.');
    await submit(page, `form[action="/team/cases/${caseId}/reply"]`);
    await flash('Reply sent to the reporter');
    if (!(await page.textContent('#thread')).includes('Thank you: we confirmed it')) fail('the reply is not in the thread');
    console.log('replied to the reporter');

    await page.fill('#guest-name', 'Upstream Maintainer');
    await page.fill('#guest-email', 'maintainer@upstream.example');
    await page.selectOption('#guest-role', 'upstream');
    await submit(page, `form[action="/team/cases/${caseId}/guests"]`);
    main = await page.textContent('main');
    if (!main.includes('maintainer@upstream.example')) fail('the collaborator is not listed');
    await flash('Invitation sent');
    await page.screenshot({ path: `${shots}/team-case.png`, fullPage: true });
    console.log('collaborator invited');
  } else if (mode === 'guest') {
    const [link, otherCase, shots] = rest;
    await page.goto(`${base}${link}`);
    const main = await page.textContent('main');
    if (!main.includes('You were invited into this private security case')) fail(`not the guest page:\n${main}`);
    if (!main.includes('SQL injection in the search filter')) fail('the case is not shown');
    if (main.includes('A different secret issue')) fail('another case leaked');
    await page.screenshot({ path: `${shots}/guest-case.png`, fullPage: true });
    console.log('collaborator sees the case');
    await page.goto(`${base}/team/cases/${otherCase}`);
    if (!page.url().includes('/team/login')) fail(`another case reachable: ${page.url()}`);
    if ((await page.textContent('main')).includes('A different secret issue')) fail('another case leaked');
    console.log('another case is not reachable');
  } else {
    fail(`unknown mode ${mode}`);
  }
  console.log('OK');
} finally {
  await browser.close();
}
