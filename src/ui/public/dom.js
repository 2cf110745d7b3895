/* global document */
// Elements built from data with textContent only: task ids, reasons and logs never become markup.
const SVG = 'http://www.w3.org/2000/svg';

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  return fill(el, attrs, children);
}

export function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  return fill(el, attrs, children);
}

function fill(el, attrs, children) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false || value === null) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** replaceChildren, leaving out what is not there (a section with nothing to say). */
export function replace(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== undefined && c !== null && c !== false));
}

export function duration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const total = Math.round(ms / 1000);
  const m = Math.floor(total / 60);
  if (m < 60) return `${m}m${total % 60 ? `${total % 60}s` : ''}`;
  return `${Math.floor(m / 60)}h${m % 60 ? `${m % 60}m` : ''}`;
}

export function usageText(usage) {
  if (!usage) return '—';
  const tokens = (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0);
  const cost = usage.costUsd !== undefined ? ` · $${usage.costUsd.toFixed(usage.costUsd < 1 ? 4 : 2)}` : '';
  return `${tokens.toLocaleString('en-US')} tokens${cost}`;
}

export const STATES = [
  'pending',
  'running',
  'awaiting-approval',
  'succeeded',
  'failed',
  'conflicted',
  'skipped',
  'cancelled',
];

/** A state's count in a board's counts, which name `awaiting-approval` awaitingApproval. */
export function countOf(counts, state) {
  return counts[state === 'awaiting-approval' ? 'awaitingApproval' : state];
}
