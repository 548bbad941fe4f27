// Drives the code-server workbench in headless Debian chromium with playwright-core, the way a user
// would: command palette, quick open, typing, hovering, reading CodeLens, Problems and the webview.
// Every wait is on a condition of the page; the only timeouts are upper bounds.
import * as fs from "node:fs";
import * as path from "node:path";
import { chromium, type Browser, type FrameLocator, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.BPN_CHROMIUM ?? "/usr/bin/chromium";

export class Workbench {
  private shot = 0;
  private constructor(readonly browser: Browser, readonly page: Page, readonly artifacts: string) {}

  /** `height`: tall enough to render every CodeLens of a file at once (Monaco renders visible lines only). */
  static async open(url: string, artifacts: string, height = 1000): Promise<Workbench> {
    fs.mkdirSync(artifacts, { recursive: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 1600, height } });
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(url);
      await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: 90_000 });
      // The explorer shows the folder once the workspace is loaded.
      await page.locator(".explorer-folders-view, .explorer-viewlet").first().waitFor({ state: "attached", timeout: 60_000 });
      return new Workbench(browser, page, artifacts);
    } catch (e) {
      await browser.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    await this.browser.close();
  }

  /** Saves a numbered full-page screenshot to the artifacts folder and returns its path. */
  async screenshot(name: string): Promise<string> {
    const file = path.join(this.artifacts, `${String(++this.shot).padStart(2, "0")}-${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  /** F1, type the command's title, pick the matching entry. */
  async runCommand(title: string): Promise<void> {
    const { page } = this;
    await page.keyboard.press("Escape");
    await page.keyboard.press("F1");
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor({ state: "visible" });
    await input.fill(`>${title}`);
    const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: title }).first();
    await row.waitFor({ state: "visible" });
    await input.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  }

  /** Ctrl+P quick open of a workspace file; waits until its tab is the active one. */
  async openFile(relPath: string): Promise<void> {
    const { page } = this;
    const base = path.basename(relPath);
    // into the first group (the panel beside it may have the focus after a click in the webview)
    await this.runCommand("View: Focus First Editor Group");
    await page.keyboard.press("Control+P");
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor({ state: "visible" });
    await input.fill(relPath);
    // the row of this file, not whatever quick open ranks first (a recent file of the same stem, or
    // scaffold/backprop_ninja.ts for backprop_ninja.ts): its description is the file's folder
    const rows = page.locator(".quick-input-widget .monaco-list-row", { hasText: base });
    await rows.first().waitFor({ state: "visible" });
    const dir = path.dirname(relPath) === "." ? "" : path.dirname(relPath);
    const descriptions = await rows.evaluateAll((rs) => rs.map((r) => r.querySelector(".label-description")?.textContent?.trim() ?? ""));
    const at = descriptions.indexOf(dir);
    if (at < 0) console.log(`      (quick open: no row of ${relPath} by its folder among ${JSON.stringify(descriptions)}; taking the first)`);
    await rows.nth(Math.max(at, 0)).click();
    await this.activeTab(base).waitFor({ state: "visible" });
    await this.editor().waitFor({ state: "visible" });
  }

  activeTab(label: string): Locator {
    return this.page.locator(`.editor-group-container.active .tabs-container .tab.active[aria-label^="${label}"]`);
  }

  /** The text editor of the active editor group. */
  editor(): Locator {
    return this.page.locator(".editor-group-container.active .monaco-editor").first();
  }

  /** Ctrl+G to a 1-based line (and column), leaving the cursor there. */
  async goToLine(line: number, column?: number): Promise<void> {
    const { page } = this;
    await this.editor().click({ position: { x: 200, y: 10 } });
    await page.keyboard.press("Control+G");
    const input = page.locator(".quick-input-widget .quick-input-box input");
    await input.waitFor({ state: "visible" });
    await input.fill(column === undefined ? `:${line}` : `:${line}:${column}`);
    await input.press("Enter");
    await page.locator(".quick-input-widget").waitFor({ state: "hidden" });
  }

  /** Replaces the whole text of line `line` (1-based) by `text` through the keyboard. */
  async replaceLine(line: number, text: string): Promise<void> {
    await this.goToLine(line);
    const kb = this.page.keyboard;
    await kb.press("Home");
    await kb.press("Home");
    await kb.press("Shift+End");
    await kb.insertText(text);
  }

  async save(): Promise<void> {
    await this.page.keyboard.press("Control+S");
    await this.page.locator(".editor-group-container.active .tabs-container .tab.active.dirty").waitFor({ state: "detached" });
  }

  /**
   * Shows the hover of `word` on 1-based line `line` (cursor on the word, then "Show or Focus
   * Hover", Ctrl+K Ctrl+I) and returns its text once it matches `expect`.
   */
  async hover(line: number, lineText: string, word: string, expect: RegExp): Promise<string> {
    const col = lineText.search(new RegExp(`\\b${word}\\b`));
    if (col < 0) throw new Error(`${word} is not on line ${line}`);
    const hoverBox = this.page.locator(".monaco-hover .hover-contents, .monaco-hover .monaco-hover-content").filter({ hasText: expect }).first();
    // A hover asked for while the run's results are still arriving shows what was known then and
    // stays: close it and ask again, so the test waits on the result, not on one keystroke's timing.
    for (let attempt = 1; ; attempt++) {
      await this.goToLine(line, col + 2);
      await this.page.keyboard.press("Control+K");
      await this.page.keyboard.press("Control+I");
      try {
        await hoverBox.waitFor({ state: "visible", timeout: 10_000 });
        return (await hoverBox.innerText()).trim();
      } catch (e) {
        if (attempt === 4) throw e;
        await this.page.keyboard.press("Escape");
      }
    }
  }

  /** The texts of the CodeLens now visible in the active editor. */
  async codeLenses(): Promise<string[]> {
    return this.editor().locator(".contentWidgets .codelens-decoration:visible").allInnerTexts();
  }

  codeLens(text: RegExp): Locator {
    return this.editor().locator(".contentWidgets .codelens-decoration:visible").filter({ hasText: text }).first();
  }

  /** Opens the Problems view and returns the locator of its rows. */
  async problems(): Promise<Locator> {
    await this.runCommand("View: Focus Problems");
    return this.page.locator(".markers-panel .monaco-list-row");
  }

  /** The content frame of the (first) visible webview: code-server nests it in two iframes. */
  webview(): FrameLocator {
    return this.page.frameLocator("iframe.webview.ready").first().frameLocator("iframe#active-frame");
  }

  statusItem(text: RegExp): Locator {
    return this.page.locator(".part.statusbar .statusbar-item").filter({ hasText: text }).first();
  }

  notification(text: RegExp): Locator {
    return this.page.locator(".notifications-toasts .notification-toast, .notification-list-item").filter({ hasText: text }).first();
  }
}
