// Renders media/icon.svg to media/icon.png (VS Code's marketplace icon must be a PNG) with the
// Debian chromium that the end-to-end tests use:  node media/render-icon.mjs
import { chromium } from "playwright-core";
import * as fs from "node:fs";
import * as path from "node:path";

const dir = path.dirname(new URL(import.meta.url).pathname);
const svg = fs.readFileSync(path.join(dir, "icon.svg"), "utf8");
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 } });
  await page.setContent(`<html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.locator("svg").screenshot({ path: path.join(dir, "icon.png"), omitBackground: true });
} finally {
  await browser.close();
}
console.log("wrote media/icon.png");
