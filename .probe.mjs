const dir = process.argv[2];
const t = performance.now();
const { loadTypeScript } = await import('./dist/extract/typescript-compiler.js');
const t1 = performance.now();
const { compiler, fromCodeCache } = loadTypeScript(dir);
compiler.createSourceFile('a.ts', 'export const a = (x: number) => x + 1; class A { m() { return 1; } }', compiler.ScriptTarget.Latest, true);
const t2 = performance.now();
console.log(fromCodeCache, (t2 - t1).toFixed(0));
