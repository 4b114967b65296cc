import { expect, test, type Page } from '@playwright/test';
import { freshDomain, operatorSession, verifiedUser } from './support';

async function completeProfileAndCompany(page: Page, company: string) {
  await page.goto('/profile');
  await page.getByLabel('I accept the terms and conditions').check();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await page.goto('/company');
  if (await page.getByRole('heading', { name: 'Set up your company' }).isVisible()) {
    await page.getByLabel('Company name').fill(company);
    await page.getByRole('button', { name: 'Save company' }).click();
    await expect(page.getByText('Company saved.')).toBeVisible();
  }
}

/** The rows of an application page's credential matrix (the activity table names credentials too). */
function credentialRows(page: Page) {
  return page.getByRole('table', { name: 'Credentials' }).getByRole('row');
}

/** Fills the registration form with both products and the given environments. */
async function fillRegistration(page: Page, name: string, description: string, redirectUrl: string, environments: string[]) {
  await page.getByLabel('Application name').fill(name);
  await page.getByLabel('Application type').selectOption('web');
  await page.getByLabel('Authentication').selectOption('authorization_code');
  await page.getByLabel('Description').fill(description);
  await page.getByLabel('Redirect URLs').fill(redirectUrl);
  await page.getByLabel('Digital Banking').check();
  await page.getByLabel('Digital Account Opening').check();
  for (const environment of environments) {
    await page.getByLabel(environment).check();
  }
}

