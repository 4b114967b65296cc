import { expect, type Page } from '@playwright/test';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export const PASSWORD = 'violet-otter-carries-17-maps';

/** An address nobody has used yet, so journeys can run again against the same database. */
export function freshEmail(name: string, domain = 'acme.example'): string {
  return `${name}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@${domain}`;
}

/** A company domain nobody has used yet. */
export function freshDomain(): string {
  return `co${Date.now()}${Math.floor(Math.random() * 1e6)}.example`;
}

export interface Mail {
  subject: string;
  text: string;
  link: string;
}

/**
 * Waits for an email to `to` whose subject contains `subject`, written by Portico's file transport
 * to PORTICO_OUTBOX_DIR (the server's default when no SMTP server is configured).
 */
export async function waitForMail(to: string, subject: string): Promise<Mail> {
  const folder = process.env.PORTICO_OUTBOX_DIR;
  if (!folder) throw new Error('PORTICO_OUTBOX_DIR must name the folder the server writes mail to');
  const deadline = Date.now() + 20_000;
  const seen = new Set<string>();
  while (Date.now() < deadline) {
    const files = await readdir(folder).catch(() => [] as string[]);
    const withTimes = await Promise.all(
      files.filter((f) => f.endsWith('.eml')).map(async (f) => ({ f, t: (await stat(join(folder, f))).mtimeMs })),
    );
    withTimes.sort((a, b) => b.t - a.t);
    for (const { f } of withTimes) {
      if (seen.has(f)) continue;
      const parsed = await simpleParser(await readFile(join(folder, f)));
      const recipients = [parsed.to].flat().flatMap((a) => a?.value ?? []).map((v) => v.address?.toLowerCase());
      if (recipients.includes(to.toLowerCase()) && parsed.subject?.includes(subject)) {
        const text = parsed.text ?? '';
        const link = text.match(/https?:\/\/\S+/)?.[0] ?? '';
        return { subject: parsed.subject ?? '', text, link };
      }
      seen.add(f);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no mail to ${to} with subject containing "${subject}"`);
}

/** The path and query of an emailed link, so the test follows it on the server under test. */
export function pathOf(link: string): string {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
}

export async function signUp(page: Page, name: string, email: string, password = PASSWORD) {
  await page.goto('/signup');
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('heading', { name: 'Check your email' })).toBeVisible();
}

export async function verifyFromMail(page: Page, email: string) {
  const mail = await waitForMail(email, 'Verify your email');
  await page.goto(pathOf(mail.link));
  await page.getByRole('button', { name: 'Verify email address' }).click();
  await expect(page.getByText('Your email address is verified.')).toBeVisible();
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Your profile' })).toBeVisible();
}

/** Signs up, verifies from the emailed link and signs in. */
export async function verifiedUser(page: Page, name: string, email: string) {
  await signUp(page, name, email);
  await verifyFromMail(page, email);
  await signIn(page, email);
}

/**
 * Signs in as the operator named in PORTICO_ADMIN_EMAILS, signing the account up first when no
 * earlier journey of this run did.
 */
export async function operatorSession(page: Page) {
  const email = process.env.PORTICO_E2E_OPERATOR ?? 'ops@operators.example';
  await page.goto('/signin');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const profile = page.getByRole('heading', { name: 'Your profile' });
  await expect(profile.or(page.getByRole('alert').filter({ hasText: /\S/ }))).toBeVisible();
  if (!(await profile.isVisible())) await verifiedUser(page, 'Olive Operator', email);
  await expect(page.getByText('Operator', { exact: true })).toBeVisible();
}

