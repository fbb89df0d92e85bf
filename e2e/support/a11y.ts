/** Accessibility gate for a screen: axe-core in the page, failing on serious or critical violations. */
import { AxeBuilder } from '@axe-core/playwright';
import type { Result } from 'axe-core';
import type { Page } from 'playwright-core';

const BLOCKING = new Set(['serious', 'critical']);

function explain(violation: Result): string {
  const nodes = violation.nodes.map(
    (node) =>
      `    - ${node.target.join(' ')}\n      ${node.html}\n      ${(node.failureSummary ?? '').replace(/\n/g, '\n      ')}`,
  );
  return `  [${violation.impact}] ${violation.id}: ${violation.help} (${violation.helpUrl})\n${nodes.join('\n')}`;
}

/**
 * Runs axe on the page as it is now (WCAG rules and best practices). Lesser violations are printed as a
 * warning; serious and critical ones fail.
 * @throws Error listing each serious or critical violation with its nodes.
 */
export async function expectNoSeriousA11yViolations(page: Page, name: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const blocking = violations.filter((violation) => BLOCKING.has(violation.impact ?? ''));
  const minor = violations.filter((violation) => !BLOCKING.has(violation.impact ?? ''));
  if (minor.length > 0) console.warn(`[axe] ${name}: ${minor.map((v) => `${v.id} (${v.impact})`).join(', ')}`);
  if (blocking.length > 0) {
    throw new Error(
      `axe: ${blocking.length} serious or critical violation(s) on ${name}:\n${blocking.map(explain).join('\n')}`,
    );
  }
}
