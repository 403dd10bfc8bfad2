// The staff console in a real browser: Debian's headless Chromium driven by playwright-core, run with Node's own
// test runner (`node --test`). tests/e2e/console_browser_e2e_test.cpp starts carelistend on a fresh database with
// seeded posts and users, installs playwright-core into the build directory, and runs this file with the
// environment below. The tests run in file order (node:test runs a file's top-level tests one after another):
// the case work comes before the audit check that looks for it.
//
//   BASE_URL                          http://127.0.0.1:<port> of the internal listener
//   PR_USER / PR_PASSWORD             patient relations
//   ADMIN_USER / ADMIN_PASSWORD       admin
//   PHYSICIAN_USER / PHYSICIAN_PASSWORD  physician A (PHYSICIAN_ID)
//   WORK_CASE_ID                      the case that gets a note, a correction, a response and is resolved
//   HOSTILE_CASE_ID, HTML_CASE_ID     the cases of the post with a script and of the HTML-looking post
//   OPEN_CASE_IDS                     comma-separated: every open case when the browser tests start
//   OWN_CASE_ID, OTHER_CASE_ID        physician A's red-flag case, and physician B's
//   OWN_SURVEY_ID, OTHER_SURVEY_ID    physician A's answered survey, and physician B's
//   SCREENSHOT_DIR                    where the PNGs go
//   BROWSER_DEPS_DIR                  the directory whose node_modules holds playwright-core (the build's)
//   CHROMIUM                          the browser (default /usr/bin/chromium)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';

const env = (name) => {
    const value = process.env[name];
    assert.ok(value, `${name} is not set: run this through tests/e2e/console_browser_e2e_test (ctest -L e2e)`);
    return value;
};

// playwright-core lives in the build directory, never in the source tree.
const require = createRequire(path.join(process.env.BROWSER_DEPS_DIR ?? process.cwd(), 'package.json'));
const { chromium } = require('playwright-core');

const BASE = env('BASE_URL');
const SHOTS = env('SCREENSHOT_DIR');
const users = {
    pr: { name: env('PR_USER'), password: env('PR_PASSWORD') },
    admin: { name: env('ADMIN_USER'), password: env('ADMIN_PASSWORD') },
    physician: { name: env('PHYSICIAN_USER'), password: env('PHYSICIAN_PASSWORD') },
};
const WORK_CASE = env('WORK_CASE_ID');
const HOSTILE_CASE = env('HOSTILE_CASE_ID');
const HTML_CASE = env('HTML_CASE_ID');
const OPEN_CASES = env('OPEN_CASE_IDS').split(',');
const OWN_CASE = env('OWN_CASE_ID');
const OTHER_CASE = env('OTHER_CASE_ID');
const OWN_SURVEY = env('OWN_SURVEY_ID');
const OTHER_SURVEY = env('OTHER_SURVEY_ID');

let browser;
const contexts = [];

before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    // launch() gives every run a fresh, temporary --user-data-dir (removed on close). The flags keep an offline
    // machine quiet: without them Chromium keeps dialling Google's services and QUIC endpoints.
    browser = await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
            '--disable-component-update', '--disable-sync'],
    });
});

after(async () => {
    for (const context of contexts) {
        await context.close().catch(() => {});
    }
    await browser?.close();
});

async function newContext(options = {}) {
    const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 900 }, ...options });
    contexts.push(context);
    return context;
}

async function shot(page, name) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/// Logs in through the form as a person does; returns the answer to the POST.
async function logIn(page, user) {
    await page.goto('/console/login');
    await page.fill('#username', user.name);
    await page.fill('#password', user.password);
    const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/console/login') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Log in' }).click(),
    ]);
    await page.waitForLoadState('load');
    return answer;
}

/// Why a form POST was answered as it was: the status, the page's message, and the Origin the browser sent.
async function explain(page, answer) {
    const origin = (await answer.request().allHeaders()).origin;
    const message = await page.locator('[role="alert"]').first().textContent({ timeout: 1000 }).catch(() => '');
    return `HTTP ${answer.status()} "${(message ?? '').trim()}" (the browser sent Origin: ${origin ?? '(none)'})`;
}

