/** Call chains as compiler nodes give them (outermost first), cut into links and steps. */
import type { ts } from 'ts-morph';
import { typescript } from '../typescript-compiler.js';
import type { Chain, Link, Step } from './types.js';

/** Skips what does not change a value's provenance: parentheses, `as`, `!`, `satisfies`, `await`, `<T>x`. */
export function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (
    typescript.isParenthesizedExpression(current) || typescript.isAsExpression(current) || typescript.isNonNullExpression(current) ||
    typescript.isSatisfiesExpression(current) || typescript.isAwaitExpression(current) || typescript.isTypeAssertionExpression(current)
  ) {
    current = current.expression;
  }
  return current;
}

type ChainNode = ts.CallExpression | ts.PropertyAccessExpression | ts.ElementAccessExpression | ts.TaggedTemplateExpression;

function isLink(node: ts.Node): node is ChainNode {
  return typescript.isCallExpression(node) || typescript.isPropertyAccessExpression(node) || typescript.isElementAccessExpression(node) || typescript.isTaggedTemplateExpression(node);
}

/** The outermost node of a chain: nothing above it calls it, reads a property of it or tags with it. */
export function isChainTop(node: ts.Node): node is ChainNode {
  if (!isLink(node)) return false;
  let child: ts.Node = node;
  let parent = node.parent;
  while (parent && (typescript.isParenthesizedExpression(parent) || typescript.isNonNullExpression(parent))) {
    child = parent;
    parent = parent.parent;
  }
  if (!parent) return true;
  const continued =
    ((typescript.isPropertyAccessExpression(parent) || typescript.isElementAccessExpression(parent) || typescript.isCallExpression(parent)) && parent.expression === child) ||
    (typescript.isTaggedTemplateExpression(parent) && parent.tag === child);
  return !continued;
}

export function decompose(top: ts.Expression): Chain {
  const links: Link[] = [];
  let current = top;
  for (;;) {
    if (typescript.isCallExpression(current)) {
      links.push({ kind: 'call', node: current });
      current = current.expression;
    } else if (typescript.isPropertyAccessExpression(current)) {
      links.push({ kind: 'property', name: current.name.text, node: current.name });
      current = current.expression;
    } else if (typescript.isElementAccessExpression(current)) {
      const key = current.argumentExpression;
      links.push(typescript.isStringLiteralLike(key) ? { kind: 'property', name: key.text, node: key } : { kind: 'computed', node: key });
      current = current.expression;
    } else if (typescript.isTaggedTemplateExpression(current)) {
      links.push({ kind: 'tag', node: current });
      current = current.tag;
    } else if (typescript.isParenthesizedExpression(current) || typescript.isNonNullExpression(current)) {
      current = current.expression;
    } else {
      break;
    }
  }
  return { root: current, links: links.reverse() };
}

/** The links from `start` on as steps: `.name(…)` pairs a property with the call that follows it. */
export function stepsOf(links: Link[], start = 0): Step[] {
  const steps: Step[] = [];
  for (let i = start; i < links.length; i++) {
    const link = links[i]!;
    if (link.kind === 'tag' || link.kind === 'computed') {
      steps.push(link);
    } else if (link.kind === 'call') {
      steps.push({ kind: 'call', node: link.node, args: link.node.arguments });
    } else {
      const next = links[i + 1];
      if (next?.kind === 'call') {
        steps.push({ kind: 'member', name: link.name, nameNode: link.node, call: next.node, args: next.node.arguments });
        i++;
      } else {
        steps.push({ kind: 'member', name: link.name, nameNode: link.node, args: [] });
      }
    }
  }
  return steps;
}

/** The function a callback argument is, when it is one written in place. */
export function callbackOf(argument: ts.Expression | undefined): ts.ArrowFunction | ts.FunctionExpression | undefined {
  if (!argument) return undefined;
  const expression = unwrap(argument);
  return typescript.isArrowFunction(expression) || typescript.isFunctionExpression(expression) ? expression : undefined;
}
