/**
 * Seals secrets (Run As passwords, connector credentials) with the DEK:
 * AES-256-GCM, a fresh 96-bit nonce per value, and associated data naming the
 * key id, table, column and row. A sealed value copied to another row, column
 * or group does not open. Layout: version(1) | nonce(12) | ciphertext | tag(16).
 *
 * It also derives keys for other purposes from the DEK (HKDF-SHA256, salt the
 * key id, info "smgr <purpose> v1"): every management server of the group
 * holds the same DEK, so they derive the same key, and nothing new is stored
 * (the console's session cookie key: purpose "console session cookie").
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 1;
const NONCE = 12;
const TAG = 16;

export interface SealContext {
  table: string;
  column: string;
  row: string;
}

export class SecretSealer {
  constructor(
    readonly keyId: string,
    private readonly dek: Buffer,
  ) {}

  seal(plaintext: string, ctx: SealContext): Buffer {
    const nonce = randomBytes(NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.dek, nonce);
    cipher.setAAD(this.aad(ctx));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), nonce, body, cipher.getAuthTag()]);
  }

  /** Opens a sealed value; throws if it was sealed for another row or key, or altered. */
  open(sealed: Buffer, ctx: SealContext): string {
    if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION)
      throw new Error('sealed value has an unknown layout');
    const decipher = createDecipheriv('aes-256-gcm', this.dek, sealed.subarray(1, 1 + NONCE));
    decipher.setAAD(this.aad(ctx));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + NONCE, sealed.length - TAG)),
      decipher.final(),
    ]).toString('utf8');
  }

  /** A 32-byte key for `purpose`, the same on every server of the group; the DEK itself stays here. */
  deriveKey(purpose: string): Buffer {
    return Buffer.from(
      hkdfSync('sha256', this.dek, Buffer.from(this.keyId), Buffer.from(`smgr ${purpose} v1`), 32),
    );
  }

  private aad(ctx: SealContext): Buffer {
    return Buffer.from(`smgr secret v1\0${this.keyId}\0${ctx.table}\0${ctx.column}\0${ctx.row}`);
  }
}
