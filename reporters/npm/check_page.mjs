// Opens an HTML file in headless Chromium (Chrome DevTools Protocol over --remote-debugging-pipe) and
// prints JSON: console errors and uncaught exceptions, network requests (anything but file: and
// data:), the page's text including open shadow roots, and its data-rendered attribute. Writes a
// PNG screenshot. With EXPRESSION, also its value (after the page rendered) as "eval".
// Usage: node check_page.mjs PAGE.html SCREENSHOT.png [EXPRESSION]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const [page, screenshot, expression] = process.argv.slice(2);
const browser = process.env.CHROMIUM || 'chromium';
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mutagen-chromium-'));
const chrome = spawn(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-extensions', '--disable-background-networking', '--disable-component-update',
  '--remote-debugging-pipe', `--user-data-dir=${profile}`, '--window-size=1280,900', 'about:blank'],
  { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
let stderr = '';
chrome.stderr.on('data', (d) => { stderr += d; });
const out = { errors: [], requests: [], text: '', rendered: null };
const finish = (code) => {
  chrome.removeAllListeners('exit');
  const done = () => {
    try {
      fs.rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {}
    // Exit only once the (possibly large) output has reached the pipe.
    process.stdout.write(JSON.stringify(out) + '\n', () => process.exit(code));
  };
  if (chrome.exitCode !== null || chrome.signalCode !== null) return done();
  chrome.once('exit', done);
  chrome.kill('SIGKILL');
};
setTimeout(() => { out.errors.push('timeout: the page did not load in 60 s'); finish(1); }, 60000);
chrome.on('exit', (code) => { out.errors.push(`chromium exited (${code}): ${stderr.slice(-500)}`); finish(1); });

let nextId = 0, buffer = '';
const pending = new Map(), waiters = [];
const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
  const id = ++nextId;
  pending.set(id, { resolve, reject, method });
  chrome.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
});
const on = (message) => {
  if (message.id && pending.has(message.id)) {
    const p = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) p.reject(new Error(`${p.method}: ${message.error.message}`));
    else p.resolve(message.result);
    return;
  }
  const { method, params } = message;
  if (method === 'Runtime.exceptionThrown') {
    const d = params.exceptionDetails;
    out.errors.push(`exception: ${d.exception?.description ?? d.text}`);
  } else if (method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(params.type)) {
    out.errors.push(`console.${params.type}: ${params.args.map((a) => a.value ?? a.description).join(' ')}`);
  } else if (method === 'Log.entryAdded' && params.entry.level === 'error') {
    out.errors.push(`log: ${params.entry.text} ${params.entry.url ?? ''}`.trim());
  } else if (method === 'Network.requestWillBeSent') {
    const url = params.request.url;
    if (!url.startsWith('file:') && !url.startsWith('data:')) out.requests.push(url);
  }
  for (const w of waiters.splice(0)) w(message);
};
chrome.stdio[4].on('data', (chunk) => {
  buffer += chunk;
  let end;
  while ((end = buffer.indexOf('\0')) >= 0) {
    const text = buffer.slice(0, end);
    buffer = buffer.slice(end + 1);
    on(JSON.parse(text));
  }
});
const event = (name) => new Promise((resolve) => {
  const wait = (m) => (m.method === name ? resolve(m) : waiters.push(wait));
  waiters.push(wait);
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

try {
  const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
  for (const domain of ['Runtime', 'Log', 'Network', 'Page']) await send(`${domain}.enable`, {}, sessionId);
  const loaded = event('Page.loadEventFired');
  await send('Page.navigate', { url: 'file://' + path.resolve(page) }, sessionId);
  await loaded;
  await sleep(1500);  // web components render after load
  const walk = `(function walk(n){let t='';if(n.shadowRoot)t+=walk(n.shadowRoot);
    for(const c of n.childNodes){if(c.nodeType===3)t+=c.textContent+' ';
    else if((c.nodeType===1&&!['SCRIPT','STYLE'].includes(c.tagName))||c.nodeType===11)t+=walk(c);}
    return t;})(document.documentElement)`;
  const text = await send('Runtime.evaluate', { expression: walk, returnByValue: true }, sessionId);
  out.text = text.result.value.replace(/\s+/g, ' ');
  const rendered = await send('Runtime.evaluate',
    { expression: "document.body.getAttribute('data-rendered')", returnByValue: true }, sessionId);
  out.rendered = rendered.result.value;
  if (expression) {
    const value = await send('Runtime.evaluate', { expression, returnByValue: true }, sessionId);
    out.eval = value.result.value ?? null;
  }
  const shot = await send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
  fs.writeFileSync(screenshot, Buffer.from(shot.data, 'base64'));
  finish(0);
} catch (e) {
  out.errors.push(`check_page: ${e.message}`);
  finish(1);
}
