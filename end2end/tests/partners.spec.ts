import { expect, test } from '@playwright/test';
import { PASSWORD, freshDomain, pathOf, verifiedUser, waitForMail } from './support';

test('the first colleague sets up the company and the second joins it', async ({ browser }) => {
  const domain = freshDomain();
  const first = await (await browser.newContext()).newPage();
  await verifiedUser(first, 'Ada Lovelace', `ada@${domain}`);
  await first.getByRole('link', { name: 'Company' }).click();
  await expect(first.getByRole('heading', { name: 'Set up your company' })).toBeVisible();
  await expect(first.getByLabel('Email domain')).toHaveValue(domain);
  await first.getByLabel('Company name').fill('Analytical Engines');
  await first.getByLabel('Website').fill(domain);
  await first.getByLabel('Country').fill('United Kingdom');
  await first.getByRole('button', { name: 'Save company' }).click();
  await expect(first.getByText('Company saved.')).toBeVisible();
  await expect(first.getByRole('heading', { name: 'Analytical Engines' })).toBeVisible();
  await expect(first.getByRole('row', { name: /Ada Lovelace \(you\)/ })).toContainText('Admin');

  const second = await (await browser.newContext()).newPage();
  await verifiedUser(second, 'Charles Babbage', `charles@${domain}`);
  await second.getByRole('link', { name: 'Company' }).click();
  await expect(second.getByRole('heading', { name: 'Analytical Engines' })).toBeVisible();
  await expect(second.getByText('Only company admins can change these details.')).toBeVisible();
  await expect(second.getByRole('row', { name: /Charles Babbage \(you\)/ })).toContainText('Member');
  await expect(second.getByRole('button', { name: 'Save company' })).toHaveCount(0);

  // The admin sees the new colleague and can make them an admin.
  // The only admin cannot step down or leave (the server refuses it), so neither is offered.
  await first.reload();
  const ada = first.getByRole('row', { name: /Ada Lovelace \(you\)/ });
  await expect(ada).toContainText('You are the only admin');
  await expect(ada.getByLabel('Make member: Ada Lovelace', { exact: true })).toHaveCount(0);
  await first.getByRole('button', { name: 'Make admin: Charles Babbage' }).click();
  await expect(first.getByRole('row', { name: /Charles Babbage/ })).toContainText('Admin');
  // With a second admin, either may.
  await expect(ada.getByLabel('Make member: Ada Lovelace', { exact: true })).toBeVisible();
});

test('an admin invites a colleague who signs up from the link', async ({ browser }) => {
  const domain = freshDomain();
  const admin = await (await browser.newContext()).newPage();
  await verifiedUser(admin, 'Grace Hopper', `grace@${domain}`);
  await admin.goto('/company');
  await admin.getByLabel('Company name').fill('Compilers Inc');
  await admin.getByRole('button', { name: 'Save company' }).click();
  await expect(admin.getByText('Company saved.')).toBeVisible();

  await admin.getByLabel('Email', { exact: true }).fill('someone@elsewhere.example');
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await expect(admin.locator('#field-email-error')).toContainText(`addresses at ${domain} only`);

  const invitee = `alan@${domain}`;
  await admin.getByLabel('Email', { exact: true }).fill(invitee);
  await admin.getByRole('button', { name: 'Send invitation' }).click();
  await expect(admin.getByText('Invitation sent.')).toBeVisible();
  await expect(admin.getByRole('listitem').filter({ hasText: invitee })).toBeVisible();

  const mail = await waitForMail(invitee, 'invited you to Compilers Inc');
  const page = await (await browser.newContext()).newPage();
  await page.goto(pathOf(mail.link));
  await expect(page.getByRole('heading', { name: 'Join Compilers Inc on Portico' })).toBeVisible();
  await expect(page.getByText(`Grace Hopper invited ${invitee}`)).toBeVisible();
  await expect(page.getByLabel('Email')).toHaveValue(invitee);
  await page.getByLabel('Full name').fill('Alan Turing');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account and join' }).click();
  await expect(page.getByText('Welcome to Compilers Inc.')).toBeVisible();
  await expect(page.getByRole('row', { name: /Alan Turing \(you\)/ })).toBeVisible();

  // The link works once.
  await page.goto(pathOf(mail.link));
  await expect(page.getByRole('alert')).toContainText('already been accepted');

  // The admin sees the new member and the activity.
  await admin.goto('/company/activity');
  await expect(admin.getByRole('cell', { name: 'invitation.accepted' })).toBeVisible();
});

test('a developer with a webmail address learns why they cannot form a company', async ({ page }) => {
  const email = `webmail.${Date.now()}@gmail.com`;
  await verifiedUser(page, 'Gail', email);
  await page.getByRole('link', { name: 'Company' }).click();
  await expect(page.getByRole('heading', { name: 'Use your work address to join a company' })).toBeVisible();
  await expect(page.getByText('gmail.com, a public email provider')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save company' })).toHaveCount(0);
});
