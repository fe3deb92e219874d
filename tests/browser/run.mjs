// Browser tests: a real headless Chromium signs in through the sign-in page as every demo role,
// reaches that role's home page, and axe-core checks the main pages for accessibility violations
// of every impact level; every page is also checked on a 375 px wide phone for horizontal
// overflow, and the collapsing header menu is driven by keyboard. Expects a demo node at
// $BASE_URL (scripts/browser-tests.sh starts one).
//
// Later modules add their pages to PAGES below.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:8080';
const PASSWORD = process.env.DEMO_PASSWORD ?? 'Jiuye-Demo-2023';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

// username → the role name its home page shows (zh-CN).
const ROLES = [
  ['demo_ministry', '教育部管理员'],
  ['demo_province', '省级管理员'],
  ['demo_career', '就业指导中心'],
  ['demo_leader', '校领导'],
  ['demo_college', '院系领导'],
  ['demo_major', '专业负责人'],
  ['demo_counselor', '辅导员'],
  ['demo_graduate', '毕业生'],
  ['demo_employer', '用人单位'],
];

// Pages checked with axe and at 375 px: [path, who is signed in (null: nobody), the status
// expected when not 200].
const PAGES = [
  ['/imports', 'demo_counselor', 403],
  ['/no/such/page', 'demo_graduate', 404],
  ['/campaigns', 'demo_ministry'],
  ['/campaigns/2023-spring', 'demo_ministry'],
  ['/integrity', 'demo_counselor'],
  ['/stats', 'demo_counselor'],
  ['/orgs', null],
  ['/orgs/4151010610', 'demo_career'],
  ["/ref/undergraduate_majors", null],
  ['/postings', 'demo_graduate'],
  ['/login', null],
  ['/', null],
  ['/orgs/510000', null],
  ['/ref/destinations', null],
  ['/', 'demo_career'],
  ['/account', 'demo_career'],
  ['/users', 'demo_career'],
  ['/users?org=4151010610-01', 'demo_province'],
  ['/audit', 'demo_career'],
  ['/federation', 'demo_career'],
  ['/account', 'demo_graduate'],
  ['/me/destination', 'demo_graduate'],
  ['/stats?org=4151010610&cohort=2022', 'demo_career'],
  ['/imports', 'demo_career'],
  ['/graduates?org=4151010610&cohort=2023&status=submitted', 'demo_career'],
  ['/integrity?org=4151010610&cohort=2023', 'demo_career'],
  ['/graduates?unplaced=true&cohort=2023', 'demo_counselor'],
  ['/min-wages', 'demo_province'],
  ['/campaigns/2023-spring?org=4151010610', 'demo_career'],
  ['/visits/new', 'demo_counselor'],
  ['/campaigns/2023-spring?org=510000&as_of=2023-04-10', 'demo_province'],
  ['/campaigns/2023-spring/chart?org=510000&as_of=2023-04-10', 'demo_province'],
  ['/campaigns/2023-spring/mine?as_of=2023-04-10', 'demo_leader'],
  ['/visits?org=4151010610', 'demo_career'],
  ['/bases?org=4151010610', 'demo_career'],
  ['/surveys?org=4151010610', 'demo_career'],
  ['/surveys', 'demo_employer'],
  ['/postings/screen', null],
  ['/postings', null],
  ['/postings/review', 'demo_career'],
  ['/postings/mine', 'demo_employer'],
  ['/applications', 'demo_graduate'],
  ['/talent', 'demo_employer'],
  ['/postings?q=%E5%B7%A5%E7%A8%8B%E5%B8%88&industry=I', null],
  ['/safety', null],
  ['/safety', 'demo_province'],
  ['/safety/quiz', 'demo_graduate'],
  ['/safety/completion', 'demo_counselor'],
  ['/rights', 'demo_career'],
  ['/rights', 'demo_graduate'],
  ['/rights/new', 'demo_graduate'],
  ['/followup', 'demo_counselor'],
  ['/followup?all=1', 'demo_career'],
  ['/followup', 'demo_employer', 403],
  ['/hardship', 'demo_career'],
  ['/hardship', 'demo_counselor'],
  ['/hardship', 'demo_province'],
  ['/hardship', 'demo_graduate'],
  ['/hardship/import', 'demo_career'],
  ['/hardship/pending', 'demo_career'],
  ['/hardship/pending', 'demo_counselor'],
  ['/hardship', 'demo_employer', 403],
  ['/guidance', 'demo_graduate'],
  ['/guidance/courses', 'demo_graduate'],
  ['/guidance/courses', 'demo_advisor'],
  ['/guidance/contests', 'demo_graduate'],
  ['/guidance/contests', 'demo_advisor'],
  ['/awards', 'demo_career'],
  ['/awards?waiting=true', 'demo_province'],
  ['/hardship/subsidy', 'demo_province'],
  ['/guidance', 'demo_advisor'],
  ['/events', 'demo_graduate'],
  ['/events?view=calendar', 'demo_graduate'],
  ['/events', 'demo_career'],
  ['/events?view=calendar', 'demo_career'],
  ['/matching', 'demo_graduate'],
  ['/matching/coverage', 'demo_career'],
  ['/matching/coverage', 'demo_counselor'],
  ['/matching/coverage', 'demo_graduate', 403],
  ['/', 'demo_graduate'],
];

