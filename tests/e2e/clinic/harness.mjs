// What the clinic's browser scripts share: a registry with two users (ana, clinician; vic, viewer; password
// "correct horse"), `prrt serve` on a free loopback port, and Debian's headless chromium.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

// Runs `prrt ARGS...`; throws with its message when it fails.
export function runPrrt(prrt, ...args) {
  return execFileSync(prrt, args, { stdio: ['ignore', 'pipe', 'pipe'] });
}

export function addUsers(prrt, db) {
  runPrrt(prrt, 'user', 'add', '--db', db, '--name', 'ana', '--role', 'clinician', '--password', 'correct horse');
  runPrrt(prrt, 'user', 'add', '--db', db, '--name', 'vic', '--role', 'viewer', '--password', 'correct horse');
}

// Starts `prrt serve` on the registry, with a temporary directory (TMPDIR) of its own beside the registry;
// resolves to { server, url, temp } once it listens.
export async function startServer(prrt, db) {
  const temp = join(dirname(db), 'server-tmp');
  mkdirSync(temp, { recursive: true });
  const server = spawn(prrt, ['serve', '--db', db, '--port', '0'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TMPDIR: temp } });
  const url = await new Promise((resolve, reject) => {
    let text = '';
    server.stderr.on('data', (chunk) => {
      text += chunk;
      const found = text.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (found) resolve(found[0]);
    });
    server.on('exit', (code) => reject(new Error(`prrt serve ended (${code}): ${text}`)));
  });
  return { server, url, temp };
}

// Stops the server as a service manager does (SIGTERM); resolves to its exit { code, signal }.
export function stopServer(server) {
  if (server.exitCode !== null || server.signalCode !== null) return Promise.resolve({ code: server.exitCode, signal: server.signalCode });
  return new Promise((resolve) => {
    server.once('exit', (code, signal) => resolve({ code, signal }));
    server.kill('SIGTERM');
  });
}

export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function logIn(page, url, user) {
  await page.goto(url);
  await page.fill('#login-user', user);
  await page.fill('#login-password', 'correct horse');
  await page.click('#login-submit');
  await page.waitForSelector('h1:has-text("Worklist")');
}
