/** axe-core's accessibility check on a page in a real browser. */
import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** Contrast, names, roles: axe-core's WCAG 2 A and AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<string[]> {
  // Through the debugging protocol: the page's own CSP (rightly) refuses inline scripts.
  await page.evaluate(axe.source);
  // A string, run in the page: this file is type-checked without the DOM's types.
  return page.evaluate<string[]>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })
    .then((result) => result.violations.map((v) => v.id + ': ' + v.help + ' (' + v.nodes.map((n) => n.target.join(' ')).join(', ') + ')'))`);
}
