// The HTML report in a real browser: Debian's Chromium (/usr/bin/chromium) driven by
// playwright-core. Skips, saying why, when either is missing. Saves test-artifacts/report.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { renderTrace } from "../../src/render/index.js";
import { lostWakeupTrace, XSS_SQL } from "./fixtures.js";

const CHROMIUM = "/usr/bin/chromium";
const PLAYWRIGHT = "playwright-core";

/** The part of playwright-core's API this test uses (the package may not be installed). */
interface Page {
  goto(url: string): Promise<unknown>;
  on(event: "pageerror" | "console", f: (x: { message?: string; type?: () => string; text?: () => string }) => void): void;
  locator(sel: string): { count(): Promise<number>; textContent(): Promise<string | null>; click(): Promise<void>; hover(opts?: unknown): Promise<void>; getAttribute(n: string): Promise<string | null>; first(): { hover(opts?: unknown): Promise<void> }; isVisible(): Promise<boolean> };
  evaluate<T>(f: string): Promise<T>;
  screenshot(o: { path: string; fullPage?: boolean }): Promise<unknown>;
  setViewportSize(s: { width: number; height: number }): Promise<void>;
}
interface Context {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright {
  chromium: { launchPersistentContext(dir: string, o: Record<string, unknown>): Promise<Context> };
}

const playwright = (await import(/* @vite-ignore */ PLAYWRIGHT).catch(() => null)) as Playwright | null;
const skip = !playwright
  ? `playwright-core is not installed (add "playwright-core": "1.65.1" to devDependencies)`
  : !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get install -y chromium)`
    : null;

describe("HTML report in Chromium", () => {
  if (skip) {
    it.skip(`browser test skipped: ${skip}`, () => {});
    return;
  }

  it("shows the timeline, steps through events, fills the processlist, and runs no injected script", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mysqlsim-browser-"));
    const file = join(dir, "report.html");
    writeFileSync(file, renderTrace(lostWakeupTrace(XSS_SQL), "html"));
    const ctx = await playwright!.chromium.launchPersistentContext(join(dir, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    try {
      const page = await ctx.newPage();
      await page.setViewportSize({ width: 1300, height: 1000 });
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e.message)));
      await page.goto(pathToFileURL(file).href);

      // the timeline
      expect(await page.locator("svg#timeline").count()).toBe(1);
      expect(await page.locator("svg#timeline rect.c-mutex").count()).toBeGreaterThan(0);
      expect(await page.locator("svg#wait-for-graph").count()).toBe(1);

      // a hang starts at the last event; previous / next change what is shown
      const event = page.locator("#step-event");
      const last = await event.textContent();
      expect(last).toMatch(/HANG|end of run/);
      await page.locator("#step-prev").click();
      const before = await event.textContent();
      expect(before).not.toBe(last);
      await page.locator("#step-next").click();
      expect(await event.textContent()).toBe(last);
      await page.locator("#step-first").click();
      expect(await event.textContent()).toMatch(/scenario: binlog rotate lost wake-up/);
      await page.locator("#step-last").click();

      // the processlist at that moment: con3 runs the injected statement, as text
      expect(await page.locator("#processlist tbody tr").count()).toBe(3);
      const info = await page.evaluate<string[]>(`[...document.querySelectorAll("#processlist tbody tr")].map((tr) => tr.children[5].textContent)`);
      expect(info).toContain(XSS_SQL);
      const states = await page.evaluate<string[]>(`[...document.querySelectorAll("#threads tbody tr")].map((tr) => tr.children[3].textContent)`);
      expect(states.some((s) => s.startsWith("m_prep_xids_cond"))).toBe(true);

      // the injected markup did not run
      expect(await page.evaluate<string>(`typeof window.__xss`)).toBe("undefined");
      expect(await page.locator("#narrative img").count()).toBe(0);

      // hover shows details; zoom changes the drawing's size
      await page.locator("svg#timeline rect.c-cond").first().hover({ force: true });
      expect(await page.locator("#tooltip").isVisible()).toBe(true);
      expect(await page.locator("#tooltip").textContent()).toMatch(/m_prep_xids_cond/);
      const w0 = Number(await page.locator("svg#timeline").getAttribute("width"));
      await page.locator("#zoom-in").click();
      expect(Number(await page.locator("svg#timeline").getAttribute("width"))).toBeGreaterThan(w0);
      await page.locator("#zoom-fit").click();

      expect(errors).toEqual([]);
      const out = resolve("test-artifacts");
      mkdirSync(out, { recursive: true });
      await page.screenshot({ path: join(out, "report.png"), fullPage: true });
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
