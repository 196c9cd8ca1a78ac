// Opens /docs in headless Chromium as a shop front's developer would, and fails unless:
// every documented operation is on the page; each one, opened, shows an example for every
// JSON body it documents (request and responses), and none is a generated placeholder
// ("string", 0-filled uuids); the page asked nothing of any host but the gateway's.
// Usage: DOCS_URL=http://127.0.0.1:PORT node docs-check.mjs
import { chromium } from "playwright-core";

const base = process.env.DOCS_URL;
if (!base) throw new Error("set DOCS_URL to the gateway's address");
const doc = await (await fetch(`${base}/openapi.json`)).json();

const expected = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) {
    const json = (content) => Object.keys(content ?? {}).filter((m) => m.endsWith("json")).length;
    const bodies = json(op.requestBody?.content) +
      Object.values(op.responses).reduce((n, r) => n + json(r.content), 0);
    expected.push({ id: op.operationId, method, path, bodies });
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const failures = [];
const outside = [];
const page = await browser.newPage();
page.on("request", (r) => {
  const url = new URL(r.url());
  if (url.protocol.startsWith("http") && url.host !== new URL(base).host) outside.push(r.url());
});
page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
await page.goto(`${base}/docs/`, { waitUntil: "networkidle" });
await page.waitForSelector(".opblock", { timeout: 30_000 });

const blocks = page.locator(".opblock");
const count = await blocks.count();
if (count !== expected.length) {
  failures.push(`the page shows ${count} operations, the document has ${expected.length}`);
}
let shown = 0;
for (const op of expected) {
  const id = await page.locator(".opblock").evaluateAll(
    (els, want) => els.map((e) => e.id).find((i) => i.endsWith(`-${want}`)), op.id);
  if (!id) {
    failures.push(`${op.method.toUpperCase()} ${op.path} (${op.id}) is not on the page`);
    continue;
  }
  const el = page.locator(`[id="${id}"]`);
  await el.locator(".opblock-summary").first().click();
  await el.locator(".opblock-body").waitFor({ timeout: 10_000 });
  // Every JSON body: the request's example and each response's, as the page renders them.
  const examples = await el.locator(".highlight-code code, .body-param__example").allInnerTexts();
  const json = examples.filter((t) => /^\s*[[{"]/.test(t));
  if (json.length < op.bodies) {
    failures.push(`${op.id}: ${json.length} examples shown for ${op.bodies} JSON bodies`);
  }
  for (const text of json) {
    if (/"string"|3fa85f64-5717-4562-b3fc-2c963f66afa6/.test(text)) {
      failures.push(`${op.id}: a placeholder in the example shown:\n${text.slice(0, 300)}`);
    }
  }
  shown += json.length;
  await el.locator(".opblock-summary").first().click();
}
await browser.close();

if (outside.length) failures.push(`the page asked other hosts: ${[...new Set(outside)].join(", ")}`);
if (failures.length) {
  console.error(failures.join("\n"));
  process.exit(1);
}
console.log(`/docs: ${count} operations, ${shown} example bodies shown, no placeholder, no request outside ${new URL(base).host}`);
