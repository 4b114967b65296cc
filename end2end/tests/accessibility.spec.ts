import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { freshDomain, operatorSession, verifiedUser } from './support';

/**
 * axe-core's WCAG 2.2 A and AA rules and its best practices, on every page a developer or an
 * operator sees, as rendered in Chromium (after hydration), on a desktop and on a phone.
 */
async function expectAccessible(page: Page, where: string) {
  for (const [width, height] of [[1280, 900], [390, 844]]) {
    await page.setViewportSize({ width, height });
    const results = await new AxeBuilder({ page })
      .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
      .analyze();
    const problems = results.violations.map(
      (v) => `${v.id} (${v.impact}): ${v.help}; at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`,
    );
    // Soft: one run lists every page's problems, not only the first page's.
    expect.soft(problems, `${where} at ${width}px`).toEqual([]);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('every page passes an automated accessibility check, on a desktop and on a phone', async ({ browser }) => {
  const page = await (await browser.newContext()).newPage();
  for (const path of ['/', '/signin', '/signup', '/forgot-password', '/resend-verification', '/terms', '/docs']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
    await expectAccessible(page, `${path}, signed out`);
  }

  // A refused form: errors beside the fields and in the form's alert.
  await page.goto('/signup');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectAccessible(page, 'the sign-up form with errors');

  const domain = freshDomain();
  await verifiedUser(page, 'Grace Hopper', `grace@${domain}`);
  await expectAccessible(page, '/profile');
  await page.getByLabel('I accept the terms and conditions').check();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();

  await page.goto('/company');
  await expect(page.getByRole('heading', { name: 'Set up your company' })).toBeVisible();
  await expectAccessible(page, '/company (setting it up)');
  await page.getByLabel('Company name').fill('Compilers Inc');
  await page.getByRole('button', { name: 'Save company' }).click();
  await expect(page.getByText('Company saved.')).toBeVisible();
  await expectAccessible(page, '/company');
  await page.goto('/company/activity');
  await expect(page.getByRole('table')).toBeVisible();
  await expectAccessible(page, '/company/activity');

  await page.goto('/apis');
  await expect(page.getByRole('link', { name: 'Register application' })).toBeVisible();
  await expectAccessible(page, '/apis (empty)');
  await page.getByRole('link', { name: 'Register application' }).click();
  await page.getByRole('button', { name: 'Register application' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expectAccessible(page, '/apis/new with errors');

  await page.getByLabel('Application name').fill('Ledger Sync');
  await page.getByLabel('Application type').selectOption('service');
  await page.getByLabel('Authentication').selectOption('client_credentials');
  await page.getByLabel('Description').fill('Keeps two ledgers in step.');
  await page.getByLabel('Digital Banking').check();
  for (const environment of ['Sandbox', 'Production']) await page.getByLabel(environment).check();
  await page.getByRole('button', { name: 'Register application' }).click();
  await expect(page.getByRole('heading', { name: 'Ledger Sync' })).toBeVisible();
  await expect(page.getByText('pk_sandbox_').first()).toBeVisible();
  await expectAccessible(page, 'an application page');
  await page.getByLabel('Reveal secret: Digital Banking · Sandbox').click();
  await expect(page.getByRole('button', { name: 'Reveal secret', exact: true })).toBeVisible();
  await expectAccessible(page, 'an application page with a reveal confirmation open');
  await page.getByRole('button', { name: 'Reveal secret', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Copy your secret now' })).toBeVisible();
  await expectAccessible(page, 'an application page showing a secret');

  await page.goto('/apis');
  await expect(page.getByRole('link', { name: 'Ledger Sync' })).toBeVisible();
  await expectAccessible(page, '/apis');
  await page.goto('/keys');
  await expect(page.getByRole('table', { name: 'API keys' })).toBeVisible();
  await expectAccessible(page, '/keys');
  await page.getByText('Rename').first().click();
  await expect(page.getByLabel('Description').first()).toBeVisible();
  await expectAccessible(page, '/keys with a rename form open');

  const operator = await (await browser.newContext()).newPage();
  await operatorSession(operator);
  await operator.goto('/admin');
  await expect(operator.getByRole('heading', { level: 1 })).toBeVisible();
  await expectAccessible(operator, '/admin');
  await operator.goto(`/admin/partners/${domain}`);
  await expect(operator.getByRole('heading', { name: 'Compilers Inc' })).toBeVisible();
  await expectAccessible(operator, '/admin/partners/…');
});