async function sessionPage(user, options) {
    const context = await newContext(options);
    const page = await context.newPage();
    const answer = await logIn(page, user);
    assert.equal(answer.status(), 303, `logging in as ${user.name}: ${await explain(page, answer)}`);
    return { context, page };
}

/// Submits the form whose action ends with `/<action>` and waits for the page it leads to.
async function submit(page, action, buttonName) {
    const form = page.locator(`form[action$="/${action}"]`);
    await Promise.all([page.waitForURL(new RegExp(`\\?done=${action}$`)),
        form.getByRole('button', { name: buttonName }).click()]);
    await page.waitForLoadState('load');
}

const caseLinks = (page) =>
    page.$$eval('table.queue a[href^="/console/cases/"]', (links) => links.map((a) => a.getAttribute('href').split('/').pop()));

test('the login page refuses a wrong password and shows why', async () => {
    const context = await newContext();
    const page = await context.newPage();
    await page.goto('/console/login');
    assert.equal(await page.title(), 'Log in – carelisten');
    await shot(page, 'login');
    const answer = await logIn(page, { name: users.pr.name, password: 'not-the-password-at-all' });
    assert.equal(answer.status(), 401, `a wrong password: ${await explain(page, answer)}`);
    assert.match(new URL(page.url()).pathname, /^\/console\/login$/);
    const error = page.locator('#login-error');
    assert.ok(await error.isVisible(), '#login-error is shown');
    assert.match(await error.textContent(), /username or password is wrong/);
    assert.equal((await context.cookies()).filter((c) => c.name === 'carelisten_session').length, 0);
});

test('patient relations logs in: the session cookie is HttpOnly and SameSite=Strict, the queue lists the seeded cases',
    async () => {
        const context = await newContext();
        const page = await context.newPage();
        const answer = await logIn(page, users.pr);
        assert.equal(answer.status(), 303, await explain(page, answer));
        assert.equal(new URL(page.url()).pathname, '/console/queue');
        const session = (await context.cookies()).find((c) => c.name === 'carelisten_session');
        assert.ok(session, 'a carelisten_session cookie is set');
        assert.equal(session.httpOnly, true);
        assert.equal(session.sameSite, 'Strict');
        assert.equal(session.path, '/');
        // HttpOnly in practice: the page's own script cannot read it.
        assert.doesNotMatch(await page.evaluate(() => document.cookie), /carelisten_session/);

        assert.equal(await page.textContent('#case-total'), String(OPEN_CASES.length));
        const listed = await caseLinks(page);
        for (const id of OPEN_CASES) {
            assert.ok(listed.includes(id), `case ${id} is in the queue (${listed.join(', ')})`);
        }
        // The filters narrow the list: only the critical cases.
        await page.selectOption('form.filters select[name="urgency"]', 'critical');
        await Promise.all([page.waitForURL(/urgency=critical/), page.getByRole('button', { name: 'Filter' }).click()]);
        const critical = await caseLinks(page);
        assert.ok(critical.length >= 2 && critical.length < listed.length, `critical cases: ${critical.join(', ')}`);
        assert.ok(critical.includes(OWN_CASE) && critical.includes(OTHER_CASE));
        await page.goto('/console/queue');
        await shot(page, 'queue');
    });

