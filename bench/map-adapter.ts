/**
 * The baseline's store: oidc-provider's adapter contract over plain Maps, unbounded. The engine's own MemoryAdapter
 * is an LRU of 1,000 entries; under load it evicts sessions and tokens, so a baseline built on it re-does sign-ins
 * and looks slower than the engine is. Expired entries are dropped when read, and swept once a minute.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry { payload: AdapterPayload; expiresAt: number }

const entries = new Map<string, Entry>();
const byUid = new Map<string, string>();
const byUserCode = new Map<string, string>();
const byGrant = new Map<string, Set<string>>();

function live(key: string | undefined): AdapterPayload | undefined {
  if (key === undefined) return undefined;
  const entry = entries.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry.payload;
}

setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
}, 60_000).unref();

export class MapAdapter implements Adapter {
  readonly #model: string;

  constructor(model: string) {
    this.#model = model;
  }

  #key(id: string): string {
    return `${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    entries.set(key, { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    if (payload.uid) byUid.set(`${this.#model}:${payload.uid}`, key);
    if (payload.userCode) byUserCode.set(`${this.#model}:${payload.userCode}`, key);
    if (payload.grantId) {
      let members = byGrant.get(payload.grantId);
      if (!members) byGrant.set(payload.grantId, members = new Set());
      members.add(key);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const payload = live(this.#key(id));
    return payload && { ...payload };
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const payload = live(byUid.get(`${this.#model}:${uid}`));
    return payload && { ...payload };
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const payload = live(byUserCode.get(`${this.#model}:${userCode}`));
    return payload && { ...payload };
  }

  async consume(id: string): Promise<void> {
    const payload = live(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id);
    const payload = live(key);
    entries.delete(key);
    if (payload?.uid) byUid.delete(`${this.#model}:${payload.uid}`);
    if (payload?.userCode) byUserCode.delete(`${this.#model}:${payload.userCode}`);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of byGrant.get(grantId) ?? []) entries.delete(key);
    byGrant.delete(grantId);
  }
}
