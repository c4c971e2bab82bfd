import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appendJsonl, appendLineDurable, readJsonl, removeOrphanTempFiles, tempPathFor, truncateTornTail, writeFileAtomic } from '../../src/io/index.js';
import { ConfigError, DataError, FileError } from '../../src/util/errors.js';
import { ensureFolder, setFileFaultForTests, type FileOp } from '../../src/io/atomic.js';
import { checkWritableFile } from '../../src/io/fs-errors.js';
import { generation } from './fixtures/generation.js';

const WRITER = fileURLToPath(new URL('./fixtures/durable-writer.ts', import.meta.url));

function withDir(fn: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'exact-gn-atomic-'));
  return Promise.resolve(fn(dir)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

/** Starts the writer child, lets it run `delayMs` after its first write, then SIGKILLs it. */
function runThenKill(mode: 'atomic' | 'append', path: string, delayMs: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, mode, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), delayMs));
    child.on('error', reject);
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(signal) : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
}

// ---------------------------------------------------------------------------------------------
// writeFileAtomic
// ---------------------------------------------------------------------------------------------

test('writeFileAtomic creates and replaces files and leaves no temp files', () =>
  withDir((dir) => {
    const path = join(dir, 'state.json');
    writeFileAtomic(path, '{"step":1}');
    assert.equal(readFileSync(path, 'utf8'), '{"step":1}');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
    writeFileAtomic(path, '');
    assert.equal(readFileSync(path, 'utf8'), '');
    assert.deepEqual(readdirSync(dir), ['state.json']);
  }));

test('a failing writeFileAtomic removes its temp file and throws a FileError naming the path and what to do', () =>
  withDir((dir) => {
    const missing = join(dir, 'missing-dir', 'x');
    assert.throws(() => writeFileAtomic(missing, 'data'), (e: unknown) => e instanceof FileError && e.errno === 'ENOENT' &&
      e.message === `${missing}: cannot write: the folder ${join(dir, 'missing-dir')} does not exist; create it (mkdir -p) or choose another path`);
    const target = join(dir, 'a-directory');
    mkdirSync(target);
    assert.throws(() => writeFileAtomic(target, 'data'), (e: unknown) => e instanceof FileError && e.path === target &&
      (e.errno === 'EISDIR' ? /it is a folder, not a file/.test(e.message) : ['EPERM', 'EEXIST', 'ENOTEMPTY'].includes(e.errno ?? '')));
    assert.throws(() => writeFileAtomic('', 'data'), (e: unknown) => e instanceof FileError && /the path is empty/.test(e.message));
    assert.deepEqual(readdirSync(dir), ['a-directory'], 'the temp file was removed');
  }));

test('a process SIGKILLed while rewriting a file leaves one complete generation', () =>
  withDir(async (dir) => {
    const path = join(dir, 'ckpt.bin');
    writeFileAtomic(path, generation(0));
    for (const delayMs of [0, 5, 20, 50]) {
      await runThenKill('atomic', path, delayMs);
      const content = readFileSync(path, 'utf8');
      const m = /^BEGIN (\d+)\n/.exec(content);
      assert.ok(m, `file starts with a generation header: ${JSON.stringify(content.slice(0, 40))}`);
      assert.ok(content === generation(Number(m[1])), `generation ${m[1]} is complete and unmixed (${content.length} bytes)`);
      // SIGKILL cannot clean up: at most the one temp file being written is left over.
      const temps = readdirSync(dir).filter((f) => f !== 'ckpt.bin');
      assert.ok(temps.length <= 1, `leftovers: ${temps.join(', ')}`);
      assert.deepEqual(removeOrphanTempFiles(dir), temps);
      assert.deepEqual(readdirSync(dir), ['ckpt.bin']);
    }
  }));

test('removeOrphanTempFiles removes only temp files of dead writers', () =>
  withDir((dir) => {
    const mine = tempPathFor(join(dir, 'a.bin'));
    const dead = join(dir, '.a.bin.999999999.0123456789ab.tmp');
    for (const f of [mine, dead, join(dir, 'a.bin'), join(dir, '.hidden.tmp')]) writeFileSync(f, 'x');
    assert.deepEqual(removeOrphanTempFiles(dir), ['.a.bin.999999999.0123456789ab.tmp']);
    assert.deepEqual(readdirSync(dir).sort(), ['.hidden.tmp', mine.slice(dir.length + 1), 'a.bin'].sort());
  }));

// ---------------------------------------------------------------------------------------------
// JSONL logs
// ---------------------------------------------------------------------------------------------