test('an owner registers an application, reveals a sandbox secret once, and an operator approves production', async ({ browser }) => {
  const domain = freshDomain();
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const page = await context.newPage();
  await verifiedUser(page, 'Ada Lovelace', `ada@${domain}`);
  await completeProfileAndCompany(page, 'Analytical Engines');

  await page.getByRole('link', { name: 'My APIs' }).click();
  await page.getByRole('link', { name: 'Register application' }).click();
  await fillRegistration(page, 'Payments Hub', 'Moves money between accounts.', 'http://insecure.example/callback', [
    'Sandbox',
    'Development',
    'Production',
  ]);
  await page.getByRole('button', { name: 'Register application' }).click();
  await expect(page.locator('#field-redirect_urls-error')).toContainText('must use https');

  await page.getByLabel('Redirect URLs').fill('https://payments.example/callback');
  await page.getByRole('button', { name: 'Register application' }).click();
  await expect(page.getByRole('heading', { name: 'Payments Hub' })).toBeVisible();

  // The page updates by itself as the worker provisions: no reload.
  const rows = credentialRows(page);
  await expect(rows.filter({ hasText: 'Sandbox' }).filter({ hasText: 'Digital Banking' })).toContainText('Issued');
  await expect(rows.filter({ hasText: 'Production' }).first()).toContainText('Awaiting approval');
  await expect(page.getByText('pk_sandbox_').first()).toBeVisible();

  await page.getByLabel('Reveal secret: Digital Banking · Sandbox').click();
  await page.getByRole('button', { name: 'Reveal secret', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Copy your secret now' })).toBeVisible();
  await expect(page.getByText('You will not see this secret again')).toBeVisible();
  const secret = await page.getByLabel('Secret', { exact: true }).inputValue();
  expect(secret).toMatch(/^sk_sandbox_[0-9A-Za-z]{38}$/);
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await expect(page.getByRole('button', { name: 'Copy secret' })).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

  // Once revealed, the secret is gone from the page after a reload, and cannot be revealed again.
  await page.reload();
  await expect(page.getByText(secret)).toHaveCount(0);
  await expect(page.getByLabel('Reveal secret: Digital Banking · Sandbox')).toHaveCount(0);

  // Rolling gives a new secret; the old one keeps working for the chosen grace period.
  const sandboxBanking = credentialRows(page).filter({ hasText: 'Sandbox' }).filter({ hasText: 'Digital Banking' });
  await sandboxBanking.getByLabel('Roll secret: Digital Banking · Sandbox').click();
  await sandboxBanking.getByLabel('Old secret keeps working for').selectOption('24h');
  await sandboxBanking.getByRole('button', { name: 'Roll secret', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Copy your secret now' })).toBeVisible();
  const rolled = await page.getByLabel('Secret', { exact: true }).inputValue();
  expect(rolled).toMatch(/^sk_sandbox_[0-9A-Za-z]{38}$/);
  expect(rolled).not.toBe(secret);
  await page.reload();

  // The API Keys page lists the owner's keys, filters them, and switches one off.
  await page.getByRole('link', { name: 'API Keys' }).click();
  // A key still waiting for approval has nothing to switch yet.
  await expect(page.getByRole('switch', { name: 'Enabled: Digital Banking · Development' })).toHaveCount(1);
  await expect(page.getByRole('switch', { name: 'Enabled: Digital Banking · Production' })).toHaveCount(0);
  await page.getByLabel('Environment').selectOption('sandbox');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/environment=sandbox/);
  await expect(page.getByText('pk_development_')).toHaveCount(0);
  await expect(page.getByText('pk_sandbox_')).toHaveCount(2);
  const sw = page.getByRole('switch', { name: 'Enabled: Digital Banking · Sandbox' });
  await expect(sw).toHaveAttribute('aria-checked', 'true');
  await sw.click();
  await expect(sw).toHaveAttribute('aria-checked', 'false');
  // The keys were read again and the pressed switch rebuilt: the status message holds the focus
  // rather than the page losing it.
  await expect(page.getByText('Key switched off')).toBeFocused();
  await page.goBack();
  await page.goto(`/apis`);
  await page.getByRole('link', { name: 'Payments Hub' }).click();

  // An operator approves production for one product; the owner's page shows it issued.
  const operator = await (await browser.newContext()).newPage();
  await operatorSession(operator);
  await operator.getByRole('link', { name: 'Admin' }).click();
  await operator.getByRole('button', { name: /^Approve Digital Banking · Production for Payments Hub/ }).click();
  await expect(operator.getByRole('button', { name: /^Approve Digital Banking · Production for Payments Hub/ })).toHaveCount(0);
  // The operator narrows the audit log to this company's credential events.
  await operator.getByLabel('Company', { exact: true }).selectOption({ label: `Analytical Engines (${domain})` });
  await operator.getByLabel('Events', { exact: true }).selectOption('credentials');
  await operator.getByRole('button', { name: 'Show events' }).click();
  const auditLog = operator.locator('#audit-log');
  await expect(auditLog.getByRole('row').filter({ hasText: 'credential.approved' })).toHaveCount(1);
  await expect(auditLog.getByText('partner.created')).toHaveCount(0);
  await expect(auditLog.getByRole('link', { name: 'Show everything' })).toBeVisible();
  // The operator opens the company: its members and applications, no credentials.
  await operator.getByRole('link', { name: 'Analytical Engines', exact: true }).click();
  await expect(operator.getByRole('heading', { name: 'Analytical Engines' })).toBeVisible();
  await expect(operator.getByRole('row').filter({ hasText: 'Payments Hub' })).toContainText('Ada Lovelace');
  await expect(operator.getByText('pk_')).toHaveCount(0);
  await page.reload();
  await expect(rows.filter({ hasText: 'Production' }).filter({ hasText: 'Digital Banking' })).toContainText('Issued');
  await expect(page.getByText('pk_production_')).toBeVisible();

  // A colleague who is not an owner sees the application but no credentials.
  const colleague = await (await browser.newContext()).newPage();
  await verifiedUser(colleague, 'Charles Babbage', `charles@${domain}`);
  await colleague.getByRole('link', { name: 'My APIs' }).click();
  await colleague.getByRole('link', { name: 'Payments Hub' }).click();
  await expect(colleague.getByText("Only the application's owners see its credentials.")).toBeVisible();
  await expect(colleague.getByText('pk_sandbox_')).toHaveCount(0);
  await expect(colleague.getByRole('button', { name: /Reveal secret/ })).toHaveCount(0);

  // The owner makes the colleague a co-owner; now they can reveal.
  await page.getByLabel('Co-owner email').fill(`charles@${domain}`);
  await page.getByRole('button', { name: 'Invite co-owner' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: `charles@${domain}` })).toBeVisible();
  await colleague.reload();
  await colleague.getByLabel('Reveal secret: Digital Account Opening · Sandbox').click();
  await colleague.getByRole('button', { name: 'Reveal secret', exact: true }).click();
  await expect(colleague.getByLabel('Secret', { exact: true })).toHaveValue(/^sk_sandbox_/);

  // The co-owner, who is not a company admin, invites a colleague without an account, sees the
  // invitation on the application's page, and withdraws it.
  await colleague.getByLabel('Co-owner email').fill(`grace@${domain}`);
  await colleague.getByRole('button', { name: 'Invite co-owner' }).click();
  await expect(colleague.getByRole('status').filter({ hasText: 'Invitation sent' })).toBeVisible();
  const invited = colleague.getByRole('listitem').filter({ hasText: `grace@${domain}` });
  await expect(invited).toContainText('co-owner of Payments Hub');
  await invited.locator('summary').click();
  await invited.locator('button', { hasText: `Cancel invitation to grace@${domain}` }).click();
  await expect(colleague.getByRole('status').filter({ hasText: 'Invitation cancelled' })).toBeVisible();
  await expect(colleague.getByRole('listitem').filter({ hasText: `grace@${domain}` })).toHaveCount(0);
});

test('destructive and one-time actions are guarded: a double click reveals once, a failure keeps the secret, deactivating asks first', async ({ browser }) => {
  const domain = freshDomain();
  const context = await browser.newContext();
  const page = await context.newPage();
  await verifiedUser(page, 'Mary Somerville', `mary@${domain}`);
  await completeProfileAndCompany(page, 'Mechanism of the Heavens');
  await page.goto('/apis/new');
  await fillRegistration(page, 'Ledger Sync', 'Keeps two ledgers in step.', 'https://ledger.example/callback', ['Sandbox']);
  await page.getByRole('button', { name: 'Register application' }).click();
  await expect(page.getByRole('heading', { name: 'Ledger Sync' })).toBeVisible();
  const rows = credentialRows(page).filter({ hasText: 'Sandbox' });
  await expect(rows.filter({ hasText: 'Digital Banking' })).toContainText('Issued');
  await expect(rows.filter({ hasText: 'Digital Account Opening' })).toContainText('Issued');

  // On a phone the application page, the key list and the docs scroll down, never sideways.
  const application = page.url();
  await page.setViewportSize({ width: 360, height: 740 });
  for (const path of [application, '/keys', '/docs', '/apis']) {
    await page.goto(path);
    await page.waitForLoadState('networkidle');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(application);

  // Something half typed elsewhere on the page survives a key action, which reads only the
  // credentials again.
  await page.getByLabel('Co-owner email').fill(`half-typed@${domain}`);

  // A double click sends one reveal: the button is busy until the answer is in, so no second
  // request can answer "already revealed" over the only copy of the secret.
  await page.getByLabel('Reveal secret: Digital Banking · Sandbox').click();
  await page.getByRole('button', { name: 'Reveal secret', exact: true }).dblclick();
  const heading = page.getByRole('heading', { name: 'Copy your secret now' });
  await expect(heading).toBeVisible();
  // The new secret takes the focus, so a screen reader announces it.
  await expect(heading).toBeFocused();
  const secret = page.getByLabel('Secret', { exact: true });
  await expect(secret).toHaveValue(/^sk_sandbox_[0-9A-Za-z]{38}$/);
  const revealed = await secret.inputValue();
  // Had a second reveal gone out, its refusal would be on the page once the network is quiet.
  await page.waitForLoadState('networkidle');
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(page.getByLabel('Co-owner email')).toHaveValue(`half-typed@${domain}`);

  // When the browser refuses the clipboard (no permission, a page without focus), the button
  // says so rather than "Copied". The refusal is the browser's own error, made to happen here.
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError'));
  });
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await expect(page.getByRole('button', { name: 'Copy secret' })).toHaveText('Copy failed');

  // The other credential is revoked in a second tab; revealing it from this (older) page fails,
  // and the failure shows beside the secret without taking it away.
  const tab = await context.newPage();
  await tab.goto(page.url());
  await tab.getByLabel('Revoke: Digital Account Opening · Sandbox').click();
  await tab.getByRole('button', { name: 'Revoke Digital Account Opening · Sandbox' }).click();
  await expect(credentialRows(tab).filter({ hasText: 'Digital Account Opening' })).toHaveCount(0);
  await page.getByLabel('Reveal secret: Digital Account Opening · Sandbox').click();
  await rows.filter({ hasText: 'Digital Account Opening' }).getByRole('button', { name: 'Reveal secret', exact: true }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('alert')).toBeFocused();
  await expect(secret).toHaveValue(revealed);

  // Owners edit the details: a refused edit names the field and keeps what was typed.
  await page.getByText('Edit details', { exact: true }).click();
  await page.getByLabel('Application name').fill('Ledger Sync Two');
  await page.getByLabel('Redirect URLs').fill('http://ledger.example/callback');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.locator('#field-redirect_urls-error')).toContainText('must use https');
  await expect(page.getByLabel('Redirect URLs')).toHaveAttribute('aria-invalid', 'true');
  // The form's alert lists the problem and takes the focus.
  await expect(page.getByRole('alert').filter({ hasText: 'must use https' })).toBeFocused();
  await expect(page.getByLabel('Application name')).toHaveValue('Ledger Sync Two');
  await page.getByLabel('Redirect URLs').fill('https://ledger.example/callback\nhttps://ledger.example/v2/callback');
  await page.getByRole('button', { name: 'Save details' }).click();
  await expect(page.getByRole('heading', { name: 'Ledger Sync Two' })).toBeVisible();
  await expect(page.getByText('https://ledger.example/callback · https://ledger.example/v2/callback')).toBeVisible();

  // Removing an environment revokes its credentials: it must be confirmed, and the refusal names it.
  const saveScope = page.getByRole('button', { name: 'Save products and environments' });
  await page.getByLabel('Development', { exact: true }).check();
  await page.getByLabel('Sandbox', { exact: true }).uncheck();
  await saveScope.click();
  await expect(page.locator('#field-confirm_removal-error')).toContainText('Saving removes Sandbox');
  await expect(credentialRows(page).filter({ hasText: 'Sandbox' })).toHaveCount(1);
  await page.getByLabel('Revoke the credentials of what I remove').check();
  await saveScope.click();
  await expect(page.getByRole('status').filter({ hasText: 'API products and environments saved.' })).toBeVisible();
  await expect(credentialRows(page).filter({ hasText: 'Sandbox' })).toHaveCount(0);
  await expect(credentialRows(page).filter({ hasText: 'Development' })).toHaveCount(1);

  // Its one Digital Account Opening credential was revoked, so the product is no longer ticked;
  // ticking it again provisions it in every environment the application uses.
  const accountOpening = page.getByLabel('Digital Account Opening', { exact: true });
  await expect(accountOpening).not.toBeChecked();
  await accountOpening.check();
  await saveScope.click();
  await expect(credentialRows(page).filter({ hasText: 'Digital Account Opening' }).filter({ hasText: 'Development' })).toContainText('Issued');

  // Deactivating asks first, and says what it does.
  await page.getByText('Deactivate', { exact: true }).click();
  await expect(page.getByText('Every request with these credentials will be refused')).toBeVisible();
  await page.getByRole('button', { name: 'Deactivate Ledger Sync Two' }).click();
  await expect(page.getByText('This application is deactivated')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Application deactivated' })).toBeVisible();
  await page.getByRole('button', { name: 'Restore Ledger Sync Two' }).click();
  await expect(page.getByText('Deactivating stops every credential of this application at once.')).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Application restored' })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Application deactivated' })).toBeHidden();

  // Deleting waits for the application's name to be typed, then leaves the list without it.
  await page.getByText('Delete application', { exact: true }).click();
  const deleteForever = page.getByRole('button', { name: 'Delete forever' });
  await expect(deleteForever).toBeDisabled();
  await page.getByLabel('Type Ledger Sync Two to confirm').fill('Ledger Sync');
  await expect(deleteForever).toBeDisabled();
  await page.getByLabel('Type Ledger Sync Two to confirm').fill('Ledger Sync Two');
  await deleteForever.click();
  await expect(page.getByRole('status').filter({ hasText: 'Application deleted' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Ledger Sync Two' })).toHaveCount(0);
});