test('a case is worked in the browser: note, category correction, response, resolution', async () => {
    const { page } = await sessionPage(users.pr);
    await page.goto('/console/queue');
    await Promise.all([page.waitForURL(new RegExp(`/console/cases/${WORK_CASE}$`)),
        page.click(`table.queue a[href="/console/cases/${WORK_CASE}"]`)]);
    assert.equal((await page.textContent('#case-status')).trim(), 'Open');
    assert.ok((await page.locator('ol.messages p.text').count()) >= 1);

    await page.fill('#note-body', 'Called the ward manager; waiting for the rota.');
    await submit(page, 'note', 'Add note');
    assert.equal((await page.textContent('p.notice')).trim(), 'Note added.');
    assert.match(await page.textContent('ol.history'), /Called the ward manager; waiting for the rota\./);

    // The correction: exactly "Environment" and a neutral sentiment.
    const correct = page.locator('form[action$="/correct"]');
    for (const box of await correct.locator('input[name="category"]').all()) {
        await box.setChecked((await box.getAttribute('value')) === 'environment');
    }
    await correct.locator('input[name="sentiment"][value="neutral"]').check();
    await submit(page, 'correct', 'Save correction');
    assert.match(await page.textContent('p.notice'), /Correction saved/);
    const categories = await page.textContent('#case-categories');
    assert.match(categories, /^Environment\b/);
    assert.match(categories, /corrected by staff/);
    assert.match(await page.textContent('#case-sentiment'), /^Neutral/);
    assert.ok(await page.locator('form[action$="/correct"] input[value="environment"]').isChecked());

    await page.selectOption('#response-channel', 'phone');
    await page.fill('#response-body', 'Apologised by phone and explained the new rota.');
    await submit(page, 'response', 'Record response');
    assert.equal((await page.textContent('p.notice')).trim(), 'Response recorded.');
    assert.match(await page.textContent('ol.history'), /Apologised by phone/);
    await shot(page, 'case');

    await page.selectOption('#resolve-outcome', 'apology_given');
    await page.fill('#resolve-note', 'Family satisfied.');
    await submit(page, 'resolve', 'Resolve case');
    assert.equal((await page.textContent('p.notice')).trim(), 'Resolved.');
    assert.equal((await page.textContent('#case-status')).trim(), 'Closed');
    assert.match(await page.textContent('dl.facts'), /Outcome\s*Apology given/);
    assert.equal(await page.locator('form[action$="/resolve"]').count(), 0, 'a closed case has no resolve form');
    assert.equal(await page.locator('form[action$="/reopen"]').count(), 1, 'a closed case can be reopened');
});

test('hostile post text renders as inert text', async () => {
    const { page } = await sessionPage(users.pr);
    const blocked = [];
    page.on('request', (request) => {
        if (!request.url().startsWith(BASE)) {
            blocked.push(request.url());
        }
    });
    await page.goto('/console/queue');
    assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined');
    assert.equal(await page.locator('table.queue script, table.queue img').count(), 0);

    const answer = await page.goto(`/console/cases/${HOSTILE_CASE}`);
    assert.equal(answer.status(), 200);
    const csp = answer.headers()['content-security-policy'];
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const text = await page.locator('ol.messages p.text').allTextContents();
    assert.ok(text.some((t) => t.includes('<script>window.__pwned=1</script>')), `shown as text: ${text.join(' | ')}`);
    assert.ok(text.some((t) => t.includes('<img src=x onerror="window.__pwned=2">')));
    assert.ok((await page.innerText('body')).includes('<script>'));
    assert.equal(await page.locator('.messages script').count(), 0);
    assert.equal(await page.locator('.messages img').count(), 0);
    assert.equal(await page.locator('script').count(), 0, 'the console has no script at all');
    await page.waitForTimeout(300);  // an onerror would have fired by now
    assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined');

    await page.goto(`/console/cases/${HTML_CASE}`);
    const html = (await page.locator('ol.messages p.text').allTextContents()).join('\n');
    assert.ok(html.includes('<b>URGENT</b>'), html);
    assert.ok(html.includes('<a href="javascript:alert(1)">'), html);
    assert.equal(await page.locator('.messages b, .messages a[href^="javascript:"], .messages iframe').count(), 0);
    assert.deepEqual(blocked, [], 'nothing was fetched from another origin');
});