test('appended rows read back in order; an empty file has no rows', () =>
  withDir((dir) => {
    const path = join(dir, 'results.jsonl');
    writeFileSync(path, '');
    assert.deepEqual(readJsonl(path), { rows: [], tornTail: false });
    appendJsonl(path, { step: 1, loss: 0.5 });
    appendLineDurable(path, '[1,"two",null]');
    appendJsonl(path, 'text');
    assert.deepEqual(readJsonl(path), { rows: [{ step: 1, loss: 0.5 }, [1, 'two', null], 'text'], tornTail: false });
    assert.equal(readFileSync(path, 'utf8'), '{"step":1,"loss":0.5}\n[1,"two",null]\n"text"\n');
  }));

test('a torn last line is skipped and reported, and truncateTornTail repairs the file', () =>
  withDir((dir) => {
    const path = join(dir, 'results.jsonl');
    appendJsonl(path, { i: 1 });
    appendFileSync(path, '{"i":2,"lo');
    assert.deepEqual(readJsonl(path), { rows: [{ i: 1 }], tornTail: true });
    assert.equal(truncateTornTail(path), '{"i":2,"lo'.length);
    assert.equal(truncateTornTail(path), 0, 'idempotent');
    appendJsonl(path, { i: 2 });
    assert.deepEqual(readJsonl(path), { rows: [{ i: 1 }, { i: 2 }], tornTail: false });

    // A last line without its newline is torn even when it happens to be valid JSON, and a cut
    // inside a multi-byte character is torn, not corrupt.
    appendFileSync(path, '{"i":3}');
    assert.deepEqual(readJsonl(path), { rows: [{ i: 1 }, { i: 2 }], tornTail: true });
    truncateTornTail(path);
    appendFileSync(path, Buffer.from('{"name":"é', 'utf8').subarray(0, -1));
    assert.equal(readJsonl(path).tornTail, true);
    truncateTornTail(path);
    assert.equal(readFileSync(path, 'utf8'), '{"i":1}\n{"i":2}\n');

    const only = join(dir, 'only-torn.jsonl');
    writeFileSync(only, '{"a"');
    assert.deepEqual(readJsonl(only), { rows: [], tornTail: true });
    assert.equal(truncateTornTail(only), 4);
    assert.equal(readFileSync(only, 'utf8'), '');
    assert.equal(truncateTornTail(join(dir, 'absent.jsonl')), 0);
  }));

test('any other bad line is a DataError naming the file and line', () =>
  withDir((dir) => {
    const cases: [string | Buffer, RegExp][] = [
      ['{"a":1}\n{"a":\n{"a":3}\n', /bad\.jsonl: line 2 is not valid JSON/],
      ['{"a":1}\n\n', /line 2 is empty/],
      ['   \n', /line 1 is empty/],
      [Buffer.concat([Buffer.from('1\n"'), Buffer.from([0xff, 0xfe]), Buffer.from('"\n')]), /line 2 is not valid UTF-8/],
      ['{"a":1}\n{"a":1} x\n', /line 2 is not valid JSON/],
    ];
    const path = join(dir, 'bad.jsonl');
    for (const [content, pattern] of cases) {
      writeFileSync(path, content);
      assert.throws(() => readJsonl(path), (e: unknown) => e instanceof DataError && e.file === path && pattern.test(e.message));
    }
    assert.throws(() => readJsonl(join(dir, 'nope.jsonl')), (e: unknown) => e instanceof DataError && /nope\.jsonl: file not found/.test(e.message));
    writeFileSync(path, '{"a":1}\r\n{"a":2}\r\n');
    assert.deepEqual(readJsonl(path).rows, [{ a: 1 }, { a: 2 }], 'CRLF line ends are accepted');
  }));

test('rows with line breaks or no JSON form are refused before anything is written', () =>
  withDir((dir) => {
    const path = join(dir, 'r.jsonl');
    assert.throws(() => appendLineDurable(path, '{"a":\n1}'), (e: unknown) => e instanceof ConfigError && /line break at index 5/.test(e.message));
    assert.throws(() => appendJsonl(path, undefined), ConfigError);
    assert.deepEqual(readdirSync(dir), []);
  }));

