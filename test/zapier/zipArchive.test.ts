import { crc32, deflateRawSync } from 'node:zlib';
import {
  isUnsafeSymlink,
  listZipEntries,
  readZipEntry,
  removeZipEntries,
} from '../../lib/zapier/zipArchive';

/** A small zip written by hand (stored and deflated entries, one symlink, a data descriptor). */
function makeZip(
  files: {
    name: string;
    data: string;
    symlink?: boolean;
    deflate?: boolean;
    descriptor?: boolean;
  }[],
) {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const raw = Buffer.from(file.data);
    const data = file.deflate ? deflateRawSync(raw) : raw;
    const name = Buffer.from(file.name);
    const crc = crc32(raw);
    const flags = file.descriptor ? 0x08 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(file.deflate ? 8 : 0, 8);
    local.writeUInt32LE(file.descriptor ? 0 : crc, 14);
    local.writeUInt32LE(file.descriptor ? 0 : data.length, 18);
    local.writeUInt32LE(file.descriptor ? 0 : raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    const descriptor = Buffer.alloc(file.descriptor ? 16 : 0);
    if (file.descriptor) {
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(crc, 4);
      descriptor.writeUInt32LE(data.length, 8);
      descriptor.writeUInt32LE(raw.length, 12);
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(file.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((file.symlink ? 0o120777 : 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    const record = Buffer.concat([local, name, data, descriptor]);
    locals.push(record);
    centrals.push(Buffer.concat([central, name]));
    offset += record.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

describe('the build zip', () => {
  const zip = makeZip([
    { name: 'index.js', data: "module.exports = require('./dist/index').default;\n" },
    { name: 'node_modules/3cx-missed-call-bridge', data: '..', symlink: true },
    { name: 'dist/index.js', data: 'x'.repeat(500), deflate: true, descriptor: true },
    { name: 'node_modules/zod/package.json', data: '{"name":"zod"}' },
  ]);

  it('lists entries, tells symlinks apart and reads them', () => {
    const entries = listZipEntries(zip);
    expect(entries.map((e) => [e.name, e.isSymlink])).toEqual([
      ['index.js', false],
      ['node_modules/3cx-missed-call-bridge', true],
      ['dist/index.js', false],
      ['node_modules/zod/package.json', false],
    ]);
    expect(readZipEntry(zip, entries[1]).toString()).toBe('..');
    expect(readZipEntry(zip, entries[2]).toString()).toBe('x'.repeat(500));
  });

  it('drops the looping symlink and keeps every other entry readable', () => {
    const smaller = removeZipEntries(zip, (e) => e.isSymlink);
    const entries = listZipEntries(smaller);
    expect(entries.map((e) => e.name)).toEqual([
      'index.js',
      'dist/index.js',
      'node_modules/zod/package.json',
    ]);
    expect(readZipEntry(smaller, entries[1]).toString()).toBe('x'.repeat(500));
    expect(readZipEntry(smaller, entries[2]).toString()).toBe('{"name":"zod"}');
  });

  it('knows a loop from an ordinary package link', () => {
    expect(isUnsafeSymlink('node_modules/3cx-missed-call-bridge', '..')).toBe(true);
    expect(isUnsafeSymlink('node_modules/@scope/pkg', '../..')).toBe(true);
    expect(isUnsafeSymlink('node_modules/a', '../../outside')).toBe(true);
    expect(isUnsafeSymlink('node_modules/a', '/abs/path')).toBe(true);
    expect(isUnsafeSymlink('node_modules/a', '../packages/a')).toBe(false);
    expect(isUnsafeSymlink('node_modules/a', 'b')).toBe(false);
  });
});
