import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CIFAR10_MD5, CIFAR10_URL, downloadCifar10, loadCifar10, readTar, type FetchLike } from '../../src/data/index.js';
import { DataError } from '../../src/util/errors.js';
import { CIFAR_FILES, cifarFileBytes, cifarLabel, tarBytes, tempDir } from './fixtures.js';

/** A generated cifar-10-binary.tar.gz with 2 records per file (plus the extra files the real one has). */
function archive(): Uint8Array {
  const enc = new TextEncoder();
  return gzipSync(
    tarBytes([
      { name: 'cifar-10-batches-bin/', type: 'dir' },
      { name: 'cifar-10-batches-bin/batches.meta.txt', data: enc.encode('airplane\nautomobile\n') },
      ...CIFAR_FILES.map((f, i) => ({ name: `cifar-10-batches-bin/${f}`, data: cifarFileBytes(i, 2) })),
      { name: 'cifar-10-batches-bin/readme.html', data: enc.encode('<html></html>') },
    ]),
  );
}

function fakeFetch(body: Uint8Array, calls: string[], status = 200): FetchLike {
  return async (url) => {
    calls.push(url);
    return { ok: status === 200, status, statusText: status === 200 ? 'OK' : 'Not Found', arrayBuffer: async () => Uint8Array.from(body).buffer };
  };
}

const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

test('download: fetches the URL, checks the md5, extracts into dir/cifar-10-batches-bin, loadable', async () => {
  const { dir, cleanup } = tempDir('dl');
  try {
    const gz = archive();
    const calls: string[] = [];
    const res = await downloadCifar10(dir, { fetchImpl: fakeFetch(gz, calls), md5: md5(gz) });
    assert.deepEqual(calls, [CIFAR10_URL]);
    assert.equal(CIFAR10_URL, 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    assert.deepEqual(res, { dir: join(dir, 'cifar-10-batches-bin'), downloaded: true, bytes: gz.length });
    assert.deepEqual(readdirSync(dir), ['cifar-10-batches-bin'], 'no temporary folder left behind');
    assert.deepEqual(readdirSync(res.dir).sort(), [...CIFAR_FILES, 'batches.meta.txt', 'readme.html'].sort());
    assert.deepEqual(new Uint8Array(readFileSync(join(res.dir, 'data_batch_2.bin'))), cifarFileBytes(1, 2));
    const { train } = loadCifar10({ dir, cache: false });
    assert.equal(train.n, 10);
    assert.equal(train.y[2], cifarLabel(1, 0));
    // Second call: already complete, nothing fetched; force fetches again and replaces.
    const again = await downloadCifar10(dir, { fetchImpl: fakeFetch(gz, calls), md5: md5(gz) });
    assert.equal(again.downloaded, false);
    assert.equal(calls.length, 1);
    const forced = await downloadCifar10(dir, { fetchImpl: fakeFetch(gz, calls), md5: md5(gz), force: true, url: 'http://mirror/x.tgz' });
    assert.equal(forced.downloaded, true);
    assert.deepEqual(calls, [CIFAR10_URL, 'http://mirror/x.tgz']);
    assert.deepEqual(readdirSync(dir), ['cifar-10-batches-bin']);
  } finally {
    cleanup();
  }
});

test('download: a wrong checksum writes nothing and says expected vs actual md5', async () => {
  const { dir, cleanup } = tempDir('dl');
  try {
    const gz = archive();
    await assert.rejects(
      downloadCifar10(join(dir, 'cifar'), { fetchImpl: fakeFetch(gz, []) }),
      (e: unknown) =>
        e instanceof DataError &&
        e.file === CIFAR10_URL &&
        new RegExp(`checksum mismatch: expected md5 ${CIFAR10_MD5}, got ${md5(gz)} \\(${gz.length} bytes\\).*nothing was written`).test((e as Error).message),
    );
    assert.equal(CIFAR10_MD5, 'c32a1d4ab5d03f1284b67883e8d87530');
    assert.equal(existsSync(join(dir, 'cifar')), false);
  } finally {
    cleanup();
  }
});

test('download: HTTP errors, network errors, bad archives and unsafe paths are DataErrors', async () => {
  const { dir, cleanup } = tempDir('dl');
  try {
    await assert.rejects(downloadCifar10(dir, { fetchImpl: fakeFetch(new Uint8Array(0), [], 404) }), /download failed: HTTP 404 Not Found/);
    const offline: FetchLike = async () => {
      throw new Error('getaddrinfo ENOTFOUND www.cs.toronto.edu');
    };
    await assert.rejects(downloadCifar10(dir, { fetchImpl: offline }), /download failed \(getaddrinfo ENOTFOUND.*EXACT_GN_CIFAR10_DIR/);
    const notGz = new TextEncoder().encode('<html>moved</html>');
    await assert.rejects(downloadCifar10(dir, { fetchImpl: fakeFetch(notGz, []), md5: md5(notGz) }), /not a valid gzip archive/);
    const incomplete = gzipSync(tarBytes([{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: cifarFileBytes(0, 1) }]));
    await assert.rejects(downloadCifar10(dir, { fetchImpl: fakeFetch(incomplete, []), md5: md5(incomplete) }), /the archive has no cifar-10-batches-bin\/data_batch_2\.bin/);
    const evil = gzipSync(tarBytes([{ name: '../../etc/evil', data: new Uint8Array(3) }]));
    await assert.rejects(downloadCifar10(dir, { fetchImpl: fakeFetch(evil, []), md5: md5(evil) }), /"\.\.\/\.\.\/etc\/evil" points outside the target folder/);
    assert.deepEqual(readdirSync(dir), [], 'failed downloads leave nothing behind');
  } finally {
    cleanup();
  }
});

test('tar reader: names, contents, folders, long names via prefix, and corruption', () => {
  const long = `${'d'.repeat(120)}/file.bin`;
  const bytes = tarBytes([
    { name: 'a/', type: 'dir' },
    { name: 'a/x.txt', data: new TextEncoder().encode('hello') },
    { name: 'a/empty' },
    { name: 'a/big', data: new Uint8Array(1300).map((_, i) => i % 251) },
  ]);
  const entries = readTar(bytes);
  assert.deepEqual(entries.map((e) => [e.name, e.type, e.data.length]), [['a/', 'dir', 0], ['a/x.txt', 'file', 5], ['a/empty', 'file', 0], ['a/big', 'file', 1300]]);
  assert.equal(new TextDecoder().decode(entries[1]!.data), 'hello');
  assert.equal(entries[3]!.data[1299], 1299 % 251);
  // ustar prefix field (bytes 345..500) carries the directory part of a long name.
  const withPrefix = tarBytes([{ name: 'file.bin', data: new Uint8Array(2) }]);
  withPrefix.set(new TextEncoder().encode('d'.repeat(120)), 345);
  let sum = 0;
  withPrefix.fill(0x20, 148, 156);
  for (let i = 0; i < 512; i++) sum += withPrefix[i]!;
  withPrefix.set(new TextEncoder().encode(sum.toString(8).padStart(6, '0') + '\0 '), 148);
  assert.equal(readTar(withPrefix)[0]!.name, long);
  const corrupt = bytes.slice();
  corrupt[10] ^= 0xff;
  assert.throws(() => readTar(corrupt, 'x.tar'), /x\.tar: bad tar header checksum at byte 0/);
  assert.throws(() => readTar(bytes.subarray(0, 2048 + 512 + 100), 'cut.tar'), /cut\.tar: tar member at byte 2048 needs 1300 bytes but the archive ends after 100/);
});