test('a case action without, or with a wrong, CSRF token is refused with 403', async () => {
    const { page } = await sessionPage(users.pr);
    const url = `/console/cases/${HOSTILE_CASE}/note`;
    await page.goto(`/console/cases/${HOSTILE_CASE}`);
    const token = await page.getAttribute('form[action$="/note"] input[name="csrf"]', 'value');
    assert.ok(token && token.length > 10);

    // From the page's own request context: the session cookie goes along, the token does not.
    const missing = await page.request.post(url, { form: { body: 'no token' }, maxRedirects: 0 });
    assert.equal(missing.status(), 403);
    const wrong = await page.request.post(url, { form: { csrf: token.slice(0, -4) + 'AAAA', body: 'wrong token' },
        maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    const crossSite = await page.request.post(url, { form: { csrf: token, body: 'cross-site' }, maxRedirects: 0,
        headers: { Origin: 'https://evil.example' } });
    assert.equal(crossSite.status(), 403, 'a foreign Origin is refused even with the right token');
    // The control: the same request with the page's token goes through.
    const right = await page.request.post(url, { form: { csrf: token, body: 'with the right token' }, maxRedirects: 0 });
    assert.equal(right.status(), 303);

    // Tampering with the hidden field in the page itself.
    await page.goto(`/console/cases/${HOSTILE_CASE}`);
    await page.$eval('form[action$="/note"] input[name="csrf"]', (input) => { input.value = 'forged'; });
    await page.fill('#note-body', 'tampered token');
    const [answer] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/note') && r.request().method() === 'POST'),
        page.locator('form[action$="/note"]').getByRole('button', { name: 'Add note' }).click(),
    ]);
    assert.equal(answer.status(), 403);
    await page.waitForLoadState('load');
    assert.equal((await page.textContent('h1')).trim(), 'Not allowed');

    await page.goto(`/console/cases/${HOSTILE_CASE}`);
    const history = await page.textContent('ol.history');
    assert.match(history, /with the right token/);
    for (const refused of ['no token', 'wrong token', 'cross-site', 'tampered token']) {
        assert.ok(!history.includes(refused), `"${refused}" was not stored`);
    }
});

test('after logout the session cookie no longer opens the queue', async () => {
    const { context, page } = await sessionPage(users.pr);
    const session = (await context.cookies()).find((c) => c.name === 'carelisten_session');
    assert.ok(session);
    await Promise.all([page.waitForURL(/\/console\/login$/), page.getByRole('button', { name: 'Log out' }).click()]);
    assert.equal((await context.cookies()).filter((c) => c.name === 'carelisten_session').length, 0,
        'the browser dropped the cookie');
    await page.goto('/console/queue');
    assert.equal(new URL(page.url()).pathname, '/console/login');

    // The old value, replayed from another browser, is dead on the server too.
    const replay = await newContext();
    await replay.addCookies([{ ...session }]);
    const other = await replay.newPage();
    const answer = await other.goto('/console/queue');
    assert.equal(new URL(other.url()).pathname, '/console/login');
    assert.equal(answer.status(), 200);
    const direct = await other.request.get('/console/queue', { maxRedirects: 0 });
    assert.equal(direct.status(), 303);
    assert.equal(direct.headers().location, '/console/login');
});

test('the dashboard draws its charts and the de-identified export has no author', async () => {
    const { page } = await sessionPage(users.pr);
    const answer = await page.goto('/console/dashboard');
    assert.equal(answer.status(), 200);
    assert.ok((await page.locator('main svg').count()) >= 3, 'SVG charts');
    assert.ok(await page.locator('#response-times').isVisible());
    await shot(page, 'dashboard');

    const csv = await page.request.get('/console/export.csv?deidentified=1');
    assert.equal(csv.status(), 200);
    assert.match(csv.headers()['content-type'], /^text\/csv/);
    const body = await csv.text();
    assert.match(body.split('\n')[0], /^case_id,/);
    assert.ok(!body.split('\n')[0].includes('author'));
    assert.ok(!body.includes('@hostile_poster') && !body.includes('@ward7_visitor'), 'no author handle in the file');
});

