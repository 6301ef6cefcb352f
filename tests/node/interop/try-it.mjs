// Drives the docs page's "try it" panel of the chat channel in headless Chromium: fills in
// the room and the token, connects, sends the `ping` example and then a frame the contract
// refuses and one that carries markup, and reports what the panel listed and whether any
// markup became elements.
//
//   node try-it.mjs http://HOST:PORT WORK_DIR [SCREENSHOT.png]
//
// Prints one JSON report on stdout: {log, elements, error}.
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [base, work, screenshot] = process.argv.slice(2);
const report = { log: [], elements: null, error: null };
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
  userDataDir: path.join(work, 'profile'),
  defaultViewport: { width: 1100, height: 900 },
});
try {
  const page = await browser.newPage();
  await page.goto(`${base}/asyncapi`, { waitUntil: 'load' });
  const panel = 'details[data-channel="chat"]';
  await page.waitForSelector(panel);
  await page.$eval(panel, (details) => (details.open = true));
  const fill = async (name, value) => {
    await page.$eval(`${panel} input[name="${name}"]`, (input) => (input.value = ''));
    await page.type(`${panel} input[name="${name}"]`, value);
  };
  await fill('parameter-room_id', 'lobby');
  await fill('credential-token', 'ada-token');
  await page.click(`${panel} .try-it-connect`);
  await page.waitForFunction((p) => document.querySelector(`${p} .try-it-state`).textContent === 'open', { timeout: 5000 }, panel);
  const labels = await page.$$eval(`${panel} select[name="example"] option`, (options) => options.map((o) => [o.value, o.textContent]));
  const ping = labels.find(([, label]) => label.startsWith('ping'));
  if (!ping) throw new Error(`no ping example among ${JSON.stringify(labels)}`);
  await page.select(`${panel} select[name="example"]`, ping[0]);
  await page.click(`${panel} .try-it-send`);
  await page.waitForFunction((p) => document.querySelectorAll(`${p} .try-it-log li`).length >= 2, { timeout: 5000 }, panel);
  // A frame the contract refuses, edited by hand: the panel shows the error frame as one.
  await page.$eval(`${panel} textarea[name="frame"]`, (t) => (t.value = '{"action": "chat", "payload": {"message": ""}}'));
  await page.click(`${panel} .try-it-send`);
  await page.waitForFunction((p) => document.querySelectorAll(`${p} .try-it-log li`).length >= 4, { timeout: 5000 }, panel);
  // Markup in a frame is shown as text: the broadcast comes back with it.
  await page.$eval(`${panel} textarea[name="frame"]`, (t) => (t.value = '{"action": "chat", "payload": {"message": "<img src=x onerror=alert(1)><b>hi</b>"}}'));
  await page.click(`${panel} .try-it-send`);
  await page.waitForFunction((p) => document.querySelectorAll(`${p} .try-it-log li`).length >= 6, { timeout: 5000 }, panel);
  report.elements = await page.$$eval(`${panel} .try-it-log img, ${panel} .try-it-log b`, (found) => found.length);
  report.log = await page.$$eval(`${panel} .try-it-log li`, (items) =>
    items.map((li) => ({ class: li.className, text: li.querySelector('code').textContent })),
  );
  if (screenshot) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshot });
  }
} catch (error) {
  report.error = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