test('a process SIGKILLed while appending leaves readable rows, at worst a torn tail', () =>
  withDir(async (dir) => {
    const path = join(dir, 'log.jsonl');
    let prefix = 0;
    for (const delayMs of [0, 10, 30]) {
      await runThenKill('append', path, delayMs);
      const { rows } = readJsonl(path);
      const fresh = rows.slice(prefix);
      assert.ok(fresh.length >= 1, 'the first row of the run survived');
      fresh.forEach((row, k) => assert.deepEqual(row, { i: k + 1, pad: 'p'.repeat((k + 1) % 1000) }));
      truncateTornTail(path);
      appendJsonl(path, { marker: delayMs });
      const after = readJsonl(path);
      assert.equal(after.tornTail, false);
      assert.equal(after.rows.length, rows.length + 1);
      assert.deepEqual(after.rows.at(-1), { marker: delayMs });
      prefix = after.rows.length;
    }
  }));

/** A system error as Node.js raises it (code, syscall, path). */
function sysError(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated, write '${path}'`), { code, syscall: 'write', path });
}

test('a full or read-only disk at any write operation: FileError naming the file and what to do; the old file intact, no temp file left', () =>
  withDir((dir) => {
    const path = join(dir, 'state.json');
    writeFileAtomic(path, 'old generation');
    const expected: Record<string, RegExp> = {
      ENOSPC: /no space left on the disk .*free some space and run the same command again/,
      EDQUOT: /over quota/,
      EROFS: /the file system is read-only; choose a writable folder/,
      EACCES: /permission denied; make it writable/,
      EIO: /input\/output error/,
    };
    let cases = 0;
    try {
      for (const op of ['open', 'write', 'rename'] as FileOp[]) {
        for (const [code, why] of Object.entries(expected)) {
          setFileFaultForTests((o, p) => {
            if (o === op && p === path) throw sysError(code, p);
          });
          assert.throws(() => writeFileAtomic(path, 'new generation, much longer than the old one'), (e: unknown) =>
            e instanceof FileError && e.path === path && e.errno === code && e.message.startsWith(`${path}: cannot write: `) && why.test(e.message), `${op} ${code}`);
          assert.equal(readFileSync(path, 'utf8'), 'old generation', `${op} ${code}: nothing lost`);
          assert.deepEqual(readdirSync(dir), ['state.json'], `${op} ${code}: nothing half-written`);
          cases++;
        }
      }
      // Appends: the row is refused as a whole; rows already written stay.
      const log = join(dir, 'rows.jsonl');
      appendJsonl(log, { a: 1 });
      setFileFaultForTests((o) => {
        if (o === 'write') throw sysError('ENOSPC', log);
      });
      assert.throws(() => appendJsonl(log, { a: 2 }), (e: unknown) => e instanceof FileError && e.path === log && /no space left/.test(e.message));
      assert.deepEqual(readJsonl(log), { rows: [{ a: 1 }], tornTail: false });
      setFileFaultForTests((o) => {
        if (o === 'mkdir') throw sysError('EROFS', join(dir, 'sub'));
      });
      assert.throws(() => ensureFolder(join(dir, 'sub')), (e: unknown) => e instanceof FileError && /cannot create the folder: the file system is read-only/.test(e.message));
    } finally {
      setFileFaultForTests(null);
    }
    assert.equal(cases, 15);
  }));

test('folders: a file in the way of a folder, and pre-flight checks of an output path', () =>
  withDir((dir) => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    assert.throws(() => ensureFolder(join(file, 'sub')), (e: unknown) => e instanceof FileError && e.path === join(file, 'sub') &&
      /a part of the path is a file, not a folder|a file exists where a folder is needed/.test(e.message));
    assert.throws(() => ensureFolder(file), (e: unknown) => e instanceof FileError && /a file exists where a folder is needed/.test(e.message));
    assert.throws(() => checkWritableFile(join(dir, 'missing', 'x.safetensors'), '--out'), (e: unknown) => e instanceof FileError &&
      e.message === `--out ${join(dir, 'missing', 'x.safetensors')}: cannot write: the folder ${join(dir, 'missing')} does not exist; create it (mkdir -p) or choose another path`);
    assert.throws(() => checkWritableFile('', '--out'), (e: unknown) => e instanceof FileError && e.message === '--out "": the path is empty; give a file name');
    assert.throws(() => checkWritableFile(dir, '--out'), (e: unknown) => e instanceof FileError && /it is a folder, not a file/.test(e.message));
    assert.throws(() => checkWritableFile(join(file, 'x'), '--out'), (e: unknown) => e instanceof FileError && /is a file, not a folder|a part of the path is a file/.test(e.message));
    assert.doesNotThrow(() => checkWritableFile(join(dir, 'new.safetensors'), '--out'));
    assert.deepEqual(readdirSync(dir).sort(), ['a-file'], 'the checks write nothing');
  }));