test('a physician sees their own summary and cases, and not another physician\'s patient', async () => {
    const { context, page } = await sessionPage(users.physician);
    assert.equal(new URL(page.url()).pathname, '/console/physician');
    assert.ok(await page.locator('#red-flags').isVisible());
    assert.ok((await page.locator('ul.red-flags li.flag').count()) >= 1, 'the red flag of their patient');
    assert.equal(await page.getAttribute('ul.red-flags li.flag a', 'href'), `/console/physician/surveys/${OWN_SURVEY}`);
    await shot(page, 'physician-summary');

    const own = await page.goto(`/console/physician/surveys/${OWN_SURVEY}`);
    assert.equal(own.status(), 200);
    assert.ok((await page.locator('#answers tr.is-flagged').count()) >= 1);

    const other = await page.goto(`/console/physician/surveys/${OTHER_SURVEY}`);
    assert.equal(other.status(), 404);
    assert.equal((await page.textContent('h1')).trim(), 'Not found');
    const made_up = await page.goto('/console/physician/surveys/987654321');
    assert.equal(made_up.status(), 404);

    await page.goto('/console/queue');
    assert.deepEqual(await caseLinks(page), [OWN_CASE], 'only their own patient\'s case');
    assert.equal(await page.textContent('#case-total'), '1');
    const foreign = await page.goto(`/console/cases/${OTHER_CASE}`);
    assert.equal(foreign.status(), 404, 'another physician\'s case does not exist for them');
    const mine = await page.goto(`/console/cases/${OWN_CASE}`);
    assert.equal(mine.status(), 200);
    assert.equal(await page.locator('form[action$="/resolve"]').count(), 0, 'a physician reads, does not act');
    void context;
});

test('the admin sees the audit log with the views and changes just made', async () => {
    const { page } = await sessionPage(users.admin);
    const read = async (query) => {
        const answer = await page.goto(`/console/audit?${query}`);
        assert.equal(answer.status(), 200);
        return page.$$eval('table.audit tbody tr', (rows) => rows.map((row) => {
            const cells = [...row.querySelectorAll('td')].map((td) => td.textContent.trim());
            return { actor: cells[1], role: cells[2], action: cells[3], object: cells[4] };
        }));
    };
    const pr = await read(`actor=${encodeURIComponent(users.pr.name)}`);
    const has = (rows, action, object) => rows.some((r) => r.action === action && (!object || r.object === object));
    for (const action of ['note', 'correct', 'response', 'resolve']) {
        assert.ok(has(pr, action, `case ${WORK_CASE}`), `${action} on case ${WORK_CASE} is audited`);
    }
    assert.ok(has(pr, 'view_case', `case ${HOSTILE_CASE}`), 'the view of the hostile case is audited');
    assert.ok(has(pr, 'view_queue'), 'queue views are audited');
    assert.ok(has(pr, 'csrf_refused'), 'the refused forms are audited');
    assert.ok(has(pr, 'login') && has(pr, 'logout'));
    // A failed login is recorded under the name typed, without a role; everything else under the user's role.
    assert.ok(pr.filter((r) => r.action !== 'login_failed').every((r) => r.role === 'patient_relations'));
    const failed = await read('action=login_failed');
    assert.ok(failed.length >= 1, 'the wrong password is audited');
    const physician = await read(`actor=${encodeURIComponent(users.physician.name)}`);
    assert.ok(has(physician, 'view_survey', `survey ${OWN_SURVEY}`));
    assert.ok(has(physician, 'view_survey_denied', `survey ${OTHER_SURVEY}`), 'the refused survey is audited');
    await read('');
    await shot(page, 'audit');

    // Only the admin: patient relations gets 403.
    const { page: prPage } = await sessionPage(users.pr);
    assert.equal((await prPage.goto('/console/audit')).status(), 403);
});

test('the queue is usable on a 375-px phone screen', async () => {
    const { page } = await sessionPage(users.pr, {
        viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    });
    await page.goto('/console/queue');
    const widths = await page.evaluate(() => ({
        document: document.documentElement.scrollWidth, body: document.body.scrollWidth, client: window.innerWidth,
    }));
    assert.equal(widths.client, 375);
    assert.ok(widths.document <= 377, `no horizontal scrolling: scrollWidth ${widths.document} at 375 px`);
    await shot(page, 'phone-queue');
    // The rows are cards whose case links can be tapped.
    const link = page.locator('table.queue a[href^="/console/cases/"]').first();
    const box = await link.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 375, `the case link is on screen: ${JSON.stringify(box)}`);
    await Promise.all([page.waitForURL(/\/console\/cases\/\d+$/), link.tap()]);
    assert.ok(await page.locator('#case-status').isVisible());
});
