// cargo-leptos starts the server and Playwright at the same moment: wait until Portico answers.
export default async function globalSetup() {
  const base = process.env.PORTICO_BASE_URL ?? 'http://127.0.0.1:3000';
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${base}/signin`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`Portico did not answer at ${base} within two minutes`);
}
