// Every page, in every state the test set up, checked with axe-core (WCAG 2.1 A and AA)
// and, for public pages, at a phone's width (390 px: nothing may scroll sideways).
// Usage: node audit_pages.mjs BASE EMAIL PASSWORD SCREENSHOT_DIR < plan.json
// plan.json: {
//   "public": ["/", "/p/demo/", …],                 public pages (also checked at 390 px)
//   "team":   ["/team/", "/team/cases/1", …],        pages of a signed-in team member
//   "forms":  [{"name", "page", "form", "set": {selector: value | true}, "team": bool,
//               "expect": text}]                     a form submitted so that it is refused:
//                                                    the error page is checked too
//   "shots":  {"name": "/path", …}                   full-page screenshots (team session)
// }
// Pages are fetched with JavaScript off (as users do); axe runs in a second context
// with JavaScript on only to evaluate the checker (the pages themselves have no script).
// Prints one line per page; exits 1 listing every violation found.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const [base, email, password, shots] = process.argv.slice(2);
const plan = JSON.parse(readFileSync(0, 'utf8'));
const problems = [];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// axe needs script in the page; CDP evaluation is not subject to the page's CSP.
async function axe(page, label) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  for (const v of result.violations) {
    const where = v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ');
    problems.push(`${label}: ${v.id} (${v.impact}): ${v.help} — ${where}`);
  }
  return result.violations.length;
}

async function signIn(context) {
  const page = await context.newPage();
  await page.goto(`${base}/team/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/team/login"] button[type=submit]')]);
  if (!page.url().endsWith('/team/')) throw new Error(`sign-in failed: ${page.url()}`);
  await page.close();
}

try {
  // The checker must find what it is there to find (else a broken install passes).
  {
    const probe = await (await browser.newContext()).newPage();
    await probe.setContent('<!doctype html><html lang="en"><title>t</title><main><input type="text"></main></html>');
    const before = problems.length;
    const n = await axe(probe, 'probe');
    problems.length = before;
    if (n === 0) throw new Error('axe-core found nothing wrong with an unlabelled input: it is not running');
    await probe.close();
  }
  // Public pages, anonymous; JavaScript on only for the checker.
  const anon = await browser.newContext();
  const narrow = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: true });
  for (const path of plan.public) {
    const page = await anon.newPage();
    const r = await page.goto(`${base}${path}`);
    if (!r || r.status() >= 400) problems.push(`${path}: HTTP ${r && r.status()}`);
    const n = await axe(page, path);
    await page.close();
    const small = await narrow.newPage();
    await small.goto(`${base}${path}`);
    const { sw, cw } = await small.evaluate(() => ({
      sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
    if (sw > cw) problems.push(`${path}: scrolls sideways at 390 px (${sw} > ${cw})`);
    await small.close();
    console.log(`public ${path}: ${n} violation(s), width ${sw}/${cw}`);
  }
  // Team pages, signed in.
  const team = await browser.newContext();
  await signIn(team);
  for (const path of plan.team) {
    const page = await team.newPage();
    const r = await page.goto(`${base}${path}`);
    if (!r || r.status() >= 400) problems.push(`${path}: HTTP ${r && r.status()}`);
    const n = await axe(page, path);
    await page.close();
    console.log(`team ${path}: ${n} violation(s)`);
  }
  // Error states: a form submitted so that it is refused; the page it answers with.
  for (const f of plan.forms) {
    const context = f.team ? team : anon;
    const page = await context.newPage();
    await page.goto(`${base}${f.page}`);
    for (const [selector, value] of Object.entries(f.set || {})) {
      if (value === true) await page.check(selector);
      else if (await page.$eval(selector, (e) => e.tagName) === 'SELECT') await page.selectOption(selector, value);
      else await page.fill(selector, value);
    }
    // The server's checks are under test, not the browser's: no HTML5 validation.
    await page.$eval(f.form, (form) => { form.noValidate = true; });
    await Promise.all([page.waitForNavigation(), page.click(`${f.form} button[type=submit]`)]);
    const text = await page.textContent('body');
    if (f.expect && !text.includes(f.expect)) problems.push(`${f.name}: the error page lacks "${f.expect}"`);
    const n = await axe(page, `${f.name} (error state)`);
    await page.screenshot({ path: `${shots}/error-${f.name}.png`, fullPage: true });
    await page.close();
    console.log(`error ${f.name}: ${n} violation(s)`);
  }
  for (const [name, path] of Object.entries(plan.shots || {})) {
    const page = await team.newPage();
    await page.goto(`${base}${path}`);
    await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
    await page.screenshot({ path: `${shots}/${name}-top.png` });
    await page.close();
  }
} catch (e) {
  problems.push(`the audit itself failed: ${e.stack || e}`);
} finally {
  await browser.close();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('OK');
