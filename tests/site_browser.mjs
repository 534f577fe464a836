// Loads pages of the course site in the system Chromium (puppeteer-core, which downloads no
// browser) and reports, as JSON on stdout, for each page: console errors, failed loads, any
// request that leaves the site's folder, axe-core's WCAG 2.1 A/AA violations, and on a page with
// a chapters menu, where the video is after a click on a chapter.
//
//   node tests/site_browser.mjs SITE_DIR [--shots OUT_DIR] PAGE...     (PAGE relative to SITE_DIR)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const puppeteer = require("puppeteer-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const args = process.argv.slice(2);
const site = path.resolve(args.shift());
let shots = null;
if (args[0] === "--shots") { args.shift(); shots = path.resolve(args.shift()); }
const siteUrl = pathToFileURL(site).href + "/";
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required", "--mute-audio"],
});
const results = {};
try {
  for (const rel of args) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 800 });
    const report = { console: [], failed: [], outside: [], violations: [], chapters: null };
    // axe-core fetches the page's stylesheets itself, which a page opened from disk refuses: what
    // it logs while it runs is axe's, not the page's
    let auditing = false;
    page.on("console", (msg) => { if (!auditing && msg.type() === "error") report.console.push(msg.text()); });
    page.on("pageerror", (err) => report.console.push(String(err)));
    page.on("requestfailed", (req) => {
      if (!auditing) report.failed.push({ url: req.url(), error: req.failure()?.errorText || "", type: req.resourceType() });
    });
    page.on("request", (req) => {
      const url = req.url();
      if (!(url.startsWith(siteUrl) || url.startsWith("data:") || url.startsWith("blob:"))) report.outside.push(url);
    });
    await page.goto(siteUrl + rel, { waitUntil: "load" });
    await new Promise((r) => setTimeout(r, 300));
    auditing = true;
    await page.evaluate(axeSource);
    // At a phone's width first (what overflows there must still be reachable), then a desktop's.
    await page.setViewport({ width: 390, height: 844 });
    await new Promise((r) => setTimeout(r, 200));
    const phone = await page.evaluate(async () => {
      const r = await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, where: "phone", nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) }));
    });
    await page.setViewport({ width: 1280, height: 800 });
    await new Promise((r) => setTimeout(r, 200));
    // A reveal.js deck shows one slide at a time (the others are hidden from axe too): each is audited shown.
    const axe = await page.evaluate(async () => {
      const tags = { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } };
      const found = [];
      const audit = async (where) => {
        const r = await window.axe.run(document, tags);
        for (const v of r.violations) {
          found.push({ id: v.id, impact: v.impact, where, nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5) });
        }
      };
      if (window.Reveal && window.Reveal.isReady && window.Reveal.isReady()) {
        window.Reveal.configure({ transition: "none", backgroundTransition: "none" }); // no slide caught mid-fade
        const slides = window.Reveal.getSlides();
        for (let i = 0; i < slides.length; i++) {
          const at = window.Reveal.getIndices(slides[i]);
          window.Reveal.slide(at.h, at.v);
          await new Promise((r) => setTimeout(r, 150));
          await audit(`slide ${i + 1}`);
        }
        window.Reveal.slide(0, 0);
      } else {
        await audit("page");
      }
      return found;
    });
    report.violations = [...phone, ...axe];
    await new Promise((r) => setTimeout(r, 200));
    auditing = false;
    const hasChapters = await page.$("[data-chapters-for]");
    if (hasChapters) {
      await page.waitForFunction(() => document.querySelectorAll("[data-chapters-for] button").length > 0, { timeout: 10000 })
        .catch(() => {});
      const buttons = await page.$$("[data-chapters-for] button");
      const pick = buttons[Math.min(2, buttons.length - 1)];
      if (pick) {
        const start = Number(await pick.evaluate((b) => b.getAttribute("data-start")));
        await pick.focus();
        await page.keyboard.press("Enter"); // a keyboard user's click
        await page.waitForFunction((s) => Math.abs(document.querySelector("video").currentTime - s) < 0.5, { timeout: 10000 }, start)
          .catch(() => {});
        const now = await page.evaluate(() => document.querySelector("video").currentTime);
        const texts = await page.$$eval("[data-chapters-for] button", (bs) => bs.map((b) => b.textContent));
        report.chapters = { count: buttons.length, start, currentTime: now, texts };
      } else {
        report.chapters = { count: 0 };
      }
    }
    if (shots) {
      const name = rel.replace(/[\/]/g, "_").replace(/\.html$/, "");
      await page.screenshot({ path: path.join(shots, `${name}-desktop.png`), fullPage: true });
      await page.setViewport({ width: 390, height: 844, isMobile: true, deviceScaleFactor: 1 });
      await new Promise((r) => setTimeout(r, 200));
      await page.screenshot({ path: path.join(shots, `${name}-phone.png`), fullPage: true });
    }
    results[rel] = report;
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results, null, 1) + "\n");
