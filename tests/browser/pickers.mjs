// Pickers by keyboard only: the place cascade (province → city → county), position category,
// scope, the majors and employer comboboxes, and the same searches without JavaScript, in
// headless Chromium. Each form must also fit a 375 px phone without horizontal overflow.
// Called from run.mjs: pickerTests({ browser, BASE, check, signIn }).

/** Presses Tab until the focused element matches `selector` (at most `max` times). */
async function tabTo(page, selector, max = 80) {
  for (let i = 0; i < max; i += 1) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return true;
    await page.keyboard.press('Tab');
  }
  return page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector);
}

/** With a select focused, presses ArrowDown until the chosen option's text contains `text`
 * (Home once at the last option, for a value chosen earlier further down). */
async function arrowTo(page, text, max = 500) {
  let last = -2;
  for (let i = 0; i < max; i += 1) {
    const [index, shown] = await page.evaluate(() => {
      const s = document.activeElement;
      return s && s.tagName === 'SELECT' && s.selectedIndex >= 0 ? [s.selectedIndex, s.options[s.selectedIndex].textContent] : [-1, null];
    });
    if (shown !== null && shown.includes(text)) return true;
    await page.keyboard.press(index === last ? 'Home' : 'ArrowDown');
    last = index;
  }
  return false;
}

async function noOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
}

async function value(page, selector) {
  return page.evaluate((s) => document.querySelector(s)?.value ?? null, selector);
}

/** Types into a focused combobox, moves down to the first option and picks it with Enter. */
async function comboPick(page, check, name, input, text, hidden) {
  await page.keyboard.type(text, { delay: 30 });
  await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('aria-expanded') === 'true', input, { timeout: 5000 })
    .catch(() => {});
  const expanded = await page.getAttribute(input, 'aria-expanded');
  check(`${name}: typing opens the listbox`, expanded === 'true', String(expanded));
  await page.keyboard.press('ArrowDown');
  const active = await page.getAttribute(input, 'aria-activedescendant');
  const option = active ? await page.evaluate((id) => {
    const o = document.getElementById(id);
    return o ? { role: o.getAttribute('role'), selected: o.getAttribute('aria-selected'), text: o.textContent } : null;
  }, active) : null;
  check(`${name}: ArrowDown marks an option (aria-activedescendant)`, option?.role === 'option' && option?.selected === 'true', JSON.stringify(option));
  const url = page.url();
  await page.keyboard.press('Enter');
  const picked = await value(page, hidden);
  check(`${name}: Enter picks without submitting the form`, page.url() === url && !!picked, `${page.url()} ${picked}`);
  check(`${name}: the choice is shown by name`, option ? (await page.locator('.picker-chosen').first().innerText()).length > 0 : false);
  // Escape closes an open list.
  await page.keyboard.type(text.slice(0, 2), { delay: 30 });
  await page.waitForFunction((s) => document.querySelector(s)?.getAttribute('aria-expanded') === 'true', input, { timeout: 5000 })
    .catch(() => {});
  await page.keyboard.press('Escape');
  check(`${name}: Escape closes the listbox`, (await page.getAttribute(input, 'aria-expanded')) === 'false');
  return picked;
}

