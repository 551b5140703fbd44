import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  type FileHandle,
} from 'node:fs/promises';
import path from 'node:path';
import type { UrlSigner } from '#server/platform/storage/signed-urls';
import { assertStorageKey, type FileStorage } from '#server/platform/storage/storage';

type TMeta = { contentType: string };

/**
 * Files on local disk: `root/<key>` holds the bytes as they were put, `root/<key>~meta.json` the
 * content type. `~` cannot appear in a key, so neither a sidecar nor a temp file (`~*.tmp`) can
 * ever be taken for, or overwritten by, a stored file.
 *
 * A key cannot be both a file and a folder of other keys (`a` and `a/b`), as on any file system;
 * `delete` leaves emptied folders behind.
 */
export function createLocalStorage(options: {
  root: string;
  signer: Pick<UrlSigner, 'sign'>;
}): FileStorage {
  if (!path.isAbsolute(options.root)) {
    throw new TypeError(`createLocalStorage: root must be an absolute path, got "${options.root}"`);
  }
  const root = path.resolve(options.root);

  function pathOf(key: string): string {
    assertStorageKey(key);
    const file = path.resolve(root, ...key.split('/'));
    // assertStorageKey already rules this out; this guards against a future change to it.
    if (!file.startsWith(root + path.sep)) throw new TypeError(`Storage key escapes the root`);
    return file;
  }

  /** Temp file in the target's folder, then rename: atomic, as both are on one file system. */
  async function writeAtomically(file: string, data: Uint8Array | string): Promise<void> {
    const temp = `${file}~${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'w', 0o600);
      try {
        await handle.writeFile(data);
        // Without it a crash soon after the rename can leave an empty file under the key.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  return {
    async put(key, body, meta) {
      const file = pathOf(key);
      await mkdir(path.dirname(file), { recursive: true });
      // The data file is what makes a key exist, so it goes last: a crash in between leaves a
      // sidecar that a later put overwrites, never a file without its content type.
      await writeAtomically(`${file}~meta.json`, JSON.stringify({ contentType: meta.contentType }));
      await writeAtomically(file, body);
      return { sizeBytes: body.byteLength };
    },

    async get(key) {
      const file = pathOf(key);
      let handle: FileHandle;
      try {
        handle = await open(file, 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        // Size and stream both come from the open handle, so a put replacing the file meanwhile
        // cannot mix the old size with the new bytes.
        const { size } = await handle.stat();
        const meta = await readMeta(`${file}~meta.json`);
        return { body: handle.createReadStream(), contentType: meta.contentType, sizeBytes: size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },

    async delete(key) {
      const file = pathOf(key);
      await rm(file, { force: true });
      await rm(`${file}~meta.json`, { force: true });
    },

    async list(prefix) {
      const folder = pathOf(prefix.replace(/\/+$/, ''));
      let entries: Dirent[];
      try {
        entries = await readdir(folder, { recursive: true, withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const found: { key: string; modifiedAt: Date }[] = [];
      for (const entry of entries) {
        // Sidecars and temp files carry a `~`, which no key has.
        if (!entry.isFile() || entry.name.includes('~')) continue;
        const file = path.join(entry.parentPath, entry.name);
        const { mtime } = await stat(file);
        found.push({ key: path.relative(root, file).split(path.sep).join('/'), modifiedAt: mtime });
      }
      return found;
    },

    async signedUrl(key, { expiresInSeconds, fileName }) {
      return options.signer.sign(key, { expiresInSeconds, fileName });
    },
  };
}

async function readMeta(file: string): Promise<TMeta> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as TMeta;
  } catch (error) {
    // Only a sidecar deleted by hand is missing; the bytes are still worth serving.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { contentType: 'application/octet-stream' };
    }
    throw error;
  }
}
