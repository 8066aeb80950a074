import { inflateRawSync } from 'node:zlib';

/**
 * Just enough of the zip format (PKWARE APPNOTE 4.3) to list the entries of the Zapier build
 * and drop some of them, with Node's own modules. Used by `npm run zapier:build`
 * (scripts/zapierBuild.js) to check what build/build.zip holds and to drop the symlink the
 * project's self-reference `"3cx-missed-call-bridge": "file:."` leaves in it
 * (`node_modules/3cx-missed-call-bridge -> ..`, a loop back to the zip's root: the Zapier CLI
 * copies every symlink next to packages it ships, `build.js` `writeBuildZipSmartly`).
 * No zip64: the build is a few MB and a few thousand files.
 */
export interface ZipEntry {
  name: string;
  /** Offset of the entry's central directory header. */
  centralOffset: number;
  centralLength: number;
  localOffset: number;
  compressedSize: number;
  method: number;
  isSymlink: boolean;
  isDirectory: boolean;
}

interface EndOfCentralDirectory {
  offset: number;
  entries: number;
  centralSize: number;
  centralOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

function endOfCentralDirectory(zip: Buffer): EndOfCentralDirectory {
  // The record is 22 bytes plus a comment of up to 65535 bytes, at the very end.
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIGNATURE) {
      const eocd = {
        offset: i,
        entries: zip.readUInt16LE(i + 10),
        centralSize: zip.readUInt32LE(i + 12),
        centralOffset: zip.readUInt32LE(i + 16),
      };
      if (eocd.entries === 0xffff || eocd.centralOffset === 0xffffffff) {
        throw new ZipFormatError('zip64 archives are not supported');
      }
      return eocd;
    }
  }
  throw new ZipFormatError('not a zip file (no end of central directory record)');
}

export function listZipEntries(zip: Buffer): ZipEntry[] {
  const eocd = endOfCentralDirectory(zip);
  const entries: ZipEntry[] = [];
  let at = eocd.centralOffset;
  for (let n = 0; n < eocd.entries; n++) {
    if (zip.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      throw new ZipFormatError(`bad central directory header at ${at}`);
    }
    const madeByOs = zip.readUInt8(at + 5);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const mode = zip.readUInt32LE(at + 38) >>> 16;
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    const centralLength = 46 + nameLength + extraLength + commentLength;
    entries.push({
      name,
      centralOffset: at,
      centralLength,
      localOffset: zip.readUInt32LE(at + 42),
      compressedSize: zip.readUInt32LE(at + 20),
      method: zip.readUInt16LE(at + 10),
      isSymlink: madeByOs === 3 && (mode & S_IFMT) === S_IFLNK,
      isDirectory: name.endsWith('/'),
    });
    at += centralLength;
  }
  return entries;
}

/** The bytes of an entry (a symlink's target, for symlinks). */
export function readZipEntry(zip: Buffer, entry: ZipEntry): Buffer {
  const at = entry.localOffset;
  if (zip.readUInt32LE(at) !== LOCAL_SIGNATURE) {
    throw new ZipFormatError(`bad local header for ${entry.name}`);
  }
  const start = at + 30 + zip.readUInt16LE(at + 26) + zip.readUInt16LE(at + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) return Buffer.from(data);
  if (entry.method === 8) return inflateRawSync(data);
  throw new ZipFormatError(`${entry.name}: compression method ${entry.method} is not supported`);
}

/**
 * Symlinks that point at a folder containing themselves (`a/b -> ..`), so anything walking the
 * unpacked tree through links goes round forever, or out of the archive altogether.
 */
export function isUnsafeSymlink(name: string, target: string): boolean {
  if (target.startsWith('/')) return true; // absolute: outside the archive
  const linkDir = name.split('/').slice(0, -1);
  const resolved = [...linkDir];
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (resolved.length === 0) return true; // escapes the archive
      resolved.pop();
    } else resolved.push(part);
  }
  // The target is the link's own folder or one of its ancestors.
  return resolved.length <= linkDir.length && resolved.every((part, i) => linkDir[i] === part);
}

/** A copy of the archive without the entries `drop` selects. */
export function removeZipEntries(zip: Buffer, drop: (entry: ZipEntry) => boolean): Buffer {
  const eocd = endOfCentralDirectory(zip);
  const entries = listZipEntries(zip);
  // A local record runs from its header to the next record (data descriptors included).
  const starts = [...new Set(entries.map((e) => e.localOffset))].sort((a, b) => a - b);
  const recordEnd = (offset: number) => {
    const next = starts.find((s) => s > offset);
    return next ?? eocd.centralOffset;
  };

  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let written = 0;
  for (const entry of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    if (drop(entry)) continue;
    const record = zip.subarray(entry.localOffset, recordEnd(entry.localOffset));
    const central = Buffer.from(
      zip.subarray(entry.centralOffset, entry.centralOffset + entry.centralLength),
    );
    central.writeUInt32LE(written, 42);
    locals.push(record);
    centrals.push(central);
    written += record.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.from(zip.subarray(eocd.offset));
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(written, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}
