import { expect, test } from '@playwright/test';
import { PASSWORD, freshEmail, pathOf, waitForMail } from './support';

// This project runs with JavaScript disabled: every form is a plain HTML post.

test('sign-up shows errors next to the fields and keeps what was typed', async ({ page }) => {
  const email = freshEmail('nojs');
  await page.goto('/signup');
  await page.getByLabel('Full name').fill('Grace Hopper');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(/\/signup$/);
  await expect(page.locator('#field-password-error')).toHaveText('Use at least 12 characters.');
  await expect(page.getByLabel('Full name')).toHaveValue('Grace Hopper');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(page.getByLabel('Password')).toHaveValue('');

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();

  const mail = await waitForMail(email, 'Verify your email');
  await page.goto(pathOf(mail.link));
  await page.getByRole('button', { name: 'Verify email address' }).click();
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
});

test('sign-in refuses a wrong password and then signs in', async ({ page }) => {
  const email = freshEmail('nojs-signin');
  await page.goto('/signup');
  await page.getByLabel('Full name').fill('Alan Turing');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const mail = await waitForMail(email, 'Verify your email');
  await page.goto(pathOf(mail.link));
  await page.getByRole('button', { name: 'Verify email address' }).click();

  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong password entirely');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('Email or password is incorrect');
  await expect(page.getByLabel('Email')).toHaveValue(email);

  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByText('You have signed out.')).toBeVisible();
});