let passed = 0;
let failed = 0;
function check(name, ok, detail = '') {
  if (ok) {
    passed += 1;
    console.log(`ok   ${name}`);
  } else {
    failed += 1;
    console.log(`FAIL ${name}${detail ? `\n     ${detail}` : ''}`);
  }
}

async function signIn(page, username) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.getByRole('button', { name: '登录' }).click()]);
}

// Every violation, whatever its impact (minor and moderate included).
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}×: ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')})`);
  });
}

// Whether the page is wider than the window (horizontal scrolling of the page itself).
async function overflows(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
try {
  for (const [username, roleName] of ROLES) {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    try {
      await signIn(page, username);
      const text = (await page.locator('main').innerText()).replace(/\s+/g, ' ');
      check(`${username} signs in and reaches the ${roleName} home page`, new URL(page.url()).pathname === '/' && text.includes(roleName), text.slice(0, 200));
      // Keyboard: the skip link is the first stop and moves focus to the main content.
      await page.keyboard.press('Tab');
      const first = await page.evaluate(() => document.activeElement?.getAttribute('href'));
      check(`${username}: first Tab stop is the skip link`, first === '#main', String(first));
      await page.getByRole('button', { name: '退出' }).click();
      await page.waitForURL((u) => u.pathname === '/login');
      check(`${username} signs out`, (await page.getByRole('heading', { name: '登录' }).count()) === 1);
    } catch (e) {
      check(`${username} sign-in flow`, false, String(e));
    } finally {
      await context.close();
    }
  }

  // A wrong password is announced to screen readers.
  {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${BASE}/login`);
    await page.getByLabel('用户名').fill('demo_career');
    await page.getByLabel('密码', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    const alert = page.getByRole('alert');
    check('a wrong password shows an alert', (await alert.count()) === 1 && (await alert.innerText()).includes('不正确'));
    await context.close();
  }

  // Phone-sized screen: no horizontal scrolling of the page itself.
  {
    const context = await browser.newContext({ viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    for (const path of ['/', '/login', '/orgs/510000']) {
      await page.goto(`${BASE}${path}`);
      check(`${path} fits a 375 px wide phone`, !(await overflows(page)));
    }
    await context.close();
  }

  // The collapsing header menu on a 390 px phone, by keyboard: Tab reaches the menu button,
  // Enter opens the menu, Tab reaches its links, Escape closes it and returns to the button.
  {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'demo_career');
      const headerHeight = await page.evaluate(() => document.querySelector('header.site').getBoundingClientRect().height);
      check('the collapsed header is at most 60 px high on a 390 px phone', headerHeight <= 60, `${headerHeight} px`);
      const button = page.locator('#menu-toggle');
      check('the menu starts collapsed on a phone', (await button.getAttribute('aria-expanded')) === 'false' && !(await page.locator('#site-menu').isVisible()));
      let reached = false;
      for (let i = 0; i < 6 && !reached; i += 1) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate(() => document.activeElement?.id === 'menu-toggle');
      }
      check('Tab reaches the menu button', reached);
      await page.keyboard.press('Enter');
      check('Enter opens the menu', (await button.getAttribute('aria-expanded')) === 'true' && (await page.locator('#site-menu').isVisible()));
      await page.keyboard.press('Tab');
      const inMenu = await page.evaluate(() => document.activeElement?.closest('#site-menu') !== null && document.activeElement?.tagName === 'A');
      check('Tab moves from the button into the menu\'s links', inMenu);
      await page.keyboard.press('Escape');
      const back = await page.evaluate(() => document.activeElement?.id);
      check('Escape closes the menu and returns to its button', (await button.getAttribute('aria-expanded')) === 'false' && back === 'menu-toggle' && !(await page.locator('#site-menu').isVisible()));
    } catch (e) {
      check('the collapsing menu by keyboard', false, String(e));
    } finally {
      await context.close();
    }
  }

  // Without JavaScript the menu stays open (every page works without it).
  {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    check('without JavaScript the menu is shown', await page.locator('#site-menu a[href="/postings"]').isVisible());
    await context.close();
  }

  // The campaign's forms on a phone, signed in.
  {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), 'demo_counselor');
    const page = await context.newPage();
    for (const path of ['/visits/new', '/visits', '/bases', '/surveys', '/campaigns/2023-spring/mine']) {
      await page.goto(`${BASE}${path}`);
      check(`${path} fits a 375 px wide phone (demo_counselor)`, !(await overflows(page)));
    }
    await context.close();
  }

  // The fitting graduates of the demo employer's first posting (合适的毕业生, with an invite form
  // per graduate) pass axe and fit 375 px.
  {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), 'demo_employer');
    const page = await context.newPage();
    await page.goto(`${BASE}/postings/mine`);
    const href = await page.locator('main table a[href^="/postings/"]').first().getAttribute('href');
    check('/postings/mine lists the employer\'s postings (demo_employer)', !!href);
    if (href) {
      const res = await page.goto(`${BASE}${href}/candidates`);
      const violations = await axe(page);
      check(`axe: ${href}/candidates (demo_employer) answers 200 with no violations at any impact level`, res.status() === 200 && violations.length === 0, violations.join('\n     ') || `HTTP ${res.status()}`);
      check(`${href}/candidates fits a 375 px wide phone (demo_employer)`, !(await overflows(page)));
    }
    await context.close();
  }

  // Follow-up on a phone: one graduate's log passes axe, fits 375 px, and a contact is logged
  // with the keyboard alone.
  {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), 'demo_counselor');
    const page = await context.newPage();
    await page.goto(`${BASE}/followup`);
    const href = await page.locator('main .card h2 a').first().getAttribute('href');
    check('/followup lists graduates to reach (demo_counselor)', !!href);
    if (href) {
      await page.goto(`${BASE}${href}`);
      const violations = await axe(page);
      check(`axe: ${href} (demo_counselor) with no violations at any impact level`, violations.length === 0, violations.join('\n     '));
      check(`${href} fits a 375 px wide phone (demo_counselor)`, !(await overflows(page)));
      await page.locator('#c_summary').focus();
      await page.keyboard.type('电话联系，已投递三份简历');
      await page.locator('#c_next').focus();
      await page.keyboard.type('周五前再联系');
      await page.locator('main form.stack button[type="submit"]').focus();
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      check('a contact logged with the keyboard is in the log', (await page.locator('main').innerText()).includes('电话联系，已投递三份简历'));
    }
    await context.close();
  }

  // The hardship ledger on a phone: a figure leads to the graduates missing it, and a file
  // passes axe and fits 375 px.
  {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), 'demo_career');
    const page = await context.newPage();
    await page.goto(`${BASE}/hardship`);
    const missing = await page.locator('main table a[href^="/hardship/missing"]').first().getAttribute('href');
    check('/hardship links figures to the graduates missing them (demo_career)', !!missing);
    if (missing) {
      await page.goto(`${BASE}${missing}`);
      const href = await page.locator('main .card a').first().getAttribute('href');
      check(`${missing} names graduates (demo_career)`, !!href);
      if (href) {
        await page.goto(`${BASE}${href}`);
        const violations = await axe(page);
        check(`axe: ${href} (demo_career) with no violations at any impact level`, violations.length === 0, violations.join('\n     '));
        check(`${href} fits a 375 px wide phone (demo_career)`, !(await overflows(page)));
      }
    }
    await context.close();
  }

  // A nomination (with its history and step forms) and each contest (a judge's score forms)
  // pass axe and fit 375 px.
  for (const [who, list, links] of [
    ['demo_career', '/awards', 'main table a[href^="/awards/"]'],
    ['demo_counselor', '/guidance/contests', 'main .card h3 a'],
  ]) {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), who);
    const page = await context.newPage();
    await page.goto(`${BASE}${list}`);
    const hrefs = await page.locator(links).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    check(`${list} links its items (${who})`, hrefs.length > 0);
    for (const href of hrefs.slice(0, 2)) {
      await page.goto(`${BASE}${href}`);
      const violations = await axe(page);
      check(`axe: ${href} (${who}) with no violations at any impact level`, violations.length === 0, violations.join('\n     '));
      check(`${href} fits a 375 px wide phone (${who})`, !(await overflows(page)));
    }
    await context.close();
  }

  // An event's page as a graduate and as its organiser (with the statistics, the bookings and
  // the registrations), and the organiser's check-in page, pass axe and fit 375 px. The event is
  // the first the JSON API lists to each (for the career centre, the first it organises).
  for (const [who, organises] of [['demo_graduate', false], ['demo_career', true]]) {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), who);
    const page = await context.newPage();
    try {
      const listed = await (await context.request.get(`${BASE}/api/v1/events`)).json();
      let id = null;
      for (const e of Array.isArray(listed) ? listed : []) {
        const detail = await (await context.request.get(`${BASE}/api/v1/events/${e.id}`)).json();
        if (!organises || detail.stance === 'organiser') {
          id = e.id;
          break;
        }
      }
      check(`/api/v1/events lists an event ${organises ? 'it organises ' : ''}(${who})`, !!id, JSON.stringify(listed).slice(0, 200));
      const paths = id ? [`/events/${id}`, ...(organises ? [`/events/${id}/checkin`] : [])] : [];
      for (const path of paths) {
        const res = await page.goto(`${BASE}${path}`);
        const violations = await axe(page);
        check(`axe: ${path} (${who}) answers 200 with no violations at any impact level`, res.status() === 200 && violations.length === 0, violations.join('\n     ') || `HTTP ${res.status()}`);
        check(`${path} fits a 375 px wide phone (${who})`, !(await overflows(page)));
      }
    } catch (e) {
      check(`an event's pages (${who})`, false, String(e));
    } finally {
      await context.close();
    }
  }

  // The live hall of the province's online fair, as a graduate and as its organiser: it passes
  // axe, fits 375 px, and its script connects (WebSocket) and lists the booths' queues.
  for (const who of ['demo_graduate', 'demo_province']) {
    const context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true, viewport: { width: 375, height: 800 } });
    await signIn(await context.newPage(), who);
    const page = await context.newPage();
    try {
      const listed = await (await context.request.get(`${BASE}/api/v1/events?kind=online_fair`)).json();
      const fair = (Array.isArray(listed) ? listed : []).find((e) => e.phase !== 'ended' && e.phase !== 'cancelled');
      check(`an online fair is listed (${who})`, !!fair, JSON.stringify(listed).slice(0, 200));
      if (fair) {
        const path = `/events/${fair.id}/live`;
        const res = await page.goto(`${BASE}${path}`);
        await page.waitForFunction(() => (document.getElementById('live-status')?.textContent || '').includes('已连接'), null, { timeout: 5000 });
        const violations = await axe(page);
        check(`axe: ${path} (${who}) answers 200, connects, no violations`, res.status() === 200 && violations.length === 0, violations.join('\n     ') || `HTTP ${res.status()}`);
        check(`${path} fits a 375 px wide phone (${who})`, !(await overflows(page)));
      }
    } catch (e) {
      check(`the live hall (${who})`, false, String(e));
    } finally {
      await context.close();
    }
  }

  const contexts = new Map();
  for (const [path, who, expected = 200] of PAGES) {
    let context = contexts.get(who);
    if (!context) {
      // The pages forbid inline scripts (CSP); only the test's injected axe-core is let through.
      context = await browser.newContext({ locale: 'zh-CN', bypassCSP: true });
      contexts.set(who, context);
      if (who) await signIn(await context.newPage(), who);
    }
    const page = await context.newPage();
    const as = who ?? 'anonymous';
    try {
      const res = await page.goto(`${BASE}${path}`);
      const violations = await axe(page);
      check(`axe: ${path} (${as}) answers ${expected} with no violations at any impact level`, res.status() === expected && violations.length === 0, violations.join('\n     ') || `HTTP ${res.status()}`);
      await page.setViewportSize({ width: 375, height: 800 });
      await page.waitForTimeout(50);
      const widths = await page.evaluate(() => `${document.documentElement.scrollWidth} > ${window.innerWidth}`);
      check(`${path} (${as}) fits a 375 px wide phone`, !(await overflows(page)), widths);
    } catch (e) {
      check(`axe: ${path} (${as})`, false, String(e));
    } finally {
      await page.close();
    }
  }

  // The pickers' keyboard tests, where that suite exists.
  const pickers = new URL('./pickers.mjs', import.meta.url);
  if (existsSync(pickers)) {
    const { pickerTests } = await import(pickers.href);
    await pickerTests({ browser, BASE, check, signIn });
  }
} finally {
  await browser.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
