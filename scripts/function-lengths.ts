/**
 * Lists the longest functions in `src/` (lines from the declaration to its closing brace), longest
 * first: `npx tsx scripts/function-lengths.ts [N] [--max L]`. With `--max L` it exits 1 when any
 * function is longer than L lines, so the house rule ("functions under ~60 lines") can be checked.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

interface Span {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string {
  const named = node as { name?: ts.Node };
  if (named.name) return named.name.getText(sf);
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  return '(anonymous)';
}

function spans(file: string): Span[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Span[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && (node as { body?: ts.Node }).body) {
      const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: nameOf(node, sf), line: start + 1, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const args = process.argv.slice(2);
const maxAt = args.indexOf('--max');
const max = maxAt >= 0 ? Number(args[maxAt + 1]) : undefined;
const top = Number(args.find((a, i) => /^\d+$/.test(a) && (maxAt < 0 || i !== maxAt + 1)) ?? 10);
const all = sourceFiles('src')
  .flatMap(spans)
  .sort((a, b) => b.lines - a.lines);
for (const s of all.slice(0, top)) {
  process.stdout.write(`${String(s.lines).padStart(4)}  ${relative('.', s.file)}:${s.line}  ${s.name}\n`);
}
const over = max === undefined ? [] : all.filter((s) => s.lines > max);
if (over.length > 0) {
  process.stderr.write(`${over.length} function(s) longer than ${max} lines\n`);
  process.exit(1);
}
