import { expect, test } from '@playwright/test';
import { PASSWORD, freshEmail, pathOf, signIn, signUp, verifyFromMail, waitForMail } from './support';

test('a developer signs up, verifies, completes the profile, signs out, resets the password and signs in again', async ({ page }) => {
  const email = freshEmail('ada');

  // Forms post with fetch once the page is hydrated: the request asks for JSON, not a page.
  await page.goto('/signup');
  const signUpRequest = page.waitForRequest((r) => r.url().endsWith('/api/sign_up'));
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  expect((await signUpRequest).headers()['accept'] ?? '').not.toContain('text/html');
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

  await verifyFromMail(page, email);
  await signIn(page, email);
  await expect(page.getByRole('navigation', { name: 'Main' })).toContainText('Ada Lovelace');
  await expect(page.getByText('Complete your profile')).toBeVisible();

  await page.getByLabel('Job title').fill('Chief Engine Officer');
  await page.getByLabel('Phone').fill('+44 20 7946 0000');
  await page.getByLabel('I accept the terms and conditions').check();
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.getByText('Profile saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByLabel('Job title')).toHaveValue('Chief Engine Officer');
  await expect(page.getByLabel('I accept the terms and conditions')).toBeChecked();
  await expect(page.getByText('Complete your profile')).toHaveCount(0);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You have signed out.')).toBeVisible();
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/signin/);

  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  const reset = await waitForMail(email, 'Reset your Portico password');
  await page.goto(pathOf(reset.link));
  const newPassword = 'a brand new passphrase for ada';
  await page.getByLabel('New password').fill(newPassword);
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByText('Your password has been changed')).toBeVisible();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Email or password is incorrect');
  await signIn(page, email, newPassword);

  // A page that needs signing in comes back once signed in.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You have signed out.')).toBeVisible();
  await page.goto('/keys?environment=sandbox');
  await expect(page).toHaveURL(/\/signin\?next=/);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(newPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/keys\?environment=sandbox$/);
  await expect(page.getByRole('heading', { name: 'API Keys' })).toBeVisible();
});

test('errors appear next to the field they concern', async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Full name').fill('Bob');
  await page.getByLabel('Email').fill('bob@');
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#field-password-error')).toHaveText('Use at least 12 characters.');
  await expect(page.locator('#field-email-error')).toContainText('valid domain');
  await expect(page.getByLabel('Full name')).not.toHaveAttribute('aria-invalid', 'true');
  await expect(page).toHaveURL(/\/signup$/);
});

test('changing the password needs the current one', async ({ page }) => {
  const email = freshEmail('cy');
  await signUp(page, 'Cy', email);
  await verifyFromMail(page, email);
  await signIn(page, email);
  // A refused save leaves the form as it was typed, and its alert takes the focus.
  await page.getByLabel('Job title').fill('Chief Tinkerer');
  await page.getByLabel('Phone').fill('call me');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await expect(page.locator('#field-phone-error')).not.toBeEmpty();
  await expect(page.getByRole('alert').filter({ hasText: 'Enter a phone number' })).toBeFocused();
  await expect(page.getByLabel('Job title')).toHaveValue('Chief Tinkerer');
  await expect(page.getByLabel('Phone')).toHaveValue('call me');

  await page.getByLabel('Current password').fill('not my password at all');
  await page.getByLabel('New password').fill('another long passphrase');
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.locator('#field-current_password-error')).toHaveText('Your current password is not correct.');
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await expect(page.getByText('Password changed.')).toBeVisible();
});

test('pages fit a phone screen', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/signup');
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await expect(page.getByRole('button', { name: 'Create account' })).toBeInViewport();
});