export async function pickerTests({ browser, BASE, check, signIn }) {
  // The posting form as an employer: place, position category, majors, scope.
  {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'demo_employer');
      await page.goto(`${BASE}/postings/mine`);
      check('posting form fits 375 px', await noOverflow(page));
      for (const id of ['#pf_region_p', '#pf_region_c', '#pf_region_x']) {
        const labelled = await page.evaluate((s) => !!document.querySelector(`label[for="${s.slice(1)}"]`), id);
        check(`posting: ${id} has a label`, labelled);
      }
      await page.focus('#pf_description');
      check('posting: Tab reaches the province select', await tabTo(page, '#pf_region_p'));
      check('posting: arrows choose 四川省', await arrowTo(page, '四川省'));
      await page.keyboard.press('Tab');
      check('posting: arrows choose 成都市', await arrowTo(page, '成都市'));
      await page.waitForFunction(() => document.querySelector('#pf_region_x')?.options.length > 1, null, { timeout: 5000 }).catch(() => {});
      await page.keyboard.press('Tab');
      check('posting: arrows choose 锦江区', await arrowTo(page, '锦江区'));
      check('posting: the place submitted is the county', (await value(page, 'input[type=hidden][name=region]')) === '510104',
        String(await value(page, 'input[type=hidden][name=region]')));
      check('posting: Tab reaches the position category', await tabTo(page, '#pf_position'));
      check('posting: arrows choose 工程技术人员', await arrowTo(page, '工程技术人员'));
      check('posting: Tab reaches the majors combobox', await tabTo(page, '#pf_majors'));
      const role = await page.getAttribute('#pf_majors', 'role');
      check('posting: the majors box is a combobox', role === 'combobox', String(role));
      const majors = await comboPick(page, check, 'majors', '#pf_majors', '计算机', 'input[type=hidden][name=majors]');
      check('posting: a major code is chosen without typing it', /^[0-9]{4,6}[A-Z]?$/.test(majors ?? ''), String(majors));
      check('posting: Tab reaches the scope select', await tabTo(page, '#pf_scope'));
      check('posting: arrows choose 四川大学', await arrowTo(page, '四川大学'));
      check('posting form still fits 375 px after choosing', await noOverflow(page));
    } catch (e) {
      check('posting pickers', false, String(e));
    } finally {
      await context.close();
    }
  }

  // The visit form as a counselor: unit select and employer combobox.
  {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'demo_counselor');
      await page.goto(`${BASE}/visits/new`);
      check('visit form fits 375 px', await noOverflow(page));
      await page.focus('h1').catch(() => {});
      check('visit: Tab reaches the unit select', await tabTo(page, '#v_unit'));
      const before = await value(page, '#v_unit');
      await page.keyboard.press('ArrowDown');
      const after = await value(page, '#v_unit');
      check('visit: arrows change the unit', !!after && after !== before, `${before} → ${after}`);
      check('visit: Tab reaches the employer combobox', await tabTo(page, '#v_employer'));
      const picked = await comboPick(page, check, 'employer', '#v_employer', '公司', 'input[type=hidden][name=employer]');
      check('visit: an employer credit code is chosen without typing it', /^[0-9A-Z]{18}$/.test(picked ?? ''), String(picked));
      // The new-employer part opens from the keyboard and its place is a cascade too.
      check('visit: Tab reaches "add a new employer"', await tabTo(page, 'details.picker-new > summary'));
      await page.keyboard.press('Enter');
      check('visit: Enter opens it', await page.evaluate(() => document.querySelector('details.picker-new')?.open === true));
      check('visit: Tab reaches its province select', await tabTo(page, '#ne_region_p'));
      check('visit: new employer province by arrows', await arrowTo(page, '四川省'));
      check('visit form still fits 375 px with the new-employer part open', await noOverflow(page));
    } catch (e) {
      check('visit pickers', false, String(e));
    } finally {
      await context.close();
    }
  }

  // Without JavaScript: the majors search submits the form and the result is picked by keyboard.
  {
    const context = await browser.newContext({ locale: 'zh-CN', javaScriptEnabled: false, viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'demo_employer');
      await page.goto(`${BASE}/postings/mine`);
      check('no script: the place is one grouped select', (await page.locator('select[name=region] optgroup').count()) > 20);
      await page.focus('#pf_majors');
      await page.keyboard.type('软件');
      await page.keyboard.press('Tab');
      const onFind = await page.evaluate(() => document.activeElement?.getAttribute('value'));
      check('no script: Tab moves to 查找', onFind === 'find:majors', String(onFind));
      await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.keyboard.press('Enter')]);
      const first = page.locator('.picker-results button').first();
      check('no script: matches by name are listed', (await first.count()) === 1 && (await first.innerText()).includes('软件'));
      await first.focus();
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
      const chosen = await value(page, 'input[type=hidden][name=majors]');
      check('no script: the chosen major comes back in the form', !!chosen, String(chosen));
      check('no script: posting form fits 375 px', await noOverflow(page));
    } catch (e) {
      check('pickers without script', false, String(e));
    } finally {
      await context.close();
    }
  }

  // The graduate's destination form: the place cascade.
  {
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 375, height: 800 } });
    const page = await context.newPage();
    try {
      await signIn(page, 'demo_graduate');
      await page.goto(`${BASE}/me/destination`);
      if ((await page.locator('#employer_region_p').count()) === 0) {
        check('destination: the form is open (cohort not closed)', (await page.locator('.notice').count()) > 0, 'no form and no notice');
      } else {
        await page.focus('#employer_name');
        check('destination: Tab reaches the province select', await tabTo(page, '#employer_region_p'));
        check('destination: arrows choose 四川省', await arrowTo(page, '四川省'));
        await page.keyboard.press('Tab');
        check('destination: arrows choose 绵阳市', await arrowTo(page, '绵阳市'));
        check('destination: the place submitted is the city',
          (await value(page, 'input[type=hidden][name=employer_region]')) === '510700');
      }
      check('destination page fits 375 px', await noOverflow(page));
    } catch (e) {
      check('destination pickers', false, String(e));
    } finally {
      await context.close();
    }
  }
}
